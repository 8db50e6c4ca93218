package b2b

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// checkRetry retries rate limits, server errors and transport errors. A request that is not
// resendable (a create without an idempotency key) is retried only when it cannot have
// reached the server: a 429 (refused before any work), or a request that was never written
// to a connection (no route, refused connection, failed TLS handshake).
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	state := callStateOf(ctx)
	if state.stop != nil && state.stop.Err() != nil {
		return false, nil //nolint:nilerr // the caller stopped: the reply or error at hand is the last
	}
	var redirect *redirectError
	if errors.As(err, &redirect) || errors.Is(err, errNotSent) {
		return false, nil
	}
	resendable := state.resendable
	var coded *bodyCodeError
	if errors.As(err, &coded) {
		// An HTTP success whose envelope code says otherwise: as if it were the status.
		return retryStatus(coded.code, resendable), nil
	}
	if err != nil {
		// A transport error, or a reply cut off while it was read.
		if !resendable && !state.unsent {
			return false, nil
		}
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	return retryStatus(resp.StatusCode, resendable), nil
}

// retryStatus is the policy for a status: a 429 was refused before any work, so it is
// always retried; a server error only when the request is resendable.
func retryStatus(status int, resendable bool) bool {
	switch status {
	case http.StatusTooManyRequests:
		return true
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return resendable
	}
	return false
}

// backoff waits as long as the server asks (Retry-After, or BigCommerce's
// X-Request-Window-Resets-After on a 429), else exponentially with jitter; never less than
// the jittered minimum (a "Retry-After: 0" is no reason to hammer the server), never more
// than max.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	floor := jittered(minWait)
	if resp != nil {
		if wait, ok := serverRequestedWait(resp); ok {
			return min(max(wait, floor), maxWait)
		}
	}
	ceiling := float64(minWait) * math.Pow(2, float64(attempt))
	if ceiling > float64(maxWait) || math.IsInf(ceiling, 0) {
		ceiling = float64(maxWait)
	}
	return max(jittered(time.Duration(ceiling)), floor)
}

// jittered is a random wait between half of d and d.
func jittered(d time.Duration) time.Duration {
	half := d / 2
	return half + rand.N(half+1)
}

func serverRequestedWait(resp *http.Response) (time.Duration, bool) {
	if v := resp.Header.Get("Retry-After"); v != "" {
		secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if errors.Is(err, strconv.ErrRange) && secs > 0 {
			err = nil // more seconds than an int64 holds: as long as allowed
		}
		if err == nil && secs >= 0 {
			return time.Duration(min(secs, int64(maxRequestedWait/time.Second))) * time.Second, true
		}
		if at, err := http.ParseTime(v); err == nil {
			return max(time.Until(at), 0), true
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests || (resp.StatusCode < 400 && bodyCodeOf(resp) == http.StatusTooManyRequests) {
		return parseWindowReset(resp.Header.Get("X-Request-Window-Resets-After"))
	}
	return 0, false
}

// bodyCodeOf is the retryable envelope code the response handler found in resp's body.
func bodyCodeOf(resp *http.Response) int {
	if resp.Request == nil {
		return 0
	}
	return callStateOf(resp.Request.Context()).bodyCode
}

// maxRequestedWait bounds a wait the server asks for before it becomes a Duration, which
// would overflow (and turn negative: no wait at all) for huge values; backoff caps it at
// the client's maximum wait anyway.
const maxRequestedWait = 24 * time.Hour

// parseWindowReset reads BigCommerce's "0.397 s" style header.
func parseWindowReset(v string) (time.Duration, bool) {
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "s"))
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil || secs < 0 || math.IsNaN(secs) || math.IsInf(secs, 0) {
		return 0, false
	}
	if secs >= maxRequestedWait.Seconds() {
		return maxRequestedWait, true
	}
	return time.Duration(secs * float64(time.Second)), true
}
