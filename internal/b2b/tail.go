package b2b

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
)

// The newest end of the list. Ids grow with creation and the list is sorted by id, newest
// or oldest first, so the tokens made after some token (ids above its id) are all at the
// newest end, and a few pages there show every one of them. A create in a store too big to
// list whole before it (over one page) judges its token by that: every id at or below the
// highest id listed before it was there before, and only a token above it can be the one it
// made (PendingCreate.BeforeUpTo). A create then costs a bounded number of list calls,
// whatever the store's size.

// maxTailPages bounds a read of the newest end: more tokens made since the create than
// these pages hold (about 1,200) and the tail read fails rather than list the store.
const maxTailPages = 5

// errTailTooLong: more tokens were made since a create than a tail read reads.
var errTailTooLong = errors.New("more tokens were made since the create than the newest pages hold")

// errOrderUnknown: the list is not sorted by id, so its newest end is nowhere in particular.
var errOrderUnknown = errors.New("the list is not in the order of its ids")

// tailAbove reads the newest end of the list down to a token at or below id above (or the
// list's end), with the first credential the API accepts: the listing returned shows every
// token above it. With above = math.MaxInt64 it reads the newest page only. A list whose
// order is not that of its ids is errOrderUnknown; one page that holds the whole store is
// returned whole, as a complete listing would. Concurrent callers share one read; a caller
// that gives up (Ctrl-C) returns at once.
func (s *Store) tailAbove(ctx context.Context, above int64) (TokenList, error) {
	return s.tailSince(ctx, above, 0)
}

// tailSince is tailAbove read at or after generation need (see TokenIndex.newerThan).
func (s *Store) tailSince(ctx context.Context, above int64, need uint64) (TokenList, error) {
	x := s.index
	x.mu.Lock()
	x.gen = max(x.gen, need)
	gen := x.gen
	x.mu.Unlock()
	results := x.flight.DoChan(fmt.Sprintf("tail-%d-%d", above, gen), func() (any, error) {
		return s.readTailShared(context.WithoutCancel(ctx), above, gen)
	})
	select {
	case <-ctx.Done():
		return TokenList{}, ctx.Err()
	case res := <-results:
		list, _ := res.Val.(TokenList)
		return list, res.Err
	}
}

func (s *Store) readTailShared(ctx context.Context, above int64, gen uint64) (TokenList, error) {
	ctx, cancel := context.WithTimeout(ctx, maxTailPages*maxListingAttempts*s.client.cfg.RequestTimeout)
	defer cancel()
	var list TokenList
	started := s.client.cfg.Clock.Now()
	err := s.withCredential(ctx, order{}, http.MethodGet, pathBackendTokens, func(cr credential) error {
		var err error
		for range maxListingAttempts {
			if list, err = s.reader(cr).readTail(ctx, above, s.index.tailHint()); !errors.Is(err, errShiftedListing) {
				return err
			}
		}
		return listingError(0, fmt.Errorf("the token list kept changing while its newest pages were read (%d attempts): %w",
			maxListingAttempts, err))
	})
	if err != nil {
		return TokenList{}, err
	}
	list.Started, list.Finished, list.gen = started, s.client.cfg.Clock.Now(), gen
	s.index.keepTail(list)
	return list, nil
}

// listingFor is the listing that judges p: the newest end above what was there before it
// in a big store (BeforeUpTo), else a complete listing, newer than prev when there is one.
func (s *Store) listingFor(ctx context.Context, p PendingCreate, prev *TokenList) (TokenList, error) {
	switch {
	case p.BeforeUpTo > 0 && prev != nil:
		return s.tailSince(ctx, p.BeforeUpTo, prev.gen+1)
	case p.BeforeUpTo > 0:
		return s.tailSince(ctx, p.BeforeUpTo, s.index.generation())
	case prev != nil:
		return s.index.newerThan(ctx, *prev)
	}
	return s.index.current(ctx)
}

// tailHint is what earlier reads of the newest end told: the list is oldest first, and
// held total tokens. A read then starts at the end, where the tokens it wants are.
type tailHint struct {
	oldestFirst bool
	total, size int
}

// readTail reads the newest end of the list, as Store.tailAbove says. The pages are joined
// in newest-first order (an oldest-first list is read backwards from its end), with the
// overlap and totalCount checks of a complete listing.
func (r tokenReader) readTail(ctx context.Context, above int64, hint tailHint) (TokenList, error) {
	if hint.oldestFirst && hint.total > hint.size && hint.size > 1 {
		if list, err := r.readTailFromEnd(ctx, above, hint.total, hint.size); !errors.Is(err, errOrderUnknown) {
			return list, err
		}
	}
	first, err := r.readPage(ctx, MaxPageSize, 0)
	if err != nil {
		return TokenList{}, err
	}
	if len(first.Tokens) < MaxPageSize && first.TotalCount <= len(first.Tokens) {
		return newPageJoiner(first, 0, 0).list() // the whole store on one page
	}
	if !first.Paginated {
		return TokenList{}, errOrderUnknown // no totalCount to find the end by: list it whole
	}
	fromNewest := func(ctx context.Context, pos int) (TokenPage, error) { return r.readPage(ctx, MaxPageSize, pos) }
	switch orderOf(pointsOf([]pageIDs{idsOnPage(first)})) {
	case newestFirst:
	case oldestFirst:
		return r.readTailFromEnd(ctx, above, first.TotalCount, len(first.Tokens))
	default:
		return TokenList{}, errOrderUnknown
	}
	return r.joinTail(ctx, first, above, fromNewest)
}

