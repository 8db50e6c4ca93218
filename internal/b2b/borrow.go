package b2b

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
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
	mu    sync.Mutex
	users int
	token ServerToken // ID 0 until the list shows it
	made  chan struct{}
	err   error
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
		b.token, b.err = s.makeBorrowed(ctx, req)
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
	token, madeErr := b.token, b.err
	b.token, b.err, b.made = ServerToken{}, nil, nil
	b.mu.Unlock()
	if madeErr != nil || token.Token == "" {
		return err
	}
	if delErr := s.deleteBorrowed(ctx, token); delErr != nil {
		return delErr
	}
	return err
}

// makeBorrowed creates the short-lived token and finds its id by its name, which no other
// token has (a random suffix).
func (s *Store) makeBorrowed(ctx context.Context, req CreateServerTokenRequest) (ServerToken, error) {
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	borrowed := req
	borrowed.Name = BorrowedNamePrefix + hex.EncodeToString(suffix)
	created, sent, err := s.client.createServerToken(ctx, borrowed, nil)
	if err != nil && createReached(err, sent) {
		return ServerToken{}, fmt.Errorf("the store has no credential to list its tokens with, so a short-lived token named %q "+
			"was to be made for it, and its create failed in a way that may have made it: delete it if it exists "+
			"(b2b_server_tokens data source, name = %q); nothing else was created: %w", borrowed.Name, borrowed.Name, err)
	}
	if err != nil {
		return ServerToken{}, fmt.Errorf("the store has no credential to list its tokens with, and making a short-lived one "+
			"failed; nothing was created: %w", err)
	}
	s.addToken(created.Token, SourceBorrowed, sent.Ended)
	token := ServerToken{Name: borrowed.Name, Email: req.Email, StoreHash: req.StoreHash, Token: created.Token}
	list, err := s.index.current(ctx)
	for _, t := range list.WithValue(created.Token) {
		if t.Name == borrowed.Name {
			token.ID = t.ID
		}
	}
	if err != nil && token.ID == 0 {
		return token, nil // the listings of the creates say what fails; the token is deleted after them
	}
	return token, nil
}

// deleteBorrowed deletes the short-lived token, finding its id first if need be.
func (s *Store) deleteBorrowed(ctx context.Context, token ServerToken) error {
	ctx, cancel := context.WithTimeout(ctx, 4*s.client.cfg.RequestTimeout)
	defer cancel()
	if token.ID == 0 {
		if list, err := s.index.current(ctx); err == nil {
			for _, t := range list.WithValue(token.Token) {
				if t.Name == token.Name {
					token.ID = t.ID
				}
			}
		}
	}
	if token.ID == 0 {
		return fmt.Errorf("a short-lived token named %q, made to list the store's tokens, could not be found to delete it: "+
			"delete it (b2b_server_tokens data source, name = %q)", token.Name, token.Name)
	}
	if _, err := s.Delete(ctx, token.ID, token.Token); err != nil {
		return fmt.Errorf("a short-lived token named %q (id %d), made to list the store's tokens, could not be deleted: "+
			"delete it: %w", token.Name, token.ID, err)
	}
	return nil
}

// listingError is the error of GET /backend/tokens with the HTTP status (0: none) and cause.
func listingError(status int, cause error) *Error {
	return &Error{Method: http.MethodGet, Path: pathBackendTokens, StatusCode: status, Err: cause}
}
