package b2b

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"
)

// MaxPageSize is the largest limit GET /backend/tokens accepts.
const MaxPageSize = 250

// DefaultListConcurrency bounds the pages of one listing fetched at once.
const DefaultListConcurrency = 8

const (
	maxListingAttempts = 3
	// pageOverlap is how many tokens consecutive pages share, so that a listing can verify
	// that no token slipped between two pages while someone else created or deleted tokens.
	pageOverlap = 5
	// maxListingPages bounds a listing: a first page whose totalCount needs more pages than
	// this (about a million tokens) is refused.
	maxListingPages = 4000
)

// TokenList is every S2S token of a store, as one listing saw them.
type TokenList struct {
	// TotalCount is the API's totalCount: how many tokens the store holds.
	TotalCount int
	// Complete is true when the listing can be evidence of absence: every page was read, the
	// pages overlapped where they met and add up to totalCount, and it shows every S2S
	// credential of the store that the run holds as valid (a listing that misses a token
	// the API just accepted is not the whole store). A token it does not show may still be
	// gone only for now: absence also needs a second such listing (see Store.Find).
	Complete bool
	// Started and Finished bound when the listing was read.
	Started, Finished time.Time

	// tokens are shared by every caller the listing served (see All).
	tokens listedTokens
	// fits: every page was read and they fit together; Complete also checks credentials.
	fits bool
	// gen is the index generation at which the listing started.
	gen uint64
	// above, when not 0, makes this the newest end of the list only (Store.tailAbove): it
	// shows every token with an id above it, and fits says that the pages fit together.
	above int64
	// oldestFirst: a read of the newest end found the list oldest first, pageSize tokens
	// to a page.
	oldestFirst bool
	pageSize    int
}

// Len is how many tokens the listing shows.
func (l TokenList) Len() int { return l.tokens.len() }

// All yields the tokens in the API's order. Reading them allocates nothing: their strings
// are the listing's own, shared by every caller.
func (l TokenList) All() iter.Seq[ServerToken] { return l.tokens.all() }

// Tokens is a copy of the tokens, in the API's order: about 90 bytes a token, where All
// costs nothing.
func (l TokenList) Tokens() []ServerToken { return slices.Collect(l.All()) }

// hasIDAbove reports whether the listing shows a token with an id above id: ids only grow,
// so such a listing was made after the token with id was.
func (l TokenList) hasIDAbove(id int64) bool { return l.tokens.maxID > id }

// newestID is the highest id a listing shows; 0 for none.
func (l TokenList) newestID() int64 { return max(l.tokens.maxID, 0) }

// ByID returns the token with id.
func (l TokenList) ByID(id int64) (ServerToken, bool) {
	for i, r := range l.tokens.recs {
		if r.id == id {
			return l.tokens.at(i), true
		}
	}
	return ServerToken{}, false
}

// WithValue returns every token whose value is exactly value: values may repeat (two
// tokens of one user can be the same string), so a value alone never names one token.
func (l TokenList) WithValue(value string) []ServerToken {
	var out []ServerToken
	for t := range l.All() {
		if t.Token == value {
			out = append(out, t)
		}
	}
	return out
}

// shows reports whether some token has value.
func (l TokenList) shows(value string) bool {
	for t := range l.All() {
		if t.Token == value {
			return true
		}
	}
	return false
}

// ListServerTokens returns every S2S token of the client's default store (see
// [Store.List]).
func (c *Client) ListServerTokens(ctx context.Context) (TokenList, error) {
	return c.Store(c.cfg.StoreHash).List(ctx)
}

// errShiftedListing marks a listing whose pages do not fit together: tokens were created or
// deleted while it was read. It is read again.
var errShiftedListing = errors.New("the pages do not fit together")

// tokenReader reads GET /backend/tokens of one store with one credential.
type tokenReader struct {
	client *Client
	header http.Header
	store  string
}

