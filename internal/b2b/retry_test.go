package b2b

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

type apiOp struct {
	name   string
	method string
	path   string
	call   func(*Client) error
}

// createReached sends a create and says whether it may have reached the server.
func createReachedOf(c *Client, req CreateServerTokenRequest) (error, bool) {
	_, s, err := c.createServerToken(context.Background(), req, nil)
	return err, err != nil && createReached(err, s)
}

var testCreate = CreateServerTokenRequest{StoreHash: testStoreHash, Email: "o@example.com", Password: testPassword, Name: "n"}

var (
	opList = apiOp{"list", http.MethodGet, "/backend/tokens", func(c *Client) error {
		_, err := c.ListServerTokensPage(context.Background(), MaxPageSize, 0)
		return err
	}}
	// opDelete is the DELETE request alone, without the store's handling of its outcome
	// (a 404 is a token already gone, a 401 is tried again: see store tests).
	opDelete = apiOp{"delete", http.MethodDelete, "/auth/backend", func(c *Client) error {
		return c.deleteServerToken(context.Background(), credential{value: testAuthToken}.header(""), testStoreHash, 1)
	}}
	opCreate = apiOp{"create", http.MethodPost, "/auth/backend", func(c *Client) error {
		_, err := c.CreateServerToken(context.Background(), CreateServerTokenRequest{StoreHash: testStoreHash, Email: "o@example.com", Password: testPassword, Name: "n"})
		return err
	}}
)

// failFirst fails the first n requests of every method and path with fail, then lets the
// fake answer.
func failFirst(n int, fail func(t *testing.T, w http.ResponseWriter, r *http.Request)) func(t *testing.T) fakeHook {
	return func(t *testing.T) fakeHook {
		return func(_ *fakeB2B, w http.ResponseWriter, r *http.Request, _ fakeRequest, i int) bool {
			if i <= n {
				fail(t, w, r)
				return true
			}
			return false
		}
	}
}

func replyStatus(status int) func(*testing.T, http.ResponseWriter, *http.Request) {
	return func(_ *testing.T, w http.ResponseWriter, _ *http.Request) { writeStatus(w, status) }
}

func replyReset(t *testing.T, w http.ResponseWriter, _ *http.Request) { resetConnection(t, w) }

func replyCutOff(t *testing.T, w http.ResponseWriter, _ *http.Request) {
	cutOffReply(t, w, `{"code":200,"data":[{"id":7,"na`)
}

// withCallState is a context as Client.do makes it for a call in the state given.
func withCallState(state *callState) context.Context {
	return context.WithValue(context.Background(), callStateKey{}, state)
}

func TestResendableRequestsAreRetriedOnRateLimitsServerAndTransportErrors(t *testing.T) {
	const maxRetries = 3
	failures := []struct {
		name       string
		fail       func(*testing.T, http.ResponseWriter, *http.Request)
		wantStatus int // of the last failure; 0: a transport error
	}{
		{"429", replyStatus(429), 429},
		{"500", replyStatus(500), 500},
		{"502", replyStatus(502), 502},
		{"503", replyStatus(503), 503},
		{"504", replyStatus(504), 504},
		{"connection reset", replyReset, 0},
		{"reply cut off mid-read", replyCutOff, 200},
	}
	for _, o := range []apiOp{opList, opDelete} {
		for _, fl := range failures {
			t.Run(o.name+" "+fl.name+" until retries run out", func(t *testing.T) {
				f := newFake(t)
				f.seed(1, "x", "x@example.com")
				f.setHook(failFirst(1000, fl.fail)(t))
				c := f.client(t, func(cfg *Config) { withAuthToken(cfg); cfg.MaxRetries = maxRetries })
				err := o.call(c)
				apiErr := asAPIError(t, err)
				if apiErr.StatusCode != fl.wantStatus {
					t.Errorf("StatusCode = %d, want %d (%v)", apiErr.StatusCode, fl.wantStatus, err)
				}
				if fl.wantStatus != 0 && !strings.Contains(err.Error(), fmt.Sprintf("HTTP %d", fl.wantStatus)) {
					t.Errorf("error %q does not name the last status", err)
				}
				if fl.wantStatus == 0 && apiErr.Err == nil {
					t.Errorf("transport error without a cause: %v", err)
				}
				if got := f.count(o.method, o.path); got != maxRetries+1 {
					t.Errorf("%d requests, want %d", got, maxRetries+1)
				}
				if fl.wantStatus >= 400 && apiErr.Attempts != maxRetries+1 {
					t.Errorf("Attempts = %d, want %d", apiErr.Attempts, maxRetries+1)
				}
			})
			t.Run(o.name+" "+fl.name+" then success", func(t *testing.T) {
				f := newFake(t)
				f.seed(1, "x", "x@example.com")
				f.setHook(failFirst(2, fl.fail)(t))
				c := f.client(t, func(cfg *Config) { withAuthToken(cfg); cfg.MaxRetries = maxRetries })
				if err := o.call(c); err != nil {
					t.Fatalf("err = %v, want success on the third attempt", err)
				}
				if got := f.count(o.method, o.path); got != 3 {
					t.Errorf("%d requests, want 3", got)
				}
			})
		}
	}
}

