package b2b

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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
	// maxListingPages bounds a listing of a server whose pages never end (a million tokens).
	maxListingPages = 4000
)

// TokenList is every S2S token of a store, as one listing saw them.
type TokenList struct {
	// Tokens is shared by every caller the listing served: read it, never modify it.
	Tokens []ServerToken
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

	// fits: every page was read and they fit together; Complete also checks credentials.
	fits bool
	// gen is the index generation at which the listing started.
	gen uint64
}

// ByID returns the token with id.
func (l TokenList) ByID(id int64) (ServerToken, bool) {
	for _, t := range l.Tokens {
		if t.ID == id {
			return t, true
		}
	}
	return ServerToken{}, false
}

// WithValue returns every token whose value is exactly value: values may repeat (two
// tokens of one user can be the same string), so a value alone never names one token.
func (l TokenList) WithValue(value string) []ServerToken {
	var out []ServerToken
	for _, t := range l.Tokens {
		if t.Token == value {
			out = append(out, t)
		}
	}
	return out
}

// shows reports whether some token has value.
func (l TokenList) shows(value string) bool {
	for _, t := range l.Tokens {
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
// page, so a totalCount that does not match the pages costs at most one wave more.
func (r tokenReader) readPages(ctx context.Context) (TokenList, error) {
	first, err := r.readPage(ctx, MaxPageSize, 0)
	if err != nil {
		return TokenList{}, err
	}
	pages := []TokenPage{first}
	if len(first.Tokens) < MaxPageSize && first.TotalCount <= len(first.Tokens) {
		return joinPages(pages, first.TotalCount, 0, 0) // the whole store on one page
	}
	size := len(first.Tokens) // a server may serve fewer than the limit per page
	step := size - min(pageOverlap, size/2)
	for next := step; size > 0 && isFull(pages[len(pages)-1], size) && pageWanted(next, step, first.TotalCount); {
		if len(pages) >= maxListingPages {
			return TokenList{}, listingError(0, fmt.Errorf("gave up after %d full pages: the store's token list does not end", len(pages)))
		}
		wave, err := r.readWave(ctx, next, step, size, first.TotalCount)
		if err != nil {
			return TokenList{}, err
		}
		pages = append(pages, wave...)
		next += step * len(wave)
	}
	return joinPages(pages, first.TotalCount, size, step)
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

// joinPages joins pages in the API's order, keeping the first sighting of each id, and
// checks that they fit together: one totalCount, the overlaps equal, the last page
// short (unless size is 0: one page that held the whole store), and as many tokens as
// totalCount says.
func joinPages(pages []TokenPage, total, size, step int) (TokenList, error) {
	seen := make(map[int64]bool, min(total, 10*MaxPageSize))
	list := TokenList{TotalCount: total, Tokens: make([]ServerToken, 0, min(total, 10*MaxPageSize))}
	for i, page := range pages {
		if page.Paginated && page.TotalCount != total {
			return TokenList{}, fmt.Errorf("%w: totalCount went from %d to %d", errShiftedListing, total, page.TotalCount)
		}
		if i > 0 && !overlapMatches(pages[i-1], page, step) {
			return TokenList{}, fmt.Errorf("%w: the page at offset %d does not overlap the one before", errShiftedListing, page.Offset)
		}
		for _, t := range page.Tokens {
			if !seen[t.ID] {
				seen[t.ID] = true
				list.Tokens = append(list.Tokens, t)
			}
		}
	}
	if last := pages[len(pages)-1]; size > 0 && isFull(last, size) {
		return TokenList{}, fmt.Errorf("%w: a full page at offset %d ends the listing, past totalCount %d", errShiftedListing, last.Offset, total)
	}
	if len(list.Tokens) != total {
		return TokenList{}, fmt.Errorf("%w: %d tokens, totalCount %d", errShiftedListing, len(list.Tokens), total)
	}
	list.fits = true
	return list, nil
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
