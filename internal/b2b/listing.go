package b2b

import (
	"context"
	"fmt"
	"net/http"
)

// MaxPageSize is the largest limit GET /backend/tokens accepts.
const MaxPageSize = 250

const maxListingRestarts = 3

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

// ListServerTokens reads every page of GET /backend/tokens. Tokens created or deleted while
// it pages shift the offsets; it de-duplicates by id and starts over when totalCount
// changed, so a complete listing never misses a token that existed throughout.
func (c *Client) ListServerTokens(ctx context.Context) (TokenList, error) {
	for range maxListingRestarts {
		list, stable, err := c.listOnce(ctx)
		if err != nil || stable {
			return list, err
		}
	}
	return TokenList{}, &Error{Method: http.MethodGet, Path: "/backend/tokens",
		Err: fmt.Errorf("the token list kept changing while it was read (%d attempts)", maxListingRestarts)}
}

func (c *Client) listOnce(ctx context.Context) (TokenList, bool, error) {
	first, err := c.ListServerTokensPage(ctx, MaxPageSize, 0)
	if err != nil {
		return TokenList{}, false, err
	}
	seen := make(map[int64]bool, first.TotalCount)
	list := TokenList{TotalCount: first.TotalCount}
	add := func(tokens []ServerToken) {
		for _, t := range tokens {
			if !seen[t.ID] {
				seen[t.ID] = true
				list.Tokens = append(list.Tokens, t)
			}
		}
	}
	add(first.Tokens)
	for offset := len(first.Tokens); offset < first.TotalCount; {
		page, err := c.ListServerTokensPage(ctx, MaxPageSize, offset)
		if err != nil {
			return TokenList{}, false, err
		}
		if page.TotalCount != first.TotalCount {
			return TokenList{}, false, nil
		}
		if len(page.Tokens) == 0 {
			break
		}
		add(page.Tokens)
		offset += len(page.Tokens)
	}
	return list, true, nil
}