func TestClientErrorsAreNeverRetried(t *testing.T) {
	for _, o := range []apiOp{opList, opDelete, opCreate} {
		for _, status := range []int{400, 401, 403, 404, 413, 501} {
			t.Run(fmt.Sprintf("%s %d", o.name, status), func(t *testing.T) {
				f := newFake(t)
				f.setHook(failFirst(1000, replyStatus(status))(t))
				c := f.client(t, func(cfg *Config) { withAuthToken(cfg); cfg.MaxRetries = 3 })
				err := o.call(c)
				if got := asAPIError(t, err).StatusCode; got != status {
					t.Errorf("StatusCode = %d, want %d", got, status)
				}
				if got := f.count(o.method, o.path); got != 1 {
					t.Errorf("%d requests, want 1", got)
				}
			})
		}
	}
}

func TestCreateIsRetriedOnlyWhenItCannotHaveReachedTheServer(t *testing.T) {
	slow := func(_ *testing.T, _ http.ResponseWriter, r *http.Request) { stall(r) }
	tests := []struct {
		name      string
		fail      func(*testing.T, http.ResponseWriter, *http.Request)
		failures  int
		wantPOSTs int
		wantOK    bool
		stalls    bool
		// notReached: the create cannot have made a token.
		notReached bool
		check      func(t *testing.T, err error)
	}{
		{name: "429 is retried", fail: replyStatus(429), failures: 2, wantPOSTs: 3, wantOK: true},
		{name: "429 until retries run out", fail: replyStatus(429), failures: 100, wantPOSTs: 4, notReached: true,
			check: func(t *testing.T, err error) {
				if asAPIError(t, err).StatusCode != 429 {
					t.Errorf("err = %v, want a 429", err)
				}
			}},
		{name: "500 is not retried", fail: replyStatus(500), failures: 100, wantPOSTs: 1},
		{name: "502 is not retried", fail: replyStatus(502), failures: 100, wantPOSTs: 1},
		{name: "503 is not retried", fail: replyStatus(503), failures: 100, wantPOSTs: 1},
		{name: "504 is not retried", fail: replyStatus(504), failures: 100, wantPOSTs: 1},
		{name: "reset is not retried", fail: replyReset, failures: 100, wantPOSTs: 1,
			check: func(t *testing.T, err error) {
				if e := asAPIError(t, err); e.StatusCode != 0 || e.Err == nil {
					t.Errorf("err = %v, want a transport error", err)
				}
			}},
		{name: "reply cut off mid-read is not retried", fail: replyCutOff, failures: 100, wantPOSTs: 1,
			check: func(t *testing.T, err error) {
				if e := asAPIError(t, err); e.StatusCode != 200 || !strings.HasPrefix(err.Error(), "POST /auth/backend: HTTP 200 OK: reading reply: ") {
					t.Errorf("err = %v, want a read error of the create's 200 reply", err)
				}
			}},
		{name: "timeout is not retried", fail: slow, failures: 100, wantPOSTs: 1, stalls: true,
			check: func(t *testing.T, err error) { assertTimeout(t, err) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.setHook(failFirst(tt.failures, tt.fail)(t))
			c := f.client(t, func(cfg *Config) {
				withAuthToken(cfg)
				cfg.MaxRetries = 3
				if tt.stalls {
					// every request stalls, so no other request can time out by accident
					cfg.RequestTimeout = 20 * time.Millisecond
				}
			})
			err, reached := createReachedOf(c, testCreate)
			if tt.wantOK && err != nil {
				t.Fatalf("err = %v, want success", err)
			}
			if !tt.wantOK {
				if err == nil {
					t.Fatal("no error")
				}
				if reached == tt.notReached {
					t.Errorf("createReached(%v) = %v, want %v", err, reached, !tt.notReached)
				}
			}
			if tt.check != nil {
				tt.check(t, err)
			}
			if got := f.count(http.MethodPost, "/auth/backend"); got != tt.wantPOSTs {
				t.Errorf("%d POSTs reached the server, want %d", got, tt.wantPOSTs)
			}
		})
	}
}

