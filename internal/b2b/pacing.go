package b2b

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// pacers keeps one pacer per store: BigCommerce's rate limit is per store, shared by every
// integration of that store.
type pacers struct {
	reserve int
	logWait func(context.Context, string, map[string]any)
	waits   *waitRecord

	mu     sync.Mutex
	stores map[string]*pacer
}

// newPacers paces by the system clock: rate-limit windows are real time, whatever clock
// the client judges other windows by.
func newPacers(reserve int, logWait func(context.Context, string, map[string]any), waits *waitRecord) *pacers {
	if waits == nil {
		waits = &waitRecord{}
	}
	return &pacers{reserve: reserve, logWait: logWait, waits: waits, stores: map[string]*pacer{}}
}

// forStore is the pacer of store, made on first use.
func (p *pacers) forStore(store string) *pacer {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pc, ok := p.stores[store]; ok {
		return pc
	}
	pc := &pacer{reserve: p.reserve, logWait: p.logWait, waits: p.waits, now: time.Now}
	p.stores[store] = pc
	return pc
}

// pacer keeps a store's requests from spending its rate-limit window below the reserve:
// while the budget the replies report, less the requests in flight, is at or below it, a
// request waits for the window to reset.
type pacer struct {
	reserve int
	logWait func(context.Context, string, map[string]any)
	waits   *waitRecord
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
		p.waits.waited(wait)
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
	// A window resets within its length: a reply saying an hour is wrong, or of another
	// window than the documented one, and the next reply tells the budget again.
	resets = p.waits.capWait(resets, RateLimitWindow)
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

// errNotSent marks a request that was never sent: its caller stopped while it waited for the
// store's rate-limit window. It cannot have reached the server.
var errNotSent = errors.New("not sent while it waited for the store's rate-limit window to reset")

// pacedTransport paces every HTTP attempt, retries included, by the store it is for, then
// bounds the attempt by the request timeout: the wait for a rate-limit window is not part of
// it, so a create is never sent with almost no time left for its reply. It also records
// whether the request was written to a connection: one that was not cannot have reached
// the server.
type pacedTransport struct {
	next         http.RoundTripper
	pacers       *pacers
	defaultStore string
	timeout      time.Duration
	clock        Clock
}

func (t *pacedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	state := callStateOf(req.Context())
	state.unsent = false
	state.connected.Store(false)
	state.connectFailed.Store(false)
	store := state.store
	if store == "" {
		store = t.defaultStore
	}
	p := t.pacers.forStore(store)
	if err := t.acquire(req.Context(), state, p); err != nil {
		state.notSent = true
		return nil, err
	}
	state.notSent = false
	state.sentAt = t.clock.Now()
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	ctx = httptrace.WithClientTrace(ctx, connectionTrace(state))
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		p.release(nil)
		state.unsent = !state.connected.Load() && (state.connectFailed.Load() || neverConnected(err))
		return nil, err
	}
	p.release(resp.Header)
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// acquire waits for the store's pacer. A create waits on a context that Ctrl-C does not
// cancel: its caller's stop ends the wait too, and it is then not sent.
func (t *pacedTransport) acquire(ctx context.Context, state *callState, p *pacer) error {
	if state.stop != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		defer context.AfterFunc(state.stop, cancel)()
	}
	if err := p.acquire(ctx); err != nil {
		return fmt.Errorf("%w: %w", errNotSent, err)
	}
	if state.stop != nil && state.stop.Err() != nil {
		p.release(nil)
		return fmt.Errorf("%w: %w", errNotSent, state.stop.Err())
	}
	if state.ready != nil {
		if err := state.ready(); err != nil {
			p.release(nil)
			return fmt.Errorf("%w: %w", errNotSent, err)
		}
	}
	return nil
}

// connectionTrace records whether an attempt got a connection, and whether making one
// failed: an attempt that failed to connect and never got a connection was never sent.
func connectionTrace(state *callState) *httptrace.ClientTrace {
	failed := func(err error) {
		if err != nil {
			state.connectFailed.Store(true)
		}
	}
	return &httptrace.ClientTrace{
		GotConn:          func(httptrace.GotConnInfo) { state.connected.Store(true) },
		DNSDone:          func(info httptrace.DNSDoneInfo) { failed(info.Err) },
		ConnectDone:      func(_, _ string, err error) { failed(err) },
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) { failed(err) },
	}
}

// neverConnected reports whether a transport error is one that comes before any connection:
// for transports that do not report to a trace.
func neverConnected(err error) bool {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dnsErr) || errors.As(err, &opErr) && opErr.Op == "dial" ||
		errors.As(err, &certErr) || errors.As(err, &unknownAuthority) || errors.As(err, &hostname) || errors.As(err, &invalid)
}

// cancelOnClose ends an attempt's deadline once its reply has been read.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
