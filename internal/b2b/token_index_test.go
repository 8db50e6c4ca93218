package b2b

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingLister stands in for a listing: each call waits until released, so tests
// control which callers overlap.
type countingLister struct {
	calls   atomic.Int32
	release chan struct{}
	err     error
}

func (l *countingLister) list(ctx context.Context) (TokenList, error) {
	n := l.calls.Add(1)
	if l.release != nil {
		<-l.release
	}
	return TokenList{TotalCount: int(n)}, l.err
}

func TestTokenIndexCoalescesConcurrentReads(t *testing.T) {
	l := &countingLister{release: make(chan struct{})}
	x := newTokenIndex(l.list, l.list, time.Minute)
	var wg sync.WaitGroup
	results := make([]TokenList, 20)
	for i := range results {
		wg.Go(func() {
			got, err := x.List(context.Background())
			if err != nil {
				t.Error(err)
			}
			results[i] = got
		})
	}
	waitFor(t, func() bool { return l.calls.Load() == 1 })
	close(l.release)
	wg.Wait()
	if n := l.calls.Load(); n != 1 {
		t.Fatalf("20 concurrent reads made %d listings, want 1", n)
	}
	for _, r := range results {
		if r.TotalCount != 1 {
			t.Fatalf("a reader got listing %d, want the shared one", r.TotalCount)
		}
	}
	// Later reads of the same operation are served by it too.
	if got, _ := x.List(context.Background()); got.TotalCount != 1 || l.calls.Load() != 1 {
		t.Errorf("a later read listed again (%d listings)", l.calls.Load())
	}
}

func TestTokenIndexChangeMakesListingsStale(t *testing.T) {
	l := &countingLister{}
	x := newTokenIndex(l.list, l.list, time.Minute)
	first, _ := x.List(context.Background())
	x.Changed()
	second, _ := x.List(context.Background())
	if first.TotalCount != 1 || second.TotalCount != 2 {
		t.Errorf("after a change, got listings %d then %d; want a new listing", first.TotalCount, second.TotalCount)
	}
	// Recent serves a listing young enough: a snapshot from before a create is what it needs.
	x.Changed()
	if cached, _ := x.Recent(context.Background(), time.Minute); cached.TotalCount != 2 || l.calls.Load() != 2 {
		t.Errorf("Recent listed again")
	}
}

// A create's id lookup must not be served by a listing that started before its POST
// returned, even one still in flight; creates that return meanwhile share the next.
func TestTokenIndexReaderAfterChangeWaitsForNewerListing(t *testing.T) {
	l := &countingLister{release: make(chan struct{})}
	x := newTokenIndex(l.list, l.list, time.Minute)
	old := make(chan TokenList)
	go func() { got, _ := x.List(context.Background()); old <- got }()
	waitFor(t, func() bool { return l.calls.Load() == 1 })

	x.Changed() // two creates return while the first listing is in flight
	x.Changed()
	var wg sync.WaitGroup
	fresh := make([]TokenList, 2)
	for i := range fresh {
		wg.Go(func() { fresh[i], _ = x.List(context.Background()) })
	}
	l.release <- struct{}{} // finish the old listing
	if got := <-old; got.TotalCount != 1 {
		t.Errorf("the early reader got listing %d, want 1", got.TotalCount)
	}
	waitFor(t, func() bool { return l.calls.Load() == 2 })
	close(l.release)
	wg.Wait()
	for _, f := range fresh {
		if f.TotalCount != 2 {
			t.Errorf("a reader after the change got listing %d, want the newer one (2)", f.TotalCount)
		}
	}
	if n := l.calls.Load(); n != 2 {
		t.Errorf("%d listings, want 2: the readers after the change share one", n)
	}
}

func TestTokenIndexSharesErrorsWithoutCachingThem(t *testing.T) {
	l := &countingLister{err: errors.New("HTTP 503")}
	x := newTokenIndex(l.list, l.list, time.Minute)
	if _, err := x.List(context.Background()); err == nil {
		t.Fatal("want the listing's error")
	}
	l.err = nil
	if got, err := x.List(context.Background()); err != nil || got.TotalCount != 2 {
		t.Errorf("a failed listing was cached: %v, %d", err, got.TotalCount)
	}
}