// refusingDialer makes the first n connections to a closed port (connection refused) and
// the later ones to the real server.
func refusingDialer(t *testing.T, n int32, dials *atomic.Int32) *http.Transport {
	closed := closedAddr(t)
	return &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials.Add(1) <= n {
				addr = closed
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
}

func TestCreateIsRetriedWhenTheConnectionIsRefused(t *testing.T) {
	f := newFake(t)
	var dials atomic.Int32
	c := f.client(t, func(cfg *Config) { cfg.MaxRetries = 3; cfg.Transport = refusingDialer(t, 2, &dials) })
	created, err := c.CreateServerToken(context.Background(), CreateServerTokenRequest{StoreHash: testStoreHash, Email: "o@example.com", Password: testPassword, Name: "n"})
	if err != nil {
		t.Fatalf("err = %v, want success after two refused connections", err)
	}
	if created.Token != f.lastToken().Token {
		t.Errorf("token %q, want %q", created.Token, f.lastToken().Token)
	}
	if got := dials.Load(); got != 3 {
		t.Errorf("%d dials, want 3", got)
	}
	if got := f.count(http.MethodPost, "/auth/backend"); got != 1 {
		t.Errorf("%d POSTs, want 1", got)
	}
}

func TestConnectionRefusedUntilRetriesRunOutNeverReachedTheServer(t *testing.T) {
	for _, o := range []apiOp{opCreate, opList} {
		t.Run(o.name, func(t *testing.T) {
			var attempts atomic.Int32
			c, err := New(Config{
				BaseURL: "http://" + closedAddr(t) + fakeBasePath, AuthToken: testAuthToken,
				MaxRetries: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond,
				Log: func(_ context.Context, msg string, _ map[string]any) {
					if msg == "B2B API request" {
						attempts.Add(1)
					}
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if o.method == http.MethodPost {
				var reached bool
				if err, reached = createReachedOf(c, testCreate); reached {
					t.Errorf("createReached(%v) = true for a refused connection", err)
				}
			} else {
				err = o.call(c)
			}
			if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("err = %v, want connection refused", err)
			}
			if got := attempts.Load(); got != 3 {
				t.Errorf("%d attempts, want 3", got)
			}
		})
	}
}

func assertTimeout(t *testing.T, err error) {
	t.Helper()
	var timeout interface{ Timeout() bool }
	if !errors.As(err, &timeout) || !timeout.Timeout() {
		t.Errorf("err = %v (%T), want a timeout", err, err)
	}
}

func TestRequestTimeoutEndsAStalledRequest(t *testing.T) {
	f := newFake(t)
	f.setHook(func(_ *fakeB2B, _ http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
		stall(r)
		return true
	})
	c := f.client(t, func(cfg *Config) { withAuthToken(cfg); cfg.MaxRetries = 1; cfg.RequestTimeout = 10 * time.Millisecond })
	start := time.Now()
	_, err := c.ListServerTokensPage(context.Background(), 10, 0)
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("took %v", elapsed)
	}
	assertTimeout(t, err)
	apiErr := asAPIError(t, err)
	if apiErr.StatusCode != 0 || apiErr.Method != http.MethodGet || apiErr.Path != "/backend/tokens" {
		t.Errorf("err = %+v", apiErr)
	}
	// a list is resendable: the timeout was retried once
	if got := f.count(http.MethodGet, "/backend/tokens"); got != 2 {
		t.Errorf("%d requests, want 2", got)
	}
}

// A rate-limit window that the server says resets soon is waited for, not the client's
// own backoff (5 to 10 s here), also when the 429 is only in the body of an HTTP 200.
func TestRetryWaitsAsLongAsTheServerAsks(t *testing.T) {
	tests := []struct {
		name    string
		header  string
		value   string
		status  int // the HTTP status of the 429 (the body code)
		minWait time.Duration
	}{
		{"Retry-After seconds", "Retry-After", "1", http.StatusTooManyRequests, time.Second},
		{"X-Request-Window-Resets-After", "X-Request-Window-Resets-After", "0.3 s", http.StatusTooManyRequests, 300 * time.Millisecond},
		{"X-Request-Window-Resets-After of a body code 429 in an HTTP 200", "X-Request-Window-Resets-After", "0.3 s", http.StatusOK, 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.setHook(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, n int) bool {
				if n == 1 {
					w.Header().Set(tt.header, tt.value)
					writeEnvelope(w, tt.status, http.StatusTooManyRequests, map[string]any{"errMsg": "Too many requests"}, "API logic error")
					return true
				}
				return false
			})
			// The server's wait wins over the client's minimum (0.1 to 0.2 s) when longer, and
			// over the cap on the client's own exponential backoff (5 to 10 s).
			c := f.client(t, func(cfg *Config) {
				withAuthToken(cfg)
				cfg.RetryWaitMin = 200 * time.Millisecond
				cfg.RetryWaitMax = 10 * time.Second
			})
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			start := time.Now()
			_, err := c.ListServerTokensPage(ctx, 10, 0)
			elapsed := time.Since(start)
			if err != nil {
				t.Fatalf("err = %v after %v", err, elapsed)
			}
			if elapsed < tt.minWait || elapsed > 2*time.Second {
				t.Errorf("took %v, want at least %v and far less than the configured 5-10 s", elapsed, tt.minWait)
			}
			if got := f.count(http.MethodGet, "/backend/tokens"); got != 2 {
				t.Errorf("%d requests, want 2", got)
			}
		})
	}
}

