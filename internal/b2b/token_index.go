package b2b

import (
	"context"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// TokenIndex shares listings of a store's tokens among the callers of one client, so that
// a refresh of many resources costs one listing, not one per resource.
//
// Every listing is stamped with the write epoch at which it started; a create or delete
// through the client moves the epoch on. A caller is served by a listing that started at
// or after the epoch it needs: the current one for a read, one after its own POST for the
// id lookup of a create. Concurrent callers coalesce into one listing; a caller that joined
// a listing too old for it joins the next one. A create's id lookup also waits (up to a
// bound) for the other creates in flight to return, so that concurrent creates share it.
//
// Two kinds of listing are shared this way: the full one (every page) and the head (the
// first page only). The list is newest first, so the head shows a token just created
// without paying for every page of a large store; when it does not, the lookup falls back
// to a full listing, so correctness never depends on the order.
type TokenIndex struct {
	full, head sharedListing
	// gatherLimit bounds how long an id lookup waits for other creates in flight.
	gatherLimit time.Duration

	mu       sync.Mutex
	epoch    uint64
	creating int
	idle     chan struct{} // closed while no create is in flight
	// created and adopted are this client's own tokens: the values its creates returned
	// and the ids its reconciliations adopted. A reconciliation never adopts them.
	created map[string]bool
	adopted map[int64]bool
}

type sharedListing struct {
	fetch  func(context.Context) (TokenList, error)
	cached *stampedList // guarded by TokenIndex.mu
	flight singleflight.Group
	// running is the listing in flight, if any, and how many callers wait for it; guarded
	// by TokenIndex.mu. When the last of them gives up (Ctrl-C), the listing is cancelled.
	running *runningListing
	flights uint64
}

type runningListing struct {
	key     string
	epoch   uint64 // the write epoch when it was started
	ctx     context.Context
	cancel  context.CancelFunc
	waiting int
}

type stampedList struct {
	list    TokenList
	epoch   uint64
	started time.Time
}

func newTokenIndex(full, head func(context.Context) (TokenList, error), gatherLimit time.Duration) *TokenIndex {
	idle := make(chan struct{})
	close(idle)
	return &TokenIndex{
		full: sharedListing{fetch: full}, head: sharedListing{fetch: head}, gatherLimit: gatherLimit, idle: idle,
		created: map[string]bool{}, adopted: map[int64]bool{},
	}
}

// List returns a complete listing that started after the last change made through the
// client.
func (x *TokenIndex) List(ctx context.Context) (TokenList, error) {
	l, _, err := x.listSince(ctx, &x.full, x.currentEpoch())
	return l, err
}

// Recent returns a listing that started no longer than maxAge ago, or the one in flight,
// or lists now: any listing that started before the caller's next request will do.
func (x *TokenIndex) Recent(ctx context.Context, maxAge time.Duration) (TokenList, error) {
	x.mu.Lock()
	cached, need := x.full.cached, x.epoch
	if running := x.full.running; running != nil {
		need = running.epoch
	}
	if cached != nil && time.Since(cached.started) > maxAge && need <= cached.epoch {
		// Too old, though no change has made it stale: listSince would serve it again.
		x.epoch = max(x.epoch, cached.epoch+1)
		need = x.epoch
	}
	x.mu.Unlock()
	if cached != nil && time.Since(cached.started) <= maxAge {
		return cached.list, nil
	}
	l, _, err := x.listSince(ctx, &x.full, need)
	return l, err
}

// Changed records a delete (or any other change): listings that started before it are stale.
func (x *TokenIndex) Changed() {
	x.mu.Lock()
	x.epoch++
	x.mu.Unlock()
}

// beginCreate and endCreate bracket a create request; its end is a change.
func (x *TokenIndex) beginCreate() {
	x.mu.Lock()
	if x.creating == 0 {
		x.idle = make(chan struct{})
	}
	x.creating++
	x.mu.Unlock()
}

// endCreate ends a create request; value is the token it returned, if any.
func (x *TokenIndex) endCreate(value string) {
	x.mu.Lock()
	if value != "" {
		x.created[value] = true
	}
	x.epoch++
	x.creating--
	if x.creating == 0 {
		close(x.idle)
	}
	x.mu.Unlock()
}

// findCreated looks for a token that was just created: in the head of a listing that
// started after the creates in flight returned, else in a complete listing. It returns the
// epoch of the listing it looked in, for polling.
func (x *TokenIndex) findCreated(ctx context.Context, match func(TokenList) (ServerToken, bool, error)) (ServerToken, bool, uint64, error) {
	if err := x.gatherCreates(ctx); err != nil {
		return ServerToken{}, false, 0, err
	}
	need := x.currentEpoch()
	head, epoch, err := x.listSince(ctx, &x.head, need)
	if err != nil {
		return ServerToken{}, false, epoch, err
	}
	if found, ok, err := match(head); ok || err != nil || len(head.Tokens) >= head.TotalCount {
		return found, ok, epoch, err // found, or the head is the whole store
	}
	full, epoch, err := x.listSince(ctx, &x.full, need)
	if err != nil {
		return ServerToken{}, false, epoch, err
	}
	found, ok, err := match(full)
	return found, ok, epoch, err
}

// claim is what claimSole decided about the candidates of a lost create.
type claim struct {
	// adopted is the one unclaimed candidate, now claimed; nil when there is none or several.
	adopted *ServerToken
	// free are the unclaimed candidates when there are several.
	free []ServerToken
	// busy: a create of this client is in flight, so nothing was decided.
	busy bool
}

// claimSole claims the one token among candidates that no create or reconciliation of this
// client has claimed. It decides nothing while a create of this client is in flight: a
// token that create made may be among the candidates before its reply has told whose it is.
func (x *TokenIndex) claimSole(candidates []ServerToken) claim {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.creating > 0 {
		return claim{busy: true}
	}
	free := x.unclaimedLocked(candidates)
	if len(free) != 1 {
		return claim{free: free}
	}
	x.adopted[free[0].ID] = true
	return claim{adopted: &free[0]}
}

// creatingNow reports whether a create of this client is in flight.
func (x *TokenIndex) creatingNow() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.creating > 0
}

