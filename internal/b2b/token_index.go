package b2b

import (
	"context"
	"sync"

	"golang.org/x/sync/singleflight"
)

// TokenIndex shares listings of a store's tokens among the callers of one client, so that
// a refresh of many resources costs one listing, not one per resource.
//
// Every listing is stamped with the write epoch at which it started; a create or delete
// through the client moves the epoch on. A caller is served by a listing that started at
// or after the epoch it needs: the current one for a read, one after its own POST for the
// id lookup of a create. Concurrent callers coalesce into one listing; a caller that joined
// a listing too old for it joins the next one, so creates that finish close together share
// a listing too.
type TokenIndex struct {
	list func(context.Context) (TokenList, error)

	mu     sync.Mutex
	epoch  uint64
	cached *stampedList
	flight singleflight.Group
}

type stampedList struct {
	list  TokenList
	epoch uint64
}

func newTokenIndex(list func(context.Context) (TokenList, error)) *TokenIndex {
	return &TokenIndex{list: list}
}

// List returns a listing that started after the last change made through the client.
func (x *TokenIndex) List(ctx context.Context) (TokenList, error) {
	l, _, err := x.listSince(ctx, x.currentEpoch())
	return l, err
}

// Cached returns the latest complete listing, however old, or lists now when there is none.
func (x *TokenIndex) Cached(ctx context.Context) (TokenList, error) {
	x.mu.Lock()
	cached := x.cached
	x.mu.Unlock()
	if cached != nil {
		return cached.list, nil
	}
	l, _, err := x.listSince(ctx, 0)
	return l, err
}

// Changed records a create or delete: listings that started before it are stale.
func (x *TokenIndex) Changed() {
	x.mu.Lock()
	x.epoch++
	x.mu.Unlock()
}

func (x *TokenIndex) currentEpoch() uint64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.epoch
}

// listNewerThan returns a listing that started after the one stamped epoch, such as the
// next poll for a token that the previous listing did not show yet.
func (x *TokenIndex) listNewerThan(ctx context.Context, epoch uint64) (TokenList, uint64, error) {
	x.mu.Lock()
	x.epoch = max(x.epoch, epoch+1)
	need := x.epoch
	x.mu.Unlock()
	return x.listSince(ctx, need)
}

func (x *TokenIndex) listSince(ctx context.Context, need uint64) (TokenList, uint64, error) {
	for {
		x.mu.Lock()
		if c := x.cached; c != nil && c.epoch >= need {
			x.mu.Unlock()
			return c.list, c.epoch, nil
		}
		results := x.flight.DoChan("list", func() (any, error) { return x.refresh(ctx) })
		x.mu.Unlock()

		select {
		case <-ctx.Done():
			return TokenList{}, 0, ctx.Err()
		case res := <-results:
			if res.Err != nil {
				return TokenList{}, 0, res.Err
			}
			if got := res.Val.(*stampedList); got.epoch >= need {
				return got.list, got.epoch, nil
			}
			// That listing started before the change this caller must see: join the next.
		}
	}
}

// refresh runs one shared listing. It outlives a caller that gives up, since others may be
// waiting for it; each caller stops waiting on its own cancellation.
func (x *TokenIndex) refresh(ctx context.Context) (*stampedList, error) {
	epoch := x.currentEpoch()
	list, err := x.list(context.WithoutCancel(ctx))
	if err != nil {
		return nil, err
	}
	stamped := &stampedList{list: list, epoch: epoch}
	x.mu.Lock()
	if x.cached == nil || epoch >= x.cached.epoch {
		x.cached = stamped
	}
	x.mu.Unlock()
	return stamped, nil
}
