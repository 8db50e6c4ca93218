package b2b

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A 429 with "Retry-After: 0" is no reason to hammer the server: the retry waits at least
// the jittered minimum (half of RetryWaitMin), for a list and for a create alike (a 429
// comes before any work, so a create is retried after it).
func TestRetryAfterZeroIsNeverRetriedAtOnce(t *testing.T) {
	const minWait = 120 * time.Millisecond
	for _, op := range []apiOp{opList, opCreate} {
		t.Run(op.name, func(t *testing.T) {
			f := newFake(t)
			var mu sync.Mutex
			var arrivals []time.Time
			f.setHook(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, n int) bool {
				mu.Lock()
				arrivals = append(arrivals, time.Now())
				mu.Unlock()
				if n == 1 {
					w.Header().Set("Retry-After", "0")
					writeStatus(w, http.StatusTooManyRequests)
					return true
				}
				return false
			})
			c := f.client(t, func(cfg *Config) {
				withAuthToken(cfg)
				cfg.RetryWaitMin, cfg.RetryWaitMax = minWait, 10*minWait
			})
			if err := op.call(c); err != nil {
				t.Fatalf("%s: %v", op.name, err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(arrivals) != 2 {
				t.Fatalf("%d requests, want the 429 and one retry", len(arrivals))
			}
			if gap := arrivals[1].Sub(arrivals[0]); gap < minWait/2 {
				t.Errorf("retried %v after a 429 with Retry-After: 0, want at least %v", gap, minWait/2)
			}
		})
	}
}

// The listing a create is told by must be fresh when the create is sent: when the wait for
// the store's rate-limit window outlasts it (on the client's clock), the create is not sent
// but listed for again, and sent once.
func TestProvisionRelistsWhenTheRateLimitWaitOutlastsTheListingBefore(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	f.setHook(budgetOnFirstList(5, "0.1 s"))
	clock := newTestClock()
	var waits atomic.Int32
	c := f.client(t, withAuthToken, func(cfg *Config) {
		cfg.StoreHash = testStoreHash
		cfg.Clock = clock
		cfg.ListLag = 40 * time.Millisecond // the polls of a create not located end soon
		cfg.RateLimitReserve = 10
		cfg.LogWait = func(context.Context, string, map[string]any) {
			if waits.Add(1) == 1 {
				clock.Advance(reconcileFreshness + time.Second) // the wait outlasts the listing
			}
		}
	})
	out := c.ProvisionServerToken(context.Background(), provisionReq)
	if !out.Located() {
		t.Fatalf("Provision = %+v, want located", out)
	}
	if n := f.countCreatesNamed(provisionReq.Name); n != 1 {
		t.Errorf("%d creates, want 1: %s", n, sequence(f))
	}
	if waits.Load() == 0 {
		t.Fatal("the create never waited for the window: the test proves nothing")
	}
	// A listing before the create, and a fresh one after the wait, both before the create.
	listsBeforeCreate := 0
	for _, r := range f.requests() {
		if r.Method == http.MethodPost {
			break
		}
		if r.Method == http.MethodGet {
			listsBeforeCreate++
		}
	}
	if listsBeforeCreate < 2 {
		t.Errorf("%d listings before the create, want a new one after the wait: %s", listsBeforeCreate, sequence(f))
	}
}
