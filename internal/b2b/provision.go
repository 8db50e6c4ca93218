package b2b

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

var (
	// ErrTokenNotLocated: the token was created, but no listing showed it, so its id is
	// unknown. The token value is returned with this error so that it is never orphaned.
	ErrTokenNotLocated = errors.New("the created token did not appear in the token list")
	// ErrCreateOutcomeUnknown: the create may have reached the server, and listing the
	// tokens could not tell whether it made a token. The error names the candidates.
	ErrCreateOutcomeUnknown = errors.New("the create may have reached BigCommerce, and listing the tokens could not tell whether it did")
	// ErrAmbiguousCreate: after a create whose reply was lost, several new tokens with the
	// same name and email appeared.
	ErrAmbiguousCreate = errors.New("several new tokens match the create whose reply was lost")
)

const maxLocateWait = 8 * time.Second

// reconcileFreshness bounds the age of the listing that tells which tokens existed before
// a create: a token someone else makes with the same name and email after that listing
// and before the create's reply was lost would be taken for the lost one.
const reconcileFreshness = 15 * time.Second

// ProvisionServerToken creates a token in req.StoreHash and finds its id (see
// [Store.Provision]).
func (c *Client) ProvisionServerToken(ctx context.Context, req CreateServerTokenRequest) (ServerToken, error) {
	return c.Store(req.StoreHash).Provision(ctx, req)
}

// Provision creates a token and finds its id in the list, which the create reply does not
// carry. The list is read with any credential of the store, the new token included.
//
// The create is never re-sent once it may have reached the server (no idempotency key, and
// names are not unique): a lost reply is reconciled instead (see reconcileLostCreate).
// When the token is created but never listed, the returned token carries the value and no
// id, with [ErrTokenNotLocated].
func (s *Store) Provision(ctx context.Context, req CreateServerTokenRequest) (ServerToken, error) {
	before, err := s.listBeforeCreate(ctx)
	if err != nil {
		return ServerToken{}, err
	}
	created, err := s.client.CreateServerToken(ctx, req)
	if err != nil {
		if !MayHaveReachedServer(err) {
			return ServerToken{}, err
		}
		return s.reconcileLostCreate(ctx, req, before, err)
	}
	s.addToken(created.Token, SourceNewToken, true)
	found, err := s.locate(ctx, created.Token)
	if err == nil {
		return found, nil
	}
	token := ServerToken{Name: created.Name, Email: req.Email, StoreHash: req.StoreHash, Token: created.Token}
	if token.Name == "" {
		token.Name = req.Name
	}
	if !errors.Is(err, ErrTokenNotLocated) {
		err = fmt.Errorf("%w: %w", ErrTokenNotLocated, err)
	}
	return token, err
}

// listBeforeCreate is a recent complete listing, or nil when the store has no credential
// that can make one.
func (s *Store) listBeforeCreate(ctx context.Context) (*TokenList, error) {
	if !s.HasCredential() {
		return nil, nil
	}
	if !s.index.hasRecent(reconcileFreshness) {
		// A listing made while this client's own creates land is shifted by them and read
		// again: let them return first.
		if err := s.index.gatherCreates(ctx); err != nil {
			return nil, err
		}
	}
	list, err := s.index.Recent(ctx, reconcileFreshness)
	if IsCredentialRefused(err) || errors.Is(err, ErrNoAuthToken) {
		return nil, nil // every credential refused: decide without it
	}
	if err != nil || !list.Complete {
		return nil, err
	}
	return &list, nil
}

// locate finds a token just created, by its value. The new token may be refused as a
// credential for a moment: a 401 is polled past like a list that does not show it yet.
func (s *Store) locate(ctx context.Context, value string) (ServerToken, error) {
	shows := func(l TokenList) bool { _, ok := l.ByValue(value); return ok }
	poll := s.newPoll(func(ctx context.Context) (TokenList, uint64, error) { return s.index.listForCreated(ctx, shows) })
	for {
		list, err := poll.next(ctx)
		if found, ok := list.ByValue(value); ok {
			return found, nil
		}
		refusedForAMoment := IsUnauthorized(err) && !poll.exhausted()
		if err != nil && !refusedForAMoment {
			return ServerToken{}, err
		}
		if poll.exhausted() {
			return ServerToken{}, listingError(0, fmt.Errorf("%w after %d listings", ErrTokenNotLocated, poll.attempt))
		}
		if err := poll.pause(ctx); err != nil {
			return ServerToken{}, err
		}
	}
}

