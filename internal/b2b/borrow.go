package b2b

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sync"
)

// A create needs a complete listing from before it, and a listing needs a credential. When
// the store has none (no auth_token, no access token it accepts, no token of the store in
// the run yet), the run borrows one: a short-lived token made with the same backend user,
// named for what it is, shared by the creates in flight and deleted when the last of them
// is done. Whatever goes wrong with it is named, so that nothing is left unknown.

// BorrowedNamePrefix starts the name of every short-lived token the provider makes to list
// a store that it has no credential for.
const BorrowedNamePrefix = "terraform-b2b-listing-"

type borrowing struct {
	mu      sync.Mutex
	users   int
	token   ServerToken   // ID 0 until the list shows it
	pending PendingCreate // its create, to find it by its name later
	made    chan struct{}
	err     error
	// left are borrowed tokens the list did not show in time to delete them: a later run
	// deletes them ([Store.DeleteLeftover]) once the caller that takes them
	// ([Store.TakeLeftovers]) has kept them.
	left []PendingCreate
}

// borrowIfNeeded borrows a credential when the store has none; release ends the creates'
// use of it and says what the user must know.
func (s *Store) borrowIfNeeded(ctx context.Context, req CreateServerTokenRequest, force bool) (release func() []string, err error) {
	b := &s.borrow
	b.mu.Lock()
	if b.users == 0 && s.HasCredential() && !force {
		b.mu.Unlock()
		return func() []string { return nil }, nil
	}
	b.users++
	first := b.made == nil
	if first {
		b.made = make(chan struct{})
	}
	made := b.made
	b.mu.Unlock()
	if first {
		b.token, b.pending, b.err = s.makeBorrowed(ctx, req)
		close(made)
	}
	select {
	case <-made:
	case <-ctx.Done():
		return nil, s.endBorrow(context.WithoutCancel(ctx), ctx.Err())
	}
	if b.err != nil {
		return nil, s.endBorrow(ctx, b.err)
	}
	return func() []string {
		if err := s.endBorrow(context.WithoutCancel(ctx), nil); err != nil {
			return []string{err.Error()}
		}
		return nil
	}, nil
}

// endBorrow counts a create out; the last one deletes the borrowed token. It returns err,
// or the failure to delete the token.
func (s *Store) endBorrow(ctx context.Context, err error) error {
	b := &s.borrow
	b.mu.Lock()
	b.users--
	if b.users > 0 {
		b.mu.Unlock()
		return err
	}
	token, pending, madeErr := b.token, b.pending, b.err
	b.token, b.pending, b.err, b.made = ServerToken{}, PendingCreate{}, nil, nil
	b.mu.Unlock()
	if madeErr != nil || token.Token == "" {
		return err
	}
	if delErr := s.deleteBorrowed(ctx, token); delErr != nil {
		if errors.Is(delErr, errBorrowedNotListed) {
			b.mu.Lock()
			b.left = append(b.left, pending)
			b.mu.Unlock()
		}
		return delErr
	}
	return err
}

// TakeLeftovers returns, once, the borrowed tokens this run could not delete because the
// list did not show them in time: keep them (their names, never their values), and delete
// them on a later run with [Store.DeleteLeftover].
func (s *Store) TakeLeftovers() []PendingCreate {
	s.borrow.mu.Lock()
	defer s.borrow.mu.Unlock()
	left := s.borrow.left
	s.borrow.left = nil
	return left
}

// DeleteLeftover deletes a borrowed token that an earlier run left, found by its name (no
// other token has it). It reports whether nothing of it is left: deleted now, gone, or never
// made; false while the listings cannot tell (keep it, and try again later).
func (s *Store) DeleteLeftover(ctx context.Context, p PendingCreate) (bool, error) {
	out := s.Reconcile(ctx, p, "")
	switch {
	case out.Located():
		_, err := s.Delete(ctx, out.Token.ID, "")
		return err == nil, err
	case out.Kind == CreateNone:
		return true, nil
	}
	return false, out.Err
}

