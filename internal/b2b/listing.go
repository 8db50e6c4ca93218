package b2b

import (
	"context"
	"fmt"
	"net/http"

	"golang.org/x/sync/errgroup"
)

// MaxPageSize is the largest limit GET /backend/tokens accepts.
const MaxPageSize = 250

// DefaultListConcurrency bounds the pages of one listing fetched at once.
const DefaultListConcurrency = 8

const maxListingAttempts = 3

// TokenList is every S2S token of a store, as one complete listing saw them.
type TokenList struct {
	Tokens []ServerToken
	// TotalCount is the API's totalCount: how many tokens the store holds.
	TotalCount int
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

// ByValue returns the token whose value is exactly value.
func (l TokenList) ByValue(value string) (ServerToken, bool) {
	for _, t := range l.Tokens {
		if t.Token == value {
			return t, true
		}
	}
	return ServerToken{}, false
}

// ListServerTokens returns every S2S token of the store. Concurrent callers share one
// listing, and a listing serves every caller until this client creates or deletes a token
// (see [TokenIndex]).
func (c *Client) ListServerTokens(ctx context.Context) (TokenList, error) {
	return c.index.List(ctx)
}

// listAll reads every page of GET /backend/tokens: the first, then the rest concurrently.
// Tokens created or deleted while it pages shift the offsets, so it de-duplicates by id
// and reads again unless every page reported the same totalCount and the pages hold
// exactly that many tokens: a listing that does not add up is never taken as complete,
// since a reader could conclude from it that a token is gone.
func (c *Client) listAll(ctx context.Context) (TokenList, error) {
	for range maxListingAttempts {
		list, consistent, err := c.readPages(ctx)
		if err != nil || consistent {
			return list, err
		}
	}
	return TokenList{}, &Error{Method: http.MethodGet, Path: "/backend/tokens",
		Err: fmt.Errorf("the token list kept changing while it was read (%d attempts)", maxListingAttempts)}
}

// listHead reads the first page only: the newest tokens.
func (c *Client) listHead(ctx context.Context) (TokenList, error) {
	page, err := c.ListServerTokensPage(ctx, MaxPageSize, 0)
	return TokenList{Tokens: page.Tokens, TotalCount: page.TotalCount}, err
}

func (c *Client) readPages(ctx context.Context) (TokenList, bool, error) {
	first, err := c.ListServerTokensPage(ctx, MaxPageSize, 0)
	if err != nil {
		return TokenList{}, false, err
	}
	total := first.TotalCount
	// A server may serve fewer than the limit per page; the first page shows how many.
	step := len(first.Tokens)
	if step == 0 || step >= total {
		return collect([]TokenPage{first}, total)
	}
	pages := []TokenPage{first}
	for offset := step; offset < total; offset += step {
		pages = append(pages, TokenPage{Offset: offset})
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.cfg.ListConcurrency)
	for i := 1; i < len(pages); i++ {
		g.Go(func() error {
			page, err := c.ListServerTokensPage(gctx, MaxPageSize, pages[i].Offset)
			pages[i] = page
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return TokenList{}, false, err
	}
	return collect(pages, total)
}

// collect joins pages in the API's order, keeping the first sighting of each id, and
// reports whether they add up to a consistent listing.
func collect(pages []TokenPage, total int) (TokenList, bool, error) {
	seen := make(map[int64]bool, min(total, 10*MaxPageSize))
	list := TokenList{TotalCount: total, Tokens: make([]ServerToken, 0, min(total, 10*MaxPageSize))}
	consistent := true
	for _, page := range pages {
		consistent = consistent && page.TotalCount == total
		for _, t := range page.Tokens {
			if !seen[t.ID] {
				seen[t.ID] = true
				list.Tokens = append(list.Tokens, t)
			}
		}
	}
	return list, consistent && len(list.Tokens) == total, nil
}