// readPage reads one page.
func (r tokenReader) readPage(ctx context.Context, limit, offset int) (TokenPage, error) {
	var reply pageReply
	err := r.client.do(ctx, call{
		method:     http.MethodGet,
		path:       pathBackendTokens,
		query:      url.Values{"limit": {strconv.Itoa(limit)}, "offset": {strconv.Itoa(offset)}},
		header:     r.header,
		store:      r.store,
		resendable: true,
	}, &reply)
	if err != nil {
		return TokenPage{}, err
	}
	return reply.page(limit, offset)
}

// readAll reads every page, again when the pages do not fit together, and returns only a
// listing whose pages do.
func (r tokenReader) readAll(ctx context.Context) (TokenList, error) {
	var shifted error
	for range maxListingAttempts {
		list, err := r.readPages(ctx)
		if !errors.Is(err, errShiftedListing) {
			return list, err
		}
		shifted = err
	}
	return TokenList{}, listingError(0, fmt.Errorf("the token list kept changing while it was read (%d attempts): %w", maxListingAttempts, shifted))
}

// readPages reads the first page, then the rest in waves of concurrent requests, each page
// starting pageOverlap tokens before the previous one ends. It stops at the first short
// page, so a totalCount that does not match the pages costs at most one wave more, and at
// the first page that does not fit (see [pageJoiner.add]).
func (r tokenReader) readPages(ctx context.Context) (TokenList, error) {
	first, err := r.readPage(ctx, MaxPageSize, 0)
	if err != nil {
		return TokenList{}, err
	}
	if len(first.Tokens) < MaxPageSize && first.TotalCount <= len(first.Tokens) {
		return newPageJoiner(first, 0, 0).list() // the whole store on one page
	}
	size := len(first.Tokens) // a server may serve fewer than the limit per page
	step := size - min(pageOverlap, size/2)
	j := newPageJoiner(first, size, step)
	// Every later page must hold tokens up to totalCount and no further (see page), so the
	// first page's totalCount bounds the pages a listing reads: one that promises more
	// than a listing may read is refused now, not after maxListingPages requests.
	if size > 0 && first.TotalCount/step+2 > maxListingPages {
		return TokenList{}, listingError(0, fmt.Errorf("%w: the first page promised %d tokens, more than a listing reads "+
			"(%d pages of %d)", errListingDidNotEnd, first.TotalCount, maxListingPages, size))
	}
	for next := step; size > 0 && isFull(j.last, size) && pageWanted(next, step, first.TotalCount); {
		wave, err := r.readWave(ctx, next, step, size, first.TotalCount)
		if err != nil {
			return TokenList{}, err
		}
		for _, page := range wave {
			if err := j.add(page); err != nil {
				return TokenList{}, err // a server that repeats pages, or a list that changed: stop now, not at the end
			}
		}
		next += step * len(wave)
	}
	return j.list()
}

// pageWanted: pages are read up to totalCount, and one page past it when the last page
// read was full, to see that nothing follows.
func pageWanted(offset, step, total int) bool { return offset < total+step }

func isFull(p TokenPage, size int) bool { return len(p.Tokens) >= size }