// reconcileLostCreate finds out what a create whose reply was lost did. With a listing
// from before the create, it adopts the single new token with this name and email: none
// means nothing was created, several is [ErrAmbiguousCreate]. Without one, it names the
// candidates ([ErrCreateOutcomeUnknown]) rather than guess.
func (s *Store) reconcileLostCreate(ctx context.Context, req CreateServerTokenRequest, before *TokenList, createErr error) (ServerToken, error) {
	if ctx.Err() != nil {
		return ServerToken{}, interruptedCreate(req, createErr)
	}
	if !s.HasCredential() {
		cleanup, err := s.borrowCredential(ctx, req)
		if err != nil {
			return ServerToken{}, fmt.Errorf("%w; no credential of the store could be had to find out: %w; the create failed with: %w",
				ErrCreateOutcomeUnknown, err, createErr)
		}
		defer cleanup()
	}
	token, err := s.findLostToken(ctx, req, before, createErr)
	if ctx.Err() != nil && err != nil {
		return ServerToken{}, interruptedCreate(req, createErr)
	}
	return token, err
}

func interruptedCreate(req CreateServerTokenRequest, createErr error) error {
	return fmt.Errorf("%w: interrupted before its reply arrived, so a token named %q (email %s) may exist in store %s. "+
		"Find its id with the b2b_server_tokens data source (filter name = %q), then import it, or delete it: %w",
		ErrCreateOutcomeUnknown, req.Name, req.Email, req.StoreHash, req.Name, createErr)
}

// findLostToken polls the list for new tokens with the request's name and email, and
// decides as reconcileLostCreate says.
func (s *Store) findLostToken(ctx context.Context, req CreateServerTokenRequest, before *TokenList, createErr error) (ServerToken, error) {
	isNew := newTokenFilter(req, before)
	poll := s.newPoll(s.index.listCurrent)
	var candidates []ServerToken
	for {
		// Concurrent creates of this client with the same name and email make new tokens
		// too: list once they have returned, so that their tokens are known as theirs.
		if err := s.index.gatherCreates(ctx); err != nil {
			return ServerToken{}, err
		}
		list, err := poll.next(ctx)
		if err != nil {
			return ServerToken{}, fmt.Errorf("%w: a token named %q (email %s) may exist in store %s, and listing the tokens "+
				"to find out failed: %w; the create failed with: %w", ErrCreateOutcomeUnknown, req.Name, req.Email, req.StoreHash, err, createErr)
		}
		fresh := isNew(list)
		if before == nil {
			// Nothing can be adopted without a listing from before: once the candidates show
			// and no create of this client is in flight, there is nothing more to learn.
			if candidates = s.index.unclaimed(fresh); len(candidates) > 0 && !s.index.creatingNow() {
				break
			}
		} else if token, decided, err := s.adoptSole(fresh, poll.exhausted(), createErr); decided {
			return token, err
		}
		if poll.exhausted() {
			break
		}
		if err := poll.pause(ctx); err != nil {
			return ServerToken{}, err
		}
	}
	if len(candidates) > 0 {
		return ServerToken{}, fmt.Errorf("%w: no listing from before the create tells which tokens are new. Tokens named %q for %s "+
			"that this run did not create: id %s. If one of them did not exist before this apply, it is the one: import it "+
			"with that id instead of applying again; the create failed with: %w",
			ErrCreateOutcomeUnknown, req.Name, req.Email, joinIDs(candidates), createErr)
	}
	// No new token after every listing: the failed create created nothing.
	return ServerToken{}, createErr
}