// makeBorrowed creates the short-lived token and finds its id by its name, which no other
// token has (a random suffix).
func (s *Store) makeBorrowed(ctx context.Context, req CreateServerTokenRequest) (ServerToken, PendingCreate, error) {
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	borrowed := req
	borrowed.Name = BorrowedNamePrefix + hex.EncodeToString(suffix)
	created, sent, err := s.client.createServerToken(ctx, borrowed, nil)
	pending := PendingCreate{Name: borrowed.Name, Email: req.Email, StoreHash: req.StoreHash, Host: s.client.Host(),
		SentAt: sent.At, EndedAt: sent.Ended, UniqueName: true}
	if err != nil && createReached(err, sent) {
		return ServerToken{}, pending, fmt.Errorf("the store has no credential to list its tokens with, so a short-lived token named %q "+
			"was to be made for it, and its create failed in a way that may have made it: delete it if it exists "+
			"(b2b_server_tokens data source, name = %q); nothing else was created: %w", borrowed.Name, borrowed.Name, err)
	}
	if err != nil {
		return ServerToken{}, pending, fmt.Errorf("the store has no credential to list its tokens with, and making a short-lived one "+
			"failed; nothing was created: %w", err)
	}
	s.addToken(created.Token, SourceBorrowed, sent.Ended)
	token := ServerToken{Name: borrowed.Name, Email: req.Email, StoreHash: req.StoreHash, Token: created.Token}
	if created.Name != "" && created.Name != borrowed.Name {
		// The API kept another name (cut short, say), which may have lost the random part: the
		// list shows that one, and it may not tell this token from others any more.
		token.Name, pending.KeptName, pending.UniqueName = created.Name, created.Name, false
	}
	// Not found yet (the list lags, or the listing failed): found when it is deleted, and
	// the listings of the creates say what fails.
	token.ID = s.newestID(ctx, token)
	return token, pending, nil
}

// newestID is the id of the token just made with the name and value of token, from the
// newest end of the list, where it is whatever the store's size; 0 when it is not shown.
func (s *Store) newestID(ctx context.Context, token ServerToken) int64 {
	list, err := s.tailAbove(ctx, math.MaxInt64)
	if errors.Is(err, errOrderUnknown) {
		list, err = s.index.current(ctx)
	}
	if err != nil {
		return 0
	}
	for _, t := range list.WithValue(token.Token) {
		if t.Name == token.Name {
			return t.ID
		}
	}
	return 0
}

// deleteBorrowed deletes the short-lived token, finding its id first if need be.
func (s *Store) deleteBorrowed(ctx context.Context, token ServerToken) error {
	ctx, cancel := context.WithTimeout(ctx, 4*s.client.cfg.RequestTimeout)
	defer cancel()
	if token.ID == 0 {
		token.ID = s.newestID(ctx, token)
	}
	if token.ID == 0 {
		return fmt.Errorf("%w: a short-lived token named %q, made to list the store's tokens, is not listed yet, so it could "+
			"not be deleted; the resource's state records it (its name, not its value), and a later apply deletes it",
			errBorrowedNotListed, token.Name)
	}
	if _, err := s.Delete(ctx, token.ID, token.Token); err != nil {
		return fmt.Errorf("a short-lived token named %q (id %d), made to list the store's tokens, could not be deleted: "+
			"delete it: %w", token.Name, token.ID, err)
	}
	return nil
}

// errBorrowedNotListed: the list did not show a borrowed token in time to delete it.
var errBorrowedNotListed = errors.New("borrowed credential not listed yet")

// listingError is the error of GET /backend/tokens with the HTTP status (0: none) and cause.
func listingError(status int, cause error) *Error {
	return &Error{Method: http.MethodGet, Path: pathBackendTokens, StatusCode: status, Err: cause}
}
