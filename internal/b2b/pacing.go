package b2b

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// pacers keeps one pacer per store: BigCommerce's rate limit is per store, shared by every
// integration of that store.
type pacers struct {
	reserve int
	logWait func(context.Context, string, map[string]any)

	mu     sync.Mutex
	stores map[string]*pacer
}

func newPacers(reserve int, logWait func(context.Context, string, map[string]any)) *pacers {
	return &pacers{reserve: reserve, logWait: logWait, stores: map[string]*pacer{}}
}

// forStore is the pacer of store, made on first use.
func (p *pacers) forStore(store string) *pacer {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pc, ok := p.stores[store]; ok {
		return pc
	}
	pc := &pacer{reserve: p.reserve, logWait: p.logWait, now: time.Now}
	p.stores[store] = pc
	return pc
}

// pacer keeps a store's requests from spending its rate-limit window below the reserve:
// while the budget the replies report, less the requests in flight, is at or below it, a
// request waits for the window to reset.
type pacer struct {
	reserve int
	logWait func(context.Context, string, map[string]any)
	now     func() time.Time

	mu        sync.Mutex
	known     bool
	remaining int
	resetAt   time.Time
	inFlight  int
}

// acquire waits until the request may be sent and counts it in flight.
func (p *pacer) acquire(ctx context.Context) error {
	for {
		wait := p.tryAcquire()
		if wait <= 0 {
			return nil
		}
		if p.logWait != nil {
			p.logWait(ctx, "waiting for the store's rate-limit window to reset", map[string]any{
				"wait": wait.Round(time.Millisecond).String(), "reserve": p.reserve,
			})
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// tryAcquire counts the request in and returns 0, or returns how long to wait.
func (p *pacer) tryAcquire() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.known && !now.Before(p.resetAt) {
		p.known = false // a new window: its budget is not known until a reply tells
	}
	if p.reserve <= 0 || !p.known || p.remaining-p.inFlight > p.reserve {
		p.inFlight++
		return 0
	}
	// A little past the reset, so that the request lands in the new window.
	return p.resetAt.Sub(now) + 20*time.Millisecond
}

// release takes a request out of flight and learns from its reply's headers, if any.
func (p *pacer) release(h http.Header) {
	remaining, okRemaining := parseTimes(h.Get("X-Requests-Remaining"))
	resets, okReset := parseWindowReset(h.Get("X-Request-Window-Resets-After"))
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inFlight--
	if !okRemaining || !okReset {
		return
	}
	resetAt := p.now().Add(resets)
	// Replies of one window report resets within moments of each other; a later reset
	// by more than a second is a new window, whose count replaces the old one.
	if !p.known || resetAt.After(p.resetAt.Add(time.Second)) {
		p.known, p.remaining, p.resetAt = true, remaining, resetAt
		return
	}
	p.remaining = min(p.remaining, remaining)
}

// parseTimes reads BigCommerce's "12 times" (and the "150 times/60 s" of
// X-Requests-Allocated, whose count comes first).
func parseTimes(v string) (int, bool) {
	field, _, _ := strings.Cut(strings.TrimSpace(v), "/")
	field = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(field), "times"))
	n, err := strconv.ParseFloat(field, 64)
	if err != nil || n < 0 || math.IsNaN(n) || math.IsInf(n, 0) || n > math.MaxInt32 {
		return 0, false
	}
	return int(n), true
}

// errNotSent marks a request that was never sent: it waited for the store's rate-limit
// window until its time ran out, or its caller stopped. It cannot have reached the server.
var errNotSent = errors.New("not sent while it waited for the store's rate-limit window to reset")

// pacedTransport paces every HTTP attempt, retries included, by the store it is for.
type pacedTransport struct {
	next         http.RoundTripper
	pacers       *pacers
	defaultStore string
}

func (t *pacedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	state := callStateOf(req.Context())
	store := state.store
	if store == "" {
		store = t.defaultStore
	}
	p := t.pacers.forStore(store)
	// The wait counts against the request timeout. A create waits on a context that Ctrl-C
	// does not cancel: its caller's stop ends the wait too, and it is then not sent.
	waitCtx := req.Context()
	if state.stop != nil {
		var cancel context.CancelFunc
		waitCtx, cancel = context.WithCancel(waitCtx)
		defer cancel()
		defer context.AfterFunc(state.stop, cancel)()
	}
	err := p.acquire(waitCtx)
	if err == nil && state.stop != nil && state.stop.Err() != nil {
		p.release(nil)
		err = state.stop.Err()
	}
	state.notSent = err != nil
	if err != nil {
		return nil, err
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		p.release(nil)
		return nil, err
	}
	p.release(resp.Header)
	return resp, nil
}