// A cancelled context ends the wait before a retry at once: the client's own backoff, or
// a wait the server asked for.
func TestCancelStopsTheWaitBeforeARetry(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter string
		status     int
	}{
		{"the client's backoff", "", http.StatusServiceUnavailable},
		{"Retry-After: 20", "20", http.StatusTooManyRequests},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			arrived := make(chan struct{}, 10)
			f.setHook(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				writeStatus(w, tt.status)
				arrived <- struct{}{}
				return true
			})
			c := f.client(t, func(cfg *Config) {
				withAuthToken(cfg)
				cfg.RetryWaitMin = 10 * time.Second
				cfg.RetryWaitMax = time.Minute
			})
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				<-arrived
				time.Sleep(5 * time.Millisecond) // let the client start waiting
				cancel()
			}()
			start := time.Now()
			_, err := c.ListServerTokensPage(ctx, 10, 0)
			elapsed := time.Since(start)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			if elapsed > time.Second {
				t.Errorf("took %v, want the wait of 10 s or more cut short", elapsed)
			}
			if got := f.count(http.MethodGet, "/backend/tokens"); got != 1 {
				t.Errorf("%d requests, want 1", got)
			}
			if e := asAPIError(t, err); e.Method != http.MethodGet || e.Path != "/backend/tokens" {
				t.Errorf("err = %+v", e)
			}
		})
	}
}

// An HTTP 200 whose body code is 429 or a server error is retried as that status would
// be: a 429 always, a server error only when the request is resendable. Other body codes
// are not retried, and the error shows the body code.
func TestBodyCodeInHTTP200IsRetriedAsThatStatus(t *testing.T) {
	for _, o := range []apiOp{opList, opDelete, opCreate} {
		for _, code := range []int{429, 500, 502, 503, 504, 400, 404} {
			retried := code == 429 || (code >= 500 && o.method != http.MethodPost)
			t.Run(fmt.Sprintf("%s body code %d", o.name, code), func(t *testing.T) {
				f := newFake(t)
				f.seed(1, "x", "x@example.com")
				f.setHook(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, n int) bool {
					if n == 1 {
						writeEnvelope(w, http.StatusOK, code, map[string]any{"errMsg": "from the body"}, http.StatusText(code))
						return true
					}
					return false
				})
				err := o.call(f.client(t, withAuthToken))
				requests := f.count(o.method, o.path)
				if retried {
					if err != nil || requests != 2 {
						t.Errorf("err = %v after %d requests, want success on the second", err, requests)
					}
					return
				}
				if want := fmt.Sprintf("%s %s: HTTP 200 OK (body code %d): from the body", o.method, o.path, code); err == nil || !strings.HasPrefix(err.Error(), want) {
					t.Errorf("err = %v, want %q", err, want)
				}
				if requests != 1 {
					t.Errorf("%d requests, want 1", requests)
				}
			})
		}
	}
}