// readWave reads up to ListConcurrency pages at once and returns them up to the first
// short one.
func (r tokenReader) readWave(ctx context.Context, from, step, size, total int) ([]TokenPage, error) {
	var offsets []int
	for o := from; len(offsets) < r.client.cfg.ListConcurrency && (o < total || len(offsets) == 0); o += step {
		offsets = append(offsets, o)
	}
	pages := make([]TokenPage, len(offsets))
	g, gctx := errgroup.WithContext(ctx)
	for i, offset := range offsets {
		g.Go(func() error {
			page, err := r.readPage(gctx, MaxPageSize, offset)
			pages[i] = page
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for i, p := range pages {
		if !isFull(p, size) {
			return pages[:i+1], nil
		}
	}
	return pages, nil
}

// errListingDidNotEnd marks a listing that a changing store cannot explain: its pages
// repeat tokens, or go on past what the first page promised. Reading it again would read
// the same, so it is not: the listing fails at once.
var errListingDidNotEnd = errors.New("the listing did not end")

// pageJoiner joins a listing's pages in the API's order as they arrive, keeping the first
// sighting of each id, and checks that they fit together: one totalCount, each page
// beginning with the tokens the one before it ends with (the overlap), the last page short
// (unless size, the page size, is 0: one page that held the whole store), and as many
// tokens as totalCount says.
//
// A page whose overlap does not match, or whose totalCount differs, is a list that changed
// while it was read (errShiftedListing: it is read again). A page whose overlap matches but
// whose other tokens repeat one already seen is not: in any order by a property a token
// keeps (its id, when it was made, its name), tokens created or deleted while the listing
// is read shift the pages, and the overlap check sees that, but never move a token past
// another. Such a page is a server that pages in a circle, or ignores offset from some point
// on: the listing stops there, however large the totalCount it claims.
type pageJoiner struct {
	total, size, step int
	pages             int
	last              TokenPage
	// seen is the offset of the page that first showed each id.
	seen   map[int64]int
	tokens *tokenCollector
}

func newPageJoiner(first TokenPage, size, step int) *pageJoiner {
	n := min(max(first.TotalCount, len(first.Tokens)), 10*MaxPageSize)
	j := &pageJoiner{total: first.TotalCount, size: size, step: step, seen: make(map[int64]int, n),
		tokens: newTokenCollector(n)}
	_ = j.add(first) // the first page sets totalCount and overlaps nothing
	return j
}

// add checks page against the pages before it and joins its tokens.
func (j *pageJoiner) add(page TokenPage) error {
	if page.Paginated && page.TotalCount != j.total {
		return fmt.Errorf("%w: totalCount went from %d to %d", errShiftedListing, j.total, page.TotalCount)
	}
	fresh := page.Tokens
	if j.pages > 0 {
		if !overlapMatches(j.last, page, j.step) {
			return fmt.Errorf("%w: the page at offset %d does not overlap the one before", errShiftedListing, page.Offset)
		}
		fresh = page.Tokens[len(j.last.Tokens)-min(j.step, len(j.last.Tokens)):]
	}
	for _, t := range fresh {
		if at, ok := j.seen[t.ID]; ok {
			if j.pages == 0 {
				continue // a first page that shows a token twice: too few tokens for totalCount, read again
			}
			return j.didNotEnd(fmt.Sprintf("the page at offset %d shows token %d again, after the page at offset %d",
				page.Offset, t.ID, at))
		}
		j.seen[t.ID] = page.Offset
		j.tokens.add(t)
	}
	j.pages++
	j.last = page
	return nil
}

// didNotEnd is the error of a listing stopped for what detail says.
func (j *pageJoiner) didNotEnd(detail string) error {
	return listingError(0, fmt.Errorf("%w: %s; %d pages read (%d tokens), the first page promised %d tokens",
		errListingDidNotEnd, detail, j.pages, j.tokens.len(), j.total))
}

// list is the listing the pages make, once they are all read.
func (j *pageJoiner) list() (TokenList, error) {
	if j.size > 0 && isFull(j.last, j.size) {
		return TokenList{}, j.didNotEnd(fmt.Sprintf("a full page at offset %d is the last read, past them", j.last.Offset))
	}
	if j.tokens.len() != j.total {
		return TokenList{}, fmt.Errorf("%w: %d tokens, totalCount %d", errShiftedListing, j.tokens.len(), j.total)
	}
	return TokenList{TotalCount: j.total, tokens: j.tokens.done(), fits: true}, nil
}

// overlapMatches checks that next begins with the tokens that prev holds from the offset
// where next starts: no token was created or deleted before them between the two reads.
func overlapMatches(prev, next TokenPage, step int) bool {
	shared := prev.Tokens[min(step, len(prev.Tokens)):]
	if len(next.Tokens) < len(shared) {
		return false
	}
	for i, t := range shared {
		if next.Tokens[i].ID != t.ID {
			return false
		}
	}
	return true
}