func TestTokenIndexCallerStopsWaitingOnCancel(t *testing.T) {
	l := &countingLister{release: make(chan struct{})}
	defer close(l.release)
	x := newTokenIndex(l.list, l.list, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := x.List(ctx); done <- err }()
	waitFor(t, func() bool { return l.calls.Load() == 1 })
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled caller kept waiting for the shared listing")
	}
}

// ageCachedListing makes the cached complete listing of x look started age earlier.
func ageCachedListing(x *TokenIndex, age time.Duration) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.all.cached.started = x.all.cached.started.Add(-age)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestTokenIndexLooksForACreatedTokenInTheHeadFirst(t *testing.T) {
	newest := ServerToken{ID: 900, Token: "new"}
	head := func(context.Context) (TokenList, error) {
		return TokenList{Tokens: []ServerToken{newest}, TotalCount: 600}, nil
	}
	var fullListings atomic.Int32
	full := func(context.Context) (TokenList, error) {
		fullListings.Add(1)
		return TokenList{Tokens: []ServerToken{newest, {ID: 1, Token: "old"}}, TotalCount: 2}, nil
	}
	x := newTokenIndex(full, head, time.Minute)
	find := func(value string) (ServerToken, bool, error) {
		list, _, err := x.listForCreated(context.Background(), func(l TokenList) bool { _, ok := l.ByValue(value); return ok })
		found, ok := list.ByValue(value)
		return found, ok, err
	}

	got, ok, err := find("new")
	if err != nil || !ok || got.ID != 900 || fullListings.Load() != 0 {
		t.Errorf("a token in the head: got %v %v %v after %d full listings; want it without a full listing", got, ok, err, fullListings.Load())
	}
	// Not in a head that is only part of the store: a complete listing decides.
	got, ok, err = find("old")
	if err != nil || !ok || got.ID != 1 || fullListings.Load() != 1 {
		t.Errorf("a token beyond the head: got %v %v %v after %d full listings; want one full listing", got, ok, err, fullListings.Load())
	}
}

func TestTokenIndexLooksForACreatedTokenOnceTheCreatesInFlightReturned(t *testing.T) {
	l := &countingLister{}
	x := newTokenIndex(l.list, l.list, time.Minute)
	x.beginCreate()
	x.beginCreate()
	x.endCreate("") // one create returned; the other is still in flight
	found := make(chan struct{})
	go func() {
		_, _, _ = x.listForCreated(context.Background(), func(TokenList) bool { return true })
		close(found)
	}()
	time.Sleep(20 * time.Millisecond)
	if n := l.calls.Load(); n != 0 {
		t.Fatalf("the id lookup listed (%d) while another create was in flight", n)
	}
	x.endCreate("")
	<-found
	if n := l.calls.Load(); n != 1 {
		t.Errorf("%d listings once the creates returned, want 1", n)
	}
}

func TestTokenIndexReconciliationNeverAdoptsTheClientsOwnTokens(t *testing.T) {
	l := &countingLister{}
	x := newTokenIndex(l.list, l.list, time.Minute)
	x.beginCreate()
	x.endCreate("sibling-value") // a concurrent create of this client returned its token
	sibling := ServerToken{ID: 7, Token: "sibling-value"}
	lost := ServerToken{ID: 8, Token: "lost-value"}

	cl := x.claimSole([]ServerToken{sibling, lost})
	if cl.adopted == nil || cl.adopted.ID != 8 || len(cl.free) != 0 {
		t.Fatalf("claim %+v, want the lost create's token 8", cl)
	}
	// A second reconciliation cannot take the same token.
	if cl := x.claimSole([]ServerToken{sibling, lost}); cl.adopted != nil {
		t.Errorf("token %d adopted twice", cl.adopted.ID)
	}
	// Two unclaimed candidates are ambiguous: none is adopted.
	a, b := ServerToken{ID: 9, Token: "a"}, ServerToken{ID: 10, Token: "b"}
	if cl := x.claimSole([]ServerToken{a, b}); cl.adopted != nil || len(cl.free) != 2 {
		t.Errorf("ambiguous candidates: %+v", cl)
	}
	// While a create of this client is in flight, nothing is decided: its token may be
	// among the candidates before its reply says whose it is.
	x.beginCreate()
	if cl := x.claimSole([]ServerToken{{ID: 11, Token: "in-flight"}}); cl.adopted != nil || !cl.busy {
		t.Errorf("decided while a create was in flight: %+v", cl)
	}
	x.endCreate("in-flight")
	if cl := x.claimSole([]ServerToken{{ID: 11, Token: "in-flight"}}); cl.adopted != nil || cl.busy {
		t.Errorf("adopted the returned create's own token: %+v", cl)
	}
}

