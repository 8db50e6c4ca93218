package b2b

import (
	"net/http"
	"testing"
	"time"
)

// A reply saying the window resets in an hour holds the store's requests for the documented
// window at most, and the client reports the ask and the wait it made instead.
func TestPacerWaitsNoLongerThanTheDocumentedWindow(t *testing.T) {
	p, _ := newTestPacer(10)
	p.tryAcquire()
	p.release(budget("3 times", "3600 s"))
	wait := p.tryAcquire()
	if wait <= 0 || wait > RateLimitWindow+time.Second {
		t.Fatalf("waits %v for a window said to reset in an hour; want at most %v", wait, RateLimitWindow)
	}
	if w := p.waits; w.asked != time.Hour || w.capped != RateLimitWindow {
		t.Errorf("recorded ask %v, wait %v; want 1h0m0s, %v", w.asked, w.capped, RateLimitWindow)
	}
}

// A window that resets within its length is waited for as the reply says, and nothing is
// recorded as cut.
func TestPacerWaitsAWindowWithinItsLengthInFull(t *testing.T) {
	p, _ := newTestPacer(10)
	p.tryAcquire()
	p.release(budget("3 times", "42.5 s"))
	if wait := p.tryAcquire(); wait < 42*time.Second || wait > 43*time.Second {
		t.Fatalf("waits %v, want the 42.5 s the reply said", wait)
	}
	if p.waits.asked != 0 {
		t.Errorf("recorded a cut ask of %v", p.waits.asked)
	}
}

// A 429 asking for an hour (Retry-After or the window header) is retried after the retry
// maximum, and the ask is recorded with what was waited instead.
func TestBackoffCapsAnHourAtTheRetryMaximum(t *testing.T) {
	for name, h := range map[string]http.Header{
		"Retry-After":                   {"Retry-After": {"3600"}},
		"X-Request-Window-Resets-After": {"X-Request-Window-Resets-After": {"3600.0 s"}},
	} {
		t.Run(name, func(t *testing.T) {
			var w waitRecord
			resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: h}
			if d := w.backoff(time.Second, 30*time.Second, 1, resp); d != 30*time.Second {
				t.Errorf("backoff %v, want the retry maximum 30s", d)
			}
			if w.asked != time.Hour || w.capped != 30*time.Second || w.longest != 30*time.Second {
				t.Errorf("recorded ask %v, wait %v, longest %v", w.asked, w.capped, w.longest)
			}
		})
	}
}
