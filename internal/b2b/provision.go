package b2b

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

var (
	// ErrTokenNotLocated: the token was created, but no listing showed it, so its id is
	// unknown. The token value is returned with this error so that it is never orphaned.
	ErrTokenNotLocated = errors.New("the created token did not appear in the token list")
	// ErrCreateOutcomeUnknown: the create may have reached the server, and listing the
	// tokens could not tell (no authToken to list with, or other creates kept running).
	ErrCreateOutcomeUnknown = errors.New("the create may have reached BigCommerce, and listing the tokens could not tell whether it did")
	// ErrAmbiguousCreate: after a create whose reply was lost, several new tokens with the
	// same name and email appeared.
	ErrAmbiguousCreate = errors.New("several new tokens match the create whose reply was lost")
)

const maxLocateWait = 8 * time.Second

// ProvisionServerToken creates a token and finds its id in the list, which the create
// reply does not carry. The list is read with the client's authToken when it has one, else
// with the new token itself.
//
// The create is never re-sent once it may have reached the server (no idempotency key,
// and names are not unique). Instead, when the client has an authToken, it lists the
// tokens before the create and, if the reply is lost, adopts the single new token with
// this name and email; none means nothing was created, several is [ErrAmbiguousCreate].
//
// When the token is created but never listed, the returned token carries the value and no
// id, with [ErrTokenNotLocated].
func (c *Client) ProvisionServerToken(ctx context.Context, req CreateServerTokenRequest) (ServerToken, error) {
	var before *TokenList
	if c.HasAuthToken() {
		// Any listing made before the POST tells which tokens existed before it.
		list, err := c.index.Cached(ctx)
		if err != nil {
			return ServerToken{}, err
		}
		before = &list
	}
	created, err := c.CreateServerToken(ctx, req)
	if err != nil {
		if !MayHaveReachedServer(err) {
			return ServerToken{}, err
		}
		if before == nil {
			return ServerToken{}, fmt.Errorf("%w: %w", ErrCreateOutcomeUnknown, err)
		}
		return c.reconcileLostCreate(ctx, req, *before, err)
	}
	token := ServerToken{Name: created.Name, Email: req.Email, StoreHash: req.StoreHash, Token: created.Token}
	if token.Name == "" {
		token.Name = req.Name
	}
	lister, newTokenLists := c, !c.HasAuthToken()
	if newTokenLists {
		lister = c.WithAuthToken(created.Token)
	}
	found, err := lister.pollList(ctx, newTokenLists, func(l TokenList) (ServerToken, bool, error) {
		t, ok := l.ByValue(created.Token)
		return t, ok, nil
	})
	if errors.Is(err, ErrTokenNotLocated) {
		return token, err
	}
	if err != nil {
		return token, fmt.Errorf("%w: %w", ErrTokenNotLocated, err)
	}
	return found, nil
}

func (c *Client) reconcileLostCreate(ctx context.Context, req CreateServerTokenRequest, before TokenList, createErr error) (ServerToken, error) {
	existed := make(map[int64]bool, len(before.Tokens))
	for _, t := range before.Tokens {
		existed[t.ID] = true
	}
	wait := c.cfg.LocateWait
	var epoch uint64
	for attempt := 1; ; attempt++ {
		// Concurrent creates of this client with the same name and email make new tokens
		// too: list once they have returned, so that their tokens are known as theirs.
		if err := c.index.gatherCreates(ctx); err != nil {
			return ServerToken{}, err
		}
		var list TokenList
		var err error
		if attempt == 1 {
			list, epoch, err = c.index.listSince(ctx, &c.index.full, c.index.currentEpoch())
		} else {
			list, epoch, err = c.index.listNewerThan(ctx, epoch)
		}
		if err != nil {
			return ServerToken{}, err
		}
		var fresh []ServerToken
		for _, t := range list.Tokens {
			if !existed[t.ID] && t.Name == req.Name && strings.EqualFold(t.Email, req.Email) {
				fresh = append(fresh, t)
			}
		}
		adopted, ok, others, busy := c.index.adoptUnclaimed(fresh)
		switch {
		case ok:
			return adopted, nil
		case len(others) > 1:
			return ServerToken{}, &Error{Method: http.MethodPost, Path: "/auth/backend",
				Err: fmt.Errorf("%w (ids %s); the create itself failed with: %w", ErrAmbiguousCreate, joinIDs(others), createErr)}
		case attempt >= c.cfg.LocateAttempts && busy:
			return ServerToken{}, fmt.Errorf("%w: other creates kept running while it was checked: %w", ErrCreateOutcomeUnknown, createErr)
		case attempt >= c.cfg.LocateAttempts:
			// No new token after every listing: the failed create created nothing.
			return ServerToken{}, createErr
		}
		if err := sleep(ctx, wait); err != nil {
			return ServerToken{}, err
		}
		wait = min(wait*2, max(maxLocateWait, c.cfg.LocateWait))
	}
}

// pollList lists the tokens until match finds what it looks for, waiting longer after
// each listing, since a new token may show up in the list late. A token that was just
// created may also be refused for a moment as a credential: with newToken, a 401 is
// another reason to wait.
func (c *Client) pollList(ctx context.Context, newToken bool, match func(TokenList) (ServerToken, bool, error)) (ServerToken, error) {
	wait := c.cfg.LocateWait
	var epoch uint64
	for attempt := 1; ; attempt++ {
		var found ServerToken
		var ok bool
		var err error
		if attempt == 1 {
			found, ok, epoch, err = c.index.findCreated(ctx, match)
		} else {
			var list TokenList
			if list, epoch, err = c.index.listNewerThan(ctx, epoch); err == nil {
				found, ok, err = match(list)
			}
		}
		if ok {
			return found, nil
		}
		var apiErr *Error
		if err != nil && (!errors.As(err, &apiErr) || apiErr.Path != "/backend/tokens" ||
			!(newToken && IsUnauthorized(err) && attempt < c.cfg.LocateAttempts)) {
			return ServerToken{}, err
		}
		if attempt >= c.cfg.LocateAttempts {
			return ServerToken{}, &Error{Method: http.MethodGet, Path: "/backend/tokens",
				Err: fmt.Errorf("%w after %d listings", ErrTokenNotLocated, attempt)}
		}
		if err := sleep(ctx, wait); err != nil {
			return ServerToken{}, err
		}
		wait = min(wait*2, max(maxLocateWait, c.cfg.LocateWait))
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func joinIDs(tokens []ServerToken) string {
	ids := make([]string, 0, len(tokens))
	sort.Slice(tokens, func(i, j int) bool { return tokens[i].ID < tokens[j].ID })
	for _, t := range tokens {
		ids = append(ids, strconv.FormatInt(t.ID, 10))
	}
	return strings.Join(ids, ", ")
}
