package b2b

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseTimesReadsBigCommercesCounts(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"150 times/60 s", 150, true},
		{"12 times", 12, true},
		{" 0 times ", 0, true},
		{"12times", 12, true},
		{"7", 7, true},
		{"12.0 times", 12, true},
		{"", 0, false},
		{"times", 0, false},
		{"many times", 0, false},
		{"-3 times", 0, false},
		{"NaN times", 0, false},
		{"Inf times", 0, false},
		{"1e99 times", 0, false},
		{"/60 s", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseTimes(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseTimes(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// budget is a reply's rate-limit headers.
func budget(remaining, resetsAfter string) http.Header {
	return http.Header{"X-Requests-Remaining": {remaining}, "X-Request-Window-Resets-After": {resetsAfter}}
}

// fakeClock is a pacer's clock that moves only when told.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

func newTestPacer(reserve int) (*pacer, *fakeClock) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	return &pacer{reserve: reserve, waits: &waitRecord{}, now: clock.Now}, clock
}

func TestPacerWaitsAtTheReserveUntilTheWindowResets(t *testing.T) {
	p, clock := newTestPacer(10)
	// Nothing known yet: requests go.
	for range 3 {
		if wait := p.tryAcquire(); wait != 0 {
			t.Fatalf("waited %v with no budget known", wait)
		}
	}
	p.release(budget("13 times", "0.5 s")) // two still in flight
	if wait := p.tryAcquire(); wait != 0 {
		t.Fatalf("waited %v with 13 left, 2 in flight, reserve 10", wait)
	}
	// 13 left, 3 in flight: 10, the reserve: wait for the reset, a little past it.
	wait := p.tryAcquire()
	if wait < 500*time.Millisecond || wait > time.Second {
		t.Errorf("wait %v, want the 0.5 s to the reset (and a little)", wait)
	}
	// The replies of those in flight take nothing more: still at the reserve.
	p.release(budget("12 times", "0.49 s"))
	p.release(budget("11 times", "0.48 s"))
	p.release(budget("10 times", "0.47 s"))
	if wait := p.tryAcquire(); wait <= 0 {
		t.Error("no wait at the reserve")
	}
	// Once the window has reset, the budget is unknown again: requests go.
	clock.now = clock.now.Add(500 * time.Millisecond)
	if wait := p.tryAcquire(); wait != 0 {
		t.Errorf("waited %v after the reset", wait)
	}
}

func TestPacerIgnoresRepliesWithoutTheHeaders(t *testing.T) {
	p, _ := newTestPacer(10)
	for _, h := range []http.Header{nil, {}, budget("3 times", ""), budget("", "10 s"), budget("garbage", "10 s"), budget("3 times", "soon")} {
		if wait := p.tryAcquire(); wait != 0 {
			t.Fatalf("waited %v", wait)
		}
		p.release(h)
	}
	if p.known || p.inFlight != 0 {
		t.Errorf("known %v, in flight %d: a reply without both headers changed the pacer", p.known, p.inFlight)
	}
}

func TestPacingIsOffWithReserveZero(t *testing.T) {
	p, _ := newTestPacer(0)
	p.tryAcquire()
	p.release(budget("0 times", "30 s"))
	for range 5 {
		if wait := p.tryAcquire(); wait != 0 {
			t.Fatalf("waited %v with pacing off", wait)
		}
	}
}

// Each store has its own budget: BigCommerce's limit is per store.
func TestPacersArePerStore(t *testing.T) {
	ps := newPacers(10, nil, nil)
	a, b := ps.forStore("a"), ps.forStore("b")
	if a == b || ps.forStore("a") != a {
		t.Fatal("pacers are not one per store")
	}
	a.tryAcquire()
	a.release(budget("5 times", "30 s"))
	if a.tryAcquire() <= 0 {
		t.Error("store a does not wait below its reserve")
	}
	if wait := b.tryAcquire(); wait != 0 {
		t.Errorf("store b waited %v for store a's budget", wait)
	}
}

// windowLimiter is BigCommerce's rate limit as a test sees it: limit requests per fixed
// window, of which another integration spends others at the start of each window; every
// reply says what is left and when the window resets; over the limit, 429.
type windowLimiter struct {
	limit, others int
	window        time.Duration

	mu           sync.Mutex
	start        time.Time
	used         int
	minRemaining int
	refused      int
	served       int
}

func (l *windowLimiter) hook(f *fakeB2B, w http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
	l.mu.Lock()
	now := time.Now()
	if now.Sub(l.start) >= l.window {
		l.start, l.used = now, l.others
	}
	resets := l.start.Add(l.window).Sub(now)
	ok := l.used < l.limit
	if ok {
		l.used++
		l.served++
		l.minRemaining = min(l.minRemaining, l.limit-l.used)
	} else {
		l.refused++
	}
	remaining := l.limit - l.used
	l.mu.Unlock()
	w.Header().Set("X-Requests-Allocated", fmt.Sprintf("%d times/%.3f s", l.limit, l.window.Seconds()))
	w.Header().Set("X-Requests-Remaining", fmt.Sprintf("%d times", remaining))
	w.Header().Set("X-Request-Window-Resets-After", fmt.Sprintf("%.3f s", resets.Seconds()))
	w.Header().Set("X-Requests-Window-Length", fmt.Sprintf("%.3f s", l.window.Seconds()))
	if !ok {
		writeStatus(w, http.StatusTooManyRequests)
		return true
	}
	return false
}

// Many concurrent calls against a store whose budget another integration also spends: the
// client keeps to its reserve, so the server never has to refuse, and the budget never
// goes below the reserve by more than the requests in flight.
func TestPacingKeepsTheReserveUnderALimiter(t *testing.T) {
	const (
		limit, others, reserve = 30, 10, 10
		workers, calls         = 8, 40
	)
	f := newFake(t)
	f.seed(3, "x", "o@example.com")
	lim := &windowLimiter{limit: limit, others: others, window: 300 * time.Millisecond, minRemaining: limit}
	f.setHook(lim.hook)
	var waits atomic.Int32
	c := f.client(t, func(cfg *Config) {
		withAuthToken(cfg)
		cfg.RateLimitReserve = reserve
		cfg.MaxRetries = 10
		cfg.LogWait = func(_ context.Context, msg string, fields map[string]any) {
			if fields["wait"] == nil || fields["reserve"] != reserve {
				t.Errorf("LogWait(%q, %v): want the wait and the reserve", msg, fields)
			}
			waits.Add(1)
		}
	})
	var next atomic.Int32
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= calls {
				if _, err := c.ListServerTokensPage(context.Background(), 10, 0); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	lim.mu.Lock()
	defer lim.mu.Unlock()
	t.Logf("%d requests served, %d refused, %d waits logged, lowest budget %d", lim.served, lim.refused, waits.Load(), lim.minRemaining)
	if lim.refused != 0 {
		t.Errorf("the server refused %d requests (429): the client spent the store's budget", lim.refused)
	}
	if lim.minRemaining < reserve-workers {
		t.Errorf("the budget went down to %d, below the reserve %d less the %d in flight", lim.minRemaining, reserve, workers)
	}
	if waits.Load() == 0 {
		t.Error("no wait logged: the calls fit in one window, the test proves nothing")
	}
}

// budgetOnFirstList makes the first list reply report remaining requests in a window that
// resets after resets ("0.5 s").
func budgetOnFirstList(remaining int, resets string) fakeHook {
	var reported atomic.Bool
	return func(_ *fakeB2B, w http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
		if r.Method == http.MethodGet && !reported.Swap(true) {
			w.Header().Set("X-Requests-Remaining", fmt.Sprintf("%d times", remaining))
			w.Header().Set("X-Request-Window-Resets-After", resets)
		}
		return false
	}
}

// A wait for the window to reset may outlast the request timeout. The request was never
// sent, so it is sent once the window resets: a create is not taken for one that may have
// reached BigCommerce.
func TestPacingWaitLongerThanTheRequestTimeoutStillSendsTheRequestOnce(t *testing.T) {
	for _, op := range []string{"create", "provision", "list"} {
		t.Run(op, func(t *testing.T) {
			f := newFake(t)
			f.setHook(budgetOnFirstList(5, "0.5 s"))
			// no credential: a provision creates first (no listing before)
			c := f.client(t, func(cfg *Config) {
				cfg.StoreHash = testStoreHash
				cfg.RateLimitReserve = 10
				cfg.RequestTimeout = 100 * time.Millisecond
				cfg.MaxRetries = 20
				cfg.RetryWaitMin, cfg.RetryWaitMax = 10*time.Millisecond, 10*time.Millisecond
			})
			lister := listerOf(c) // shares the pacing
			if _, err := lister.ListServerTokensPage(context.Background(), 10, 0); err != nil {
				t.Fatal(err)
			}
			var err error
			switch op {
			case "create":
				_, err = c.CreateServerToken(context.Background(), provisionReq)
			case "provision":
				err = c.Store(testStoreHash).Provision(context.Background(), provisionReq).Err
			case "list":
				_, err = lister.ListServerTokensPage(context.Background(), 10, 0)
			}
			if err != nil {
				t.Fatalf("err = %v, want the call sent once the window reset", err)
			}
			if n := f.countCreatesNamed(provisionReq.Name); op != "list" && n != 1 {
				t.Errorf("%d creates, want 1: %s", n, sequence(f))
			}
		})
	}
}

// Ctrl-C while a create waits for the window: it is not sent at all, however soon the
// window resets, and the error says it never reached BigCommerce.
func TestPacingCreateIsNotSentAfterCancelWhileItWaits(t *testing.T) {
	f := newFake(t)
	f.setHook(budgetOnFirstList(5, "0.2 s"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := f.client(t, func(cfg *Config) {
		cfg.StoreHash = testStoreHash
		cfg.RateLimitReserve = 10
		cfg.RequestTimeout = time.Minute
		cfg.LogWait = func(context.Context, string, map[string]any) { cancel() }
	})
	if _, err := listerOf(c).ListServerTokensPage(context.Background(), 10, 0); err != nil {
		t.Fatal(err)
	}
	_, err := c.CreateServerToken(ctx, provisionReq)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if !errors.Is(err, errNotSent) {
		t.Errorf("err = %v, want errNotSent: a create never sent", err)
	}
	if n := f.count(http.MethodPost, "/auth/backend"); n != 0 {
		t.Errorf("%d POSTs after the caller stopped, want none", n)
	}
}

// listerOf is a client like c with the configured auth_token, sharing c's connections and
// pacing: another caller of the same store.
func listerOf(c *Client) *Client {
	cfg := c.cfg
	cfg.AuthToken = testAuthToken
	return &Client{cfg: cfg, base: c.base, retrier: c.retrier, pacers: c.pacers, stores: map[string]*Store{}}
}