// readTailFromEnd reads the newest end of an oldest-first list of about total tokens, size
// to a page, backwards from its end; errOrderUnknown when the page there is not the end of
// an oldest-first list.
func (r tokenReader) readTailFromEnd(ctx context.Context, above int64, total, size int) (TokenList, error) {
	fromNewest := func(ctx context.Context, pos int) (TokenPage, error) { return r.readFromEnd(ctx, total, size, pos) }
	// The end moves while this client's and others' creates land: follow it to the
	// totalCount of the page read there, then hold the later pages to it.
	var first TokenPage
	var err error
	for range maxListingAttempts {
		first, err = fromNewest(ctx, 0)
		var moved *movedEnd
		if !errors.As(err, &moved) {
			break
		}
		total = moved.total
	}
	switch {
	case err != nil:
		return TokenList{}, err
	case len(first.Tokens) != min(size, total) || len(first.Tokens) > 1 && orderOf(pointsOf([]pageIDs{idsOnPage(first)})) != newestFirst:
		// Not a page that ends the list (a page size other than size), or not oldest first
		// (reversed, an oldest-first page reads newest first).
		return TokenList{}, errOrderUnknown
	}
	list, err := r.joinTail(ctx, first, above, fromNewest)
	list.oldestFirst, list.pageSize = err == nil, size
	return list, err
}

// joinTail reads pages from the newest end after first, joined in newest-first order, until
// one reaches a token at or below above, the list ends, or maxTailPages.
func (r tokenReader) joinTail(ctx context.Context, first TokenPage, above int64,
	fromNewest func(context.Context, int) (TokenPage, error)) (TokenList, error) {
	size := len(first.Tokens)
	step := size - min(pageOverlap, size/2)
	j := newPageJoiner(first, size, step)
	for pages := 1; !reachesDown(j.last, above) && isFull(j.last, size); pages++ {
		if pages >= maxTailPages {
			return TokenList{}, listingError(0, fmt.Errorf("%w (%d pages of %d): the store changes faster than a create "+
				"can be told in it", errTailTooLong, maxTailPages, size))
		}
		page, err := fromNewest(ctx, pages*step)
		if err != nil {
			return TokenList{}, err
		}
		if err := j.add(page); err != nil {
			return TokenList{}, err
		}
	}
	return TokenList{TotalCount: j.total, tokens: j.tokens.done(), fits: true, above: max(above, 1)}, nil
}

// readFromEnd reads the page of an oldest-first list that starts pos tokens from its newest
// end, reversed into newest-first order, for a list of total tokens (the first page's
// totalCount: a page that reports another total is a list that changed).
func (r tokenReader) readFromEnd(ctx context.Context, total, size, pos int) (TokenPage, error) {
	offset := total - pos - size
	limit := MaxPageSize
	if offset < 0 {
		limit, offset = max(size+offset, 1), 0
	}
	page, err := r.readPage(ctx, limit, offset)
	if err != nil {
		return TokenPage{}, err
	}
	if page.TotalCount != total {
		return TokenPage{}, &movedEnd{from: total, total: page.TotalCount}
	}
	page.Tokens = slices.Clone(page.Tokens)
	slices.Reverse(page.Tokens)
	page.Offset = pos
	return page, nil
}

// movedEnd: the page read from the end of an oldest-first list reports another totalCount
// than the one its offset was computed from; it is a shifted listing.
type movedEnd struct{ from, total int }

func (e *movedEnd) Error() string {
	return fmt.Sprintf("%v: totalCount went from %d to %d", errShiftedListing, e.from, e.total)
}

func (e *movedEnd) Unwrap() error { return errShiftedListing }

// reachesDown reports whether the page shows a token at or below id above.
func reachesDown(p TokenPage, above int64) bool {
	return above == math.MaxInt64 || slices.ContainsFunc(p.Tokens, func(t ServerToken) bool { return t.ID <= above })
}

// NewestNamed returns the tokens with name (or the name cut short, NameKeptAs) and email (in
// any case) at the newest end of the list, less those this run deleted: the whole store when
// it fits on one page, else its newest page (whole reports which). It reads only with a
// credential the store already has, and nothing at all for a list not in the order of its
// ids: a plan's hint, never evidence.
func (s *Store) NewestNamed(ctx context.Context, name, email string) (tokens []ServerToken, whole bool, err error) {
	if !s.HasCredential() {
		return nil, false, nil
	}
	list, ok := s.index.recentTail(reconcileFreshness)
	if s.index.hasRecent(reconcileFreshness) {
		if list, err = s.index.recent(ctx, reconcileFreshness); err == nil {
			return s.named(list, name, email), true, nil
		}
	}
	if !ok {
		if list, err = s.tailAbove(ctx, math.MaxInt64); errors.Is(err, errOrderUnknown) {
			return nil, false, nil
		}
	}
	if err != nil {
		return nil, false, err
	}
	return s.named(list, name, email), list.above == 0, nil
}

func (s *Store) named(list TokenList, name, email string) []ServerToken {
	var tokens []ServerToken
	longest := longestName(list.All())
	for t := range list.All() {
		if _, deleted := s.deleted.Load(t.ID); deleted {
			continue // this run deleted it since the list was read
		}
		if keptAmong(name, t.Name, longest) && strings.EqualFold(t.Email, email) {
			tokens = append(tokens, t)
		}
	}
	return tokens
}
