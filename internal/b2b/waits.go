package b2b

import (
	"net/http"
	"sync"
	"time"
)

// RateLimitWindow is the documented length of a store's rate-limit window ("150 times/60 s"):
// the provider never waits longer than this for a window to reset, whatever a reply says.
const RateLimitWindow = 60 * time.Second

// waitRecord keeps the longest waits of a client for rate limits, so that a run can tell its
// user why it was slow, and when a server asked for more than the client would wait.
type waitRecord struct {
	mu      sync.Mutex
	longest time.Duration
	asked   time.Duration // the longest wait asked for beyond the cap; 0 if none
	capped  time.Duration // what the client waited instead
}

// Waits reports the longest wait this client made for a store's rate-limit window or a
// retry, and, when a reply asked for a longer wait than the client waits at most, the longest
// such ask and the wait made instead (zero otherwise).
type Waits struct {
	Longest, Asked, Waited time.Duration
}

// Waits is what this client waited so far; see [Waits].
func (c *Client) Waits() Waits {
	c.waits.mu.Lock()
	defer c.waits.mu.Unlock()
	return Waits{Longest: c.waits.longest, Asked: c.waits.asked, Waited: c.waits.capped}
}

func (w *waitRecord) waited(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.longest = max(w.longest, d)
}

// capWait returns asked, or limit when asked is longer, recording the ask that was cut.
func (w *waitRecord) capWait(asked, limit time.Duration) time.Duration {
	if asked <= limit {
		return asked
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if asked > w.asked {
		w.asked, w.capped = asked, limit
	}
	return limit
}

// backoff is the retry policy's wait (see the function backoff), recorded.
func (w *waitRecord) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if asked, ok := serverRequestedWait(resp); ok {
			w.capWait(asked, maxWait)
		}
	}
	d := backoff(minWait, maxWait, attempt, resp)
	w.waited(d)
	return d
}