// newTokenFilter returns the tokens of a listing that have req's name and email (in any
// case) and are not in before.
func newTokenFilter(req CreateServerTokenRequest, before *TokenList) func(TokenList) []ServerToken {
	existed := map[int64]bool{}
	if before != nil {
		for _, t := range before.Tokens {
			existed[t.ID] = true
		}
	}
	return func(list TokenList) []ServerToken {
		var fresh []ServerToken
		for _, t := range list.Tokens {
			if !existed[t.ID] && t.Name == req.Name && strings.EqualFold(t.Email, req.Email) {
				fresh = append(fresh, t)
			}
		}
		return fresh
	}
}

// adoptSole adopts the one new token that no create of this client claims; decided is
// false while that may still change.
func (s *Store) adoptSole(fresh []ServerToken, lastAttempt bool, createErr error) (token ServerToken, decided bool, err error) {
	claim := s.index.claimSole(fresh)
	switch {
	case claim.adopted != nil:
		return *claim.adopted, true, nil
	case len(claim.free) > 1:
		return ServerToken{}, true, &Error{Method: http.MethodPost, Path: pathBackendAuth,
			Err: fmt.Errorf("%w (ids %s); the create itself failed with: %w", ErrAmbiguousCreate, joinIDs(claim.free), createErr)}
	case lastAttempt && claim.busy:
		return ServerToken{}, true, fmt.Errorf("%w: other creates kept running while it was checked: %w", ErrCreateOutcomeUnknown, createErr)
	}
	return ServerToken{}, false, nil
}

// borrowCredential creates a short-lived token with the user's credentials, for a store
// whose run knows no other, and returns how to delete it.
func (s *Store) borrowCredential(ctx context.Context, req CreateServerTokenRequest) (func(), error) {
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	borrowed := req
	borrowed.Name = "terraform-b2b-reconcile-" + hex.EncodeToString(suffix)
	created, err := s.client.CreateServerToken(ctx, borrowed)
	if MayHaveReachedServer(err) {
		return nil, fmt.Errorf("a short-lived token named %q may have been made to find out; delete it if it exists: %w", borrowed.Name, err)
	}
	if err != nil {
		return nil, err
	}
	s.addToken(created.Token, SourceNewToken, true)
	return func() {
		cleanupCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*s.client.cfg.RequestTimeout)
		defer cancel()
		if t, err := s.locate(cleanupCtx, created.Token); err == nil {
			_ = s.DeleteToken(cleanupCtx, t.ID, created.Token)
		}
	}, nil
}

// tokenPoll lists a store's tokens up to LocateAttempts times, each listing started after
// the one before and the wait between them doubling: the list may show a new token late.
type tokenPoll struct {
	index   *TokenIndex
	first   func(context.Context) (TokenList, uint64, error)
	attempt int
	limit   int
	epoch   uint64 // of the latest listing
	wait    time.Duration
	maxWait time.Duration
}

// newPoll returns a poll whose first listing is made by first.
func (s *Store) newPoll(first func(context.Context) (TokenList, uint64, error)) *tokenPoll {
	cfg := s.client.cfg
	return &tokenPoll{index: s.index, first: first, limit: cfg.LocateAttempts, wait: cfg.LocateWait, maxWait: max(maxLocateWait, cfg.LocateWait)}
}

// next makes the next listing.
func (p *tokenPoll) next(ctx context.Context) (TokenList, error) {
	p.attempt++
	var list TokenList
	var err error
	if p.attempt == 1 {
		list, p.epoch, err = p.first(ctx)
	} else {
		list, p.epoch, err = p.index.listNewerThan(ctx, p.epoch)
	}
	return list, err
}

// exhausted reports whether the latest listing was the last one allowed.
func (p *tokenPoll) exhausted() bool { return p.attempt >= p.limit }

// pause waits before the next listing.
func (p *tokenPoll) pause(ctx context.Context) error {
	err := sleep(ctx, p.wait)
	p.wait = min(p.wait*2, p.maxWait)
	return err
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

// joinIDs lists the tokens' ids in ascending order, without reordering its argument.
func joinIDs(tokens []ServerToken) string {
	ids := make([]int64, 0, len(tokens))
	for _, t := range tokens {
		ids = append(ids, t.ID)
	}
	slices.Sort(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
}