// unclaimed are the candidates that no create or reconciliation of this client claimed.
func (x *TokenIndex) unclaimed(candidates []ServerToken) []ServerToken {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.unclaimedLocked(candidates)
}

func (x *TokenIndex) unclaimedLocked(candidates []ServerToken) []ServerToken {
	var free []ServerToken
	for _, t := range candidates {
		if !x.created[t.Token] && !x.adopted[t.ID] {
			free = append(free, t)
		}
	}
	return free
}

// gatherCreates waits until the creates in flight have returned, or gatherLimit.
func (x *TokenIndex) gatherCreates(ctx context.Context) error {
	x.mu.Lock()
	idle := x.idle
	x.mu.Unlock()
	timer := time.NewTimer(x.gatherLimit)
	defer timer.Stop()
	select {
	case <-idle:
	case <-timer.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

func (x *TokenIndex) currentEpoch() uint64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.epoch
}

// listNewerThan returns a complete listing that started after the one stamped epoch, such
// as the next poll for a token that the previous listing did not show yet.
func (x *TokenIndex) listNewerThan(ctx context.Context, epoch uint64) (TokenList, uint64, error) {
	x.mu.Lock()
	x.epoch = max(x.epoch, epoch+1)
	need := x.epoch
	x.mu.Unlock()
	return x.listSince(ctx, &x.full, need)
}

func (x *TokenIndex) listSince(ctx context.Context, l *sharedListing, need uint64) (TokenList, uint64, error) {
	for {
		x.mu.Lock()
		if c := l.cached; c != nil && c.epoch >= need {
			x.mu.Unlock()
			return c.list, c.epoch, nil
		}
		run := x.joinLocked(ctx, l)
		results := l.flight.DoChan(run.key, func() (any, error) { return x.refresh(l, run) })
		x.mu.Unlock()

		select {
		case <-ctx.Done():
			x.leave(l, run)
			return TokenList{}, 0, ctx.Err()
		case res := <-results:
			x.leave(l, run)
			if res.Err != nil {
				return TokenList{}, 0, res.Err
			}
			if got, _ := res.Val.(*stampedList); got.epoch >= need {
				return got.list, got.epoch, nil
			}
			// That listing started before the change this caller must see: join the next.
		}
	}
}

// joinLocked counts the caller in on the listing in flight, or starts the accounting of a
// new one. It outlives a caller that gives up, since others may wait for it, and is
// cancelled when none is left.
func (x *TokenIndex) joinLocked(ctx context.Context, l *sharedListing) *runningListing {
	if l.running == nil {
		l.flights++
		runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		l.running = &runningListing{key: strconv.FormatUint(l.flights, 10), epoch: x.epoch, ctx: runCtx, cancel: cancel}
	}
	l.running.waiting++
	return l.running
}

func (x *TokenIndex) leave(l *sharedListing, run *runningListing) {
	x.mu.Lock()
	defer x.mu.Unlock()
	run.waiting--
	if run.waiting == 0 {
		run.cancel()
		if l.running == run {
			l.running = nil
		}
	}
}

// refresh runs one shared listing on the listing's own context.
func (x *TokenIndex) refresh(l *sharedListing, run *runningListing) (*stampedList, error) {
	epoch, started := run.epoch, time.Now()
	list, err := l.fetch(run.ctx)
	x.mu.Lock()
	defer x.mu.Unlock()
	if l.running == run {
		l.running = nil
	}
	if err != nil {
		return nil, err
	}
	stamped := &stampedList{list: list, epoch: epoch, started: started}
	if l.cached == nil || epoch >= l.cached.epoch {
		l.cached = stamped
	}
	return stamped, nil
}