// Recent serves a listing young enough, and lists again when the one it has is older than
// maxAge, even though no change was made since: age alone makes it unfit.
func TestTokenIndexRecentListsAgainWhenTooOld(t *testing.T) {
	l := &countingLister{}
	x := newTokenIndex(l.list, l.list, time.Minute)
	if _, err := x.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, _ := x.Recent(context.Background(), time.Hour); got.TotalCount != 1 || l.calls.Load() != 1 {
		t.Fatalf("Recent listed again although the listing is young (%d listings)", l.calls.Load())
	}
	ageCachedListing(x, 2*time.Hour)
	if got, _ := x.Recent(context.Background(), time.Hour); got.TotalCount != 2 || l.calls.Load() != 2 {
		t.Errorf("Recent served a listing older than maxAge (listing %d, %d listings)", got.TotalCount, l.calls.Load())
	}
}

// ctxLister is a listing that runs until released or until its context is cancelled, and
// reports the cancellation.
type ctxLister struct {
	calls     atomic.Int32
	cancelled chan struct{}
	release   chan struct{}
}

func (l *ctxLister) list(ctx context.Context) (TokenList, error) {
	l.calls.Add(1)
	select {
	case <-ctx.Done():
		close(l.cancelled)
		return TokenList{}, ctx.Err()
	case <-l.release:
		return TokenList{TotalCount: 1}, nil
	}
}

// A shared listing outlives a caller that gives up (Ctrl-C), since others wait for it, and
// is cancelled when the last of them has gone.
func TestTokenIndexSharedListingCancelledWhenEveryCallerHasGone(t *testing.T) {
	l := &ctxLister{cancelled: make(chan struct{}), release: make(chan struct{})}
	x := newTokenIndex(l.list, l.list, time.Minute)
	ctxA, cancelA := context.WithCancel(context.Background())
	ctxB, cancelB := context.WithCancel(context.Background())
	defer cancelB()
	errA, errB := make(chan error, 1), make(chan error, 1)
	go func() { _, err := x.List(ctxA); errA <- err }()
	waitFor(t, func() bool { return l.calls.Load() == 1 })
	go func() { _, err := x.List(ctxB); errB <- err }()
	waitFor(t, func() bool {
		x.mu.Lock()
		defer x.mu.Unlock()
		return x.all.running != nil && x.all.running.waiting == 2
	})

	cancelA()
	if err := <-errA; !errors.Is(err, context.Canceled) {
		t.Errorf("caller A: err %v, want context.Canceled", err)
	}
	select {
	case <-l.cancelled:
		t.Fatal("the listing was cancelled while caller B still waited for it")
	default:
	}

	cancelB()
	if err := <-errB; !errors.Is(err, context.Canceled) {
		t.Errorf("caller B: err %v, want context.Canceled", err)
	}
	select {
	case <-l.cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the listing kept running after every caller had gone")
	}
	if n := l.calls.Load(); n != 1 {
		t.Errorf("%d listings, want 1", n)
	}
	// A later caller starts a new listing.
	close(l.release)
	if got, err := x.List(context.Background()); err != nil || got.TotalCount != 1 || l.calls.Load() != 2 {
		t.Errorf("after the cancelled listing: %v, %v (%d listings)", got, err, l.calls.Load())
	}
}

// Through the client: when the only caller gives up, the page requests in flight are
// cancelled (the server sees the request's context end) and no further page is fetched.
func TestListingCancelledOnTheWireWhenEveryCallerHasGone(t *testing.T) {
	f := newFake(t)
	f.seed(600, "x", "o@example.com")
	arrived := make(chan struct{}, 10)
	serverSawCancel := make(chan struct{}, 10)
	f.setHook(func(_ *fakeB2B, _ http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
			serverSawCancel <- struct{}{}
		case <-time.After(10 * time.Second):
		}
		return true
	})
	c := f.client(t, withAuthToken)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := c.ListServerTokens(ctx); done <- err }()
	<-arrived
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	select {
	case <-serverSawCancel:
	case <-time.After(5 * time.Second):
		t.Fatal("the server's request was never cancelled: the listing ran on after its only caller had gone")
	}
	if n := f.count(http.MethodGet, "/backend/tokens"); n != 1 {
		t.Errorf("%d page requests, want only the first", n)
	}
}