// When the retries run out on a body code, the last reply is decoded as usual.
func TestBodyCodeInHTTP200UntilRetriesRunOut(t *testing.T) {
	f := newFake(t)
	f.setHook(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
		writeEnvelope(w, http.StatusOK, 503, map[string]any{"errMsg": "busy"}, "Service Unavailable")
		return true
	})
	err := opList.call(f.client(t, withAuthToken))
	if want := "GET /backend/tokens: HTTP 200 OK (body code 503): busy (Service Unavailable)"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	if got := f.count(http.MethodGet, "/backend/tokens"); got != 3 {
		t.Errorf("%d requests, want 3 (MaxRetries 2)", got)
	}
}

func TestCheckRetryStopsOnACancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(withCallState(&callState{call: call{resendable: true}}))
	cancel()
	retry, err := checkRetry(ctx, &http.Response{StatusCode: 503}, nil)
	if retry || !errors.Is(err, context.Canceled) {
		t.Errorf("checkRetry = %v, %v; want false, context.Canceled", retry, err)
	}
}

func TestBackoffHonoursTheServerElseGrowsWithJitter(t *testing.T) {
	const (
		minW = 100 * time.Millisecond
		maxW = 2 * time.Second
	)
	resp := func(status int, headers ...string) *http.Response {
		h := http.Header{}
		for i := 0; i+1 < len(headers); i += 2 {
			h.Set(headers[i], headers[i+1])
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	exact := []struct {
		name string
		resp *http.Response
		want time.Duration
	}{
		{"Retry-After seconds", resp(429, "Retry-After", "1"), time.Second},

		{"Retry-After with spaces", resp(503, "Retry-After", " 1 "), time.Second},
		{"Retry-After on a 503", resp(503, "Retry-After", "1"), time.Second},
		{"Retry-After capped by max", resp(429, "Retry-After", "120"), maxW},
		{"window reset on a 429", resp(429, "X-Request-Window-Resets-After", "0.2 s"), 200 * time.Millisecond},
		{"window reset without a space", resp(429, "X-Request-Window-Resets-After", "0.397s"), 397 * time.Millisecond},
		{"window reset bare number", resp(429, "X-Request-Window-Resets-After", "1.5"), 1500 * time.Millisecond},
		{"window reset capped by max", resp(429, "X-Request-Window-Resets-After", "59.9 s"), maxW},
		{"Retry-After wins over the window", resp(429, "Retry-After", "1", "X-Request-Window-Resets-After", "0.01 s"), time.Second},
	}
	for _, tt := range exact {
		t.Run(tt.name, func(t *testing.T) {
			if got := backoff(minW, maxW, 0, tt.resp); got != tt.want {
				t.Errorf("backoff = %v, want %v", got, tt.want)
			}
		})
	}

	// The server asks for less than the client's minimum (no wait, a past date, a window
	// about to reset): the jittered minimum, in [min/2, min], never at once.
	for _, r := range []*http.Response{
		resp(429, "Retry-After", "0"),
		resp(429, "Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"),
		resp(429, "X-Request-Window-Resets-After", "0.01 s"),
	} {
		for range 20 {
			if got := backoff(minW, maxW, 0, r); got < minW/2 || got > minW {
				t.Errorf("backoff(%v) = %v, want within [%v, %v]", r.Header, got, minW/2, minW)
			}
		}
	}

	// Without a usable header: exponential with jitter, in [ceiling/2, ceiling].
	jitter := []struct {
		name    string
		resp    *http.Response
		attempt int
		ceiling time.Duration
	}{
		{"no reply, attempt 0", nil, 0, minW},
		{"no reply, attempt 1", nil, 1, 2 * minW},
		{"no reply, attempt 3", nil, 3, 8 * minW},
		{"capped", nil, 10, maxW},
		{"huge attempt", nil, 5000, maxW},
		{"window header ignored on a 503", resp(503, "X-Request-Window-Resets-After", "0.01 s"), 2, 4 * minW},
		{"bad Retry-After", resp(429, "Retry-After", "soon"), 0, minW},
		{"negative Retry-After", resp(429, "Retry-After", "-5"), 0, minW},
		{"bad window header", resp(429, "X-Request-Window-Resets-After", "later"), 1, 2 * minW},
		{"negative window header", resp(429, "X-Request-Window-Resets-After", "-1 s"), 1, 2 * minW},
		{"NaN window header", resp(429, "X-Request-Window-Resets-After", "NaN s"), 1, 2 * minW},
	}
	for _, tt := range jitter {
		t.Run(tt.name, func(t *testing.T) {
			for range 50 {
				got := backoff(minW, maxW, tt.attempt, tt.resp)
				if got < tt.ceiling/2 || got > tt.ceiling {
					t.Fatalf("backoff = %v, want within [%v, %v]", got, tt.ceiling/2, tt.ceiling)
				}
			}
		})
	}
}

func TestParseWindowResetReadsBigCommercesSeconds(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0.397 s", 397 * time.Millisecond, true},
		{"0.01 s", 10 * time.Millisecond, true},
		{" 2 s ", 2 * time.Second, true},
		{"0", 0, true},
		{"", 0, false},
		{"s", 0, false},
		{"1.5 ms", 0, false},
		{"-0.5 s", 0, false},
		{"Inf s", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseWindowReset(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseWindowReset(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// What a failed create proves: nothing was made when it was never written, or the API
// refused it in its own envelope, or anyone refused it with 429; anything else may have made
// a token.
func TestCreateReachedByKindOfFailure(t *testing.T) {
	written, unwritten := sent{Wrote: true}, sent{}
	tests := []struct {
		name string
		err  error
		s    sent
		want bool
	}{
		{"success", nil, written, true},
		{"never written: refused connection", &Error{Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}, unwritten, false},
		{"never written: TLS handshake", &Error{Err: errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority")}, unwritten, false},
		{"never written: unknown host", &Error{Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}, unwritten, false},
		{"never written: 500 cannot be", &Error{StatusCode: 500, Envelope: true}, unwritten, false},
		{"HTTP 500", &Error{StatusCode: 500, Envelope: true}, written, true},
		{"HTTP 502 page", &Error{StatusCode: 502}, written, true},
		{"body code 500 in HTTP 200", &Error{StatusCode: 200, BodyCode: 500, Envelope: true}, written, true},
		{"HTTP 429", &Error{StatusCode: 429}, written, false},
		{"body code 429 in HTTP 200", &Error{StatusCode: 200, BodyCode: 429, Envelope: true}, written, false},
		{"envelope 400", &Error{StatusCode: 400, Message: "role forbidden", Envelope: true}, written, false},
		{"envelope 401", &Error{StatusCode: 401, Envelope: true}, written, false},
		{"HTML 401 page of a gateway", &Error{StatusCode: 401}, written, true},
		{"HTML 403 page of a WAF", &Error{StatusCode: 403}, written, true},
		{"detail 404 of a wrong route", &Error{StatusCode: 404}, written, true},
		{"200 that did not decode", &Error{StatusCode: 200, Err: errNotJSON}, written, true},
		{"reply cut short", &Error{StatusCode: 200, Err: io.ErrUnexpectedEOF}, written, true},
		{"reset after writing", &Error{Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}, written, true},
		{"read timeout", &Error{Err: &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}}, written, true},
		{"redirect", &Error{StatusCode: 307, Err: &redirectError{status: 307, host: "http://elsewhere"}}, written, true},
		{"not an *Error", errors.New("x"), written, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := createReached(tt.err, tt.s); got != tt.want {
				t.Errorf("createReached(%v, %+v) = %v, want %v", tt.err, tt.s, got, tt.want)
			}
		})
	}
}

// createReached of the errors that real failures of a create become, through the real
// transport.
func TestCreateReachedOfRealFailures(t *testing.T) {
	tests := []struct {
		name   string
		hook   fakeHook
		stalls bool // the only request stalls: a short request timeout
		want   bool
	}{
		{"500", func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
			writeStatus(w, 500)
			return true
		}, false, true},
		{"reset", func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
			resetConnection(t, w)
			return true
		}, false, true},
		{"timeout", func(_ *fakeB2B, _ http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
			stall(r)
			return true
		}, true, true},
		{"200 HTML", func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html>ok</html>")
			return true
		}, false, true},
		{"403 HTML page", func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(403)
			_, _ = io.WriteString(w, "<html>blocked</html>")
			return true
		}, false, true},
		{"200 without a token", func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
			writeEnvelope(w, 200, 200, []map[string]string{{"name": "n"}}, "SUCCESS")
			return true
		}, false, true},
		{"429", func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
			writeStatus(w, 429)
			return true
		}, false, false},
		{"400", nil, false, false}, // the fake refuses the password "wrong"
		{"403 envelope", func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
			writeStatus(w, 403)
			return true
		}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.setHook(tt.hook)
			c := f.client(t, func(cfg *Config) {
				cfg.MaxRetries = 1
				if tt.stalls {
					cfg.RequestTimeout = 20 * time.Millisecond
				}
			})
			req := testCreate
			req.Password = "wrong"
			err, reached := createReachedOf(c, req)
			if err == nil {
				t.Fatal("no error")
			}
			if reached != tt.want {
				t.Errorf("createReached(%v) = %v, want %v", err, reached, tt.want)
			}
		})
	}
}

