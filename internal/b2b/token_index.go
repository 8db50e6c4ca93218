package b2b

import (
	"context"
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
}

type stampedList struct {
	list  TokenList
	epoch uint64
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

// Cached returns the latest complete listing, however old, or lists now when there is none.
func (x *TokenIndex) Cached(ctx context.Context) (TokenList, error) {
	x.mu.Lock()
	cached := x.full.cached
	x.mu.Unlock()
	if cached != nil {
		return cached.list, nil
	}
	l, _, err := x.listSince(ctx, &x.full, 0)
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

// adoptUnclaimed returns the one token among candidates that no create or reconciliation
// of this client has claimed, and claims it; ok is false when there are none, and others
// lists the rest when there are several. It decides nothing (busy) while a create of this
// client is in flight: a token that create made may be among the candidates before its
// reply has told whose it is.
func (x *TokenIndex) adoptUnclaimed(candidates []ServerToken) (adopted ServerToken, ok bool, others []ServerToken, busy bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.creating > 0 {
		return ServerToken{}, false, nil, true
	}
	var free []ServerToken
	for _, t := range candidates {
		if !x.created[t.Token] && !x.adopted[t.ID] {
			free = append(free, t)
		}
	}
	if len(free) != 1 {
		return ServerToken{}, false, free, false
	}
	x.adopted[free[0].ID] = true
	return free[0], true, nil, false
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
		results := l.flight.DoChan("list", func() (any, error) { return x.refresh(ctx, l) })
		x.mu.Unlock()

		select {
		case <-ctx.Done():
			return TokenList{}, 0, ctx.Err()
		case res := <-results:
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

// refresh runs one shared listing. It outlives a caller that gives up, since others may be
// waiting for it; each caller stops waiting on its own cancellation.
func (x *TokenIndex) refresh(ctx context.Context, l *sharedListing) (*stampedList, error) {
	epoch := x.currentEpoch()
	list, err := l.fetch(context.WithoutCancel(ctx))
	if err != nil {
		return nil, err
	}
	stamped := &stampedList{list: list, epoch: epoch}
	x.mu.Lock()
	if l.cached == nil || epoch >= l.cached.epoch {
		l.cached = stamped
	}
	x.mu.Unlock()
	return stamped, nil
}
