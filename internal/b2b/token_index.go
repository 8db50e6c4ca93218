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
// through the client moves the epoch on, and a caller is served only by a listing that
// started at or after the epoch it needs. Two listings are shared this way: all (every
// page) and head (the first page, which shows a token just created when the API lists
// newest first).
type TokenIndex struct {
	all, head sharedListing
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

// listingFunc makes one listing of a store's tokens.
type listingFunc func(context.Context) (TokenList, error)

// sharedListing is one kind of listing, shared among concurrent callers; its fields other
// than read are guarded by TokenIndex.mu.
type sharedListing struct {
	read   listingFunc
	cached *stampedList
	flight singleflight.Group
	// running is the listing in flight, if any. When the last caller waiting for it gives
	// up (Ctrl-C), it is cancelled.
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

// newTokenIndex returns an index whose listings are made by readAll (every page) and
// readHead (the first page).
func newTokenIndex(readAll, readHead listingFunc, gatherLimit time.Duration) *TokenIndex {
	idle := make(chan struct{})
	close(idle)
	return &TokenIndex{
		all: sharedListing{read: readAll}, head: sharedListing{read: readHead}, gatherLimit: gatherLimit, idle: idle,
		created: map[string]bool{}, adopted: map[int64]bool{},
	}
}

// List returns a complete listing that started after the last change made through the
// client.
func (x *TokenIndex) List(ctx context.Context) (TokenList, error) {
	l, _, err := x.listCurrent(ctx)
	return l, err
}

// listCurrent is List with the epoch of the listing, for [TokenIndex.listNewerThan].
func (x *TokenIndex) listCurrent(ctx context.Context) (TokenList, uint64, error) {
	return x.shared(ctx, &x.all, x.currentEpoch())
}

// listNewerThan returns a complete listing that started after the one stamped epoch, such
// as the next poll for a token that the previous listing did not show yet.
func (x *TokenIndex) listNewerThan(ctx context.Context, epoch uint64) (TokenList, uint64, error) {
	x.mu.Lock()
	x.epoch = max(x.epoch, epoch+1)
	need := x.epoch
	x.mu.Unlock()
	return x.shared(ctx, &x.all, need)
}

// Recent returns a listing that started no longer than maxAge ago, or the one in flight,
// or lists now: any listing that started before the caller's next request will do.
func (x *TokenIndex) Recent(ctx context.Context, maxAge time.Duration) (TokenList, error) {
	x.mu.Lock()
	cached, need := x.all.cached, x.epoch
	if running := x.all.running; running != nil {
		need = running.epoch
	}
	if cached != nil && time.Since(cached.started) > maxAge && need <= cached.epoch {
		// Too old, though no change has made it stale: shared would serve it again.
		x.epoch = max(x.epoch, cached.epoch+1)
		need = x.epoch
	}
	x.mu.Unlock()
	if cached != nil && time.Since(cached.started) <= maxAge {
		return cached.list, nil
	}
	l, _, err := x.shared(ctx, &x.all, need)
	return l, err
}

// hasRecent reports whether a complete listing no older than maxAge is at hand.
func (x *TokenIndex) hasRecent(maxAge time.Duration) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.all.cached != nil && time.Since(x.all.cached.started) <= maxAge
}

// listForCreated returns a listing to look for a token just created in, once the other
// creates in flight have returned (so that concurrent creates share it): the head when it
// shows the token or holds the whole store, else a complete listing. The order of the list
// is not documented, so the complete listing decides when the head does not.
func (x *TokenIndex) listForCreated(ctx context.Context, shows func(TokenList) bool) (TokenList, uint64, error) {
	if err := x.gatherCreates(ctx); err != nil {
		return TokenList{}, 0, err
	}
	need := x.currentEpoch()
	head, epoch, err := x.shared(ctx, &x.head, need)
	if err != nil || shows(head) || len(head.Tokens) >= head.TotalCount {
		return head, epoch, err
	}
	return x.shared(ctx, &x.all, need)
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

func (x *TokenIndex) currentEpoch() uint64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.epoch
}

// shared returns a listing of l that started at or after epoch need: the cached one, the
// one in flight (a caller that joined one too old for it joins the next), or a new one.
func (x *TokenIndex) shared(ctx context.Context, l *sharedListing, need uint64) (TokenList, uint64, error) {
	for {
		x.mu.Lock()
		if c := l.cached; c != nil && c.epoch >= need {
			x.mu.Unlock()
			return c.list, c.epoch, nil
		}
		run := x.joinLocked(ctx, l)
		results := l.flight.DoChan(run.key, func() (any, error) { return x.readShared(l, run) })
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
		}
	}
}

// joinLocked counts the caller in on the listing in flight, or starts the accounting of a
// new one, on a context of its own: the listing outlives a caller that gives up while
// others wait for it.
func (x *TokenIndex) joinLocked(ctx context.Context, l *sharedListing) *runningListing {
	if l.running == nil {
		l.flights++
		runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		l.running = &runningListing{key: strconv.FormatUint(l.flights, 10), epoch: x.epoch, ctx: runCtx, cancel: cancel}
	}
	l.running.waiting++
	return l.running
}

// leave counts the caller out, and cancels the listing when none is left.
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

// readShared reads one shared listing on its own context and caches it.
func (x *TokenIndex) readShared(l *sharedListing, run *runningListing) (*stampedList, error) {
	epoch, started := run.epoch, time.Now()
	list, err := l.read(run.ctx)
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