// A TLS handshake that fails (an untrusted certificate) never sends the request: the create
// is known not to have made anything.
func TestCreateOverAFailedTLSHandshakeNeverReachedTheServer(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		t.Error("the request reached the server")
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL + fakeBasePath, MaxRetries: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	err, reached := createReachedOf(c, testCreate)
	if err == nil || reached {
		t.Fatalf("createReached(%v) = %v, want an error that never reached the server", err, reached)
	}
	if !strings.Contains(err.Error(), "certificate") {
		t.Errorf("err = %v, want the certificate problem named", err)
	}
}

func TestCheckRetryByStatusErrorAndResendability(t *testing.T) {
	ctxFor := func(resendable bool) context.Context {
		return withCallState(&callState{call: call{resendable: resendable}})
	}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name   string
		ctx    context.Context
		status int
		err    error
		want   bool
	}{
		{"resendable 429", ctxFor(true), 429, nil, true},
		{"resendable 500", ctxFor(true), 500, nil, true},
		{"resendable 504", ctxFor(true), 504, nil, true},
		{"resendable 501", ctxFor(true), 501, nil, false},
		{"resendable 400", ctxFor(true), 400, nil, false},
		{"resendable 200", ctxFor(true), 200, nil, false},
		{"resendable reset", ctxFor(true), 0, reset, true},
		{"resendable refused", ctxFor(true), 0, refused, true},
		{"create 429", ctxFor(false), 429, nil, true},
		{"create 500", ctxFor(false), 500, nil, false},
		{"create 503", ctxFor(false), 503, nil, false},
		{"create reset", ctxFor(false), 0, reset, false},
		{"create EOF", ctxFor(false), 0, io.EOF, false},
		{"create refused, as a transport without a trace tells", withCallState(&callState{unsent: true}), 0, refused, true},
		{"no call info is not resendable", context.Background(), 502, nil, false},
		{"create never sent (no connection)", withCallState(&callState{unsent: true}), 0, refused, true},
		{"create not sent (not ready)", withCallState(&callState{notSent: true}), 0, fmt.Errorf("%w: stale", errNotSent), false},
		{"create stopped by its caller", withCallState(&callState{call: call{stop: cancelledContext()}}), 429, nil, false},
		{"redirect", ctxFor(true), 0, &redirectError{status: 302}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp *http.Response
			if tt.status != 0 {
				resp = &http.Response{StatusCode: tt.status, Header: http.Header{}}
			}
			got, err := checkRetry(tt.ctx, resp, tt.err)
			if got != tt.want || err != nil {
				t.Errorf("checkRetry = %v, %v; want %v, nil", got, err, tt.want)
			}
		})
	}
}

func TestCancelDuringARequestEndsItWithoutRetry(t *testing.T) {
	f := newFake(t)
	arrived := make(chan struct{}, 1)
	f.setHook(func(_ *fakeB2B, _ http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
		arrived <- struct{}{}
		stall(r)
		return true
	})
	c := f.client(t, withAuthToken)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	start := time.Now()
	_, err := c.DeleteServerToken(ctx, 7)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if got, want := err.Error(), "DELETE /auth/backend: context canceled"; got != want {
		t.Errorf("err = %q, want %q", got, want)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("took %v", elapsed)
	}
	if got := f.count(http.MethodDelete, "/auth/backend"); got != 1 {
		t.Errorf("%d requests, want 1: a cancelled request is not retried", got)
	}
}

func cancelledContext() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
