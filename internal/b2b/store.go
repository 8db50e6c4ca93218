package b2b

import (
	"context"
	"fmt"
	"net/http"
)

// Store is one BigCommerce store as this client sees it: the credentials that may list and
// delete its S2S tokens, and the token index that all reads of the store share. Every
// valid S2S token of a store can list all of that store's tokens, so one listing serves
// every caller whichever credential makes it.
type Store struct {
	client *Client
	hash   string
	creds  credentialSet
	index  *TokenIndex
}

// Store returns the view of the store with this hash, the same one for every caller.
func (c *Client) Store(hash string) *Store {
	c.storesMu.Lock()
	defer c.storesMu.Unlock()
	if s, ok := c.stores[hash]; ok {
		return s
	}
	s := &Store{client: c, hash: hash}
	s.index = newTokenIndex(s.readAll, s.readHead, c.cfg.RequestTimeout)
	if c.cfg.AccessToken != "" && hash != "" && hash == c.cfg.StoreHash {
		s.creds.add(credential{value: c.cfg.AccessToken, source: SourceAccessToken, accessToken: true})
	}
	if c.cfg.AuthToken != "" && c.belongsTo(c.cfg.AuthToken, hash) {
		s.creds.add(credential{value: c.cfg.AuthToken, source: SourceAuthToken})
	}
	c.stores[hash] = s
	return s
}

// belongsTo reports whether an S2S token may serve as a credential of the store: its JWT
// store_hash claim names it, or, for a token without one, it is the client's store (or
// the client has none).
func (c *Client) belongsTo(token, hash string) bool {
	if claimed, ok := TokenStoreHash(token); ok {
		return claimed == hash
	}
	return c.cfg.StoreHash == "" || c.cfg.StoreHash == hash
}

// Hash is the store's hash.
func (s *Store) Hash() string { return s.hash }

// AddToken makes an S2S token of this store a credential for its listings and deletes. A
// token whose claim names another store is refused (false): it is never sent there.
func (s *Store) AddToken(token string) bool {
	return s.addToken(token, SourceOwnToken, false)
}

func (s *Store) addToken(token, source string, fresh bool) bool {
	if token == "" || !s.client.belongsTo(token, s.hash) {
		return false
	}
	return s.creds.add(credential{value: token, source: source, fresh: fresh, listed: true})
}

// HasCredential reports whether any credential of the store is left to try.
func (s *Store) HasCredential() bool { return len(s.creds.usable()) > 0 }

// Refused reports whether the API has refused token as a credential during this run.
func (s *Store) Refused(token string) bool { return s.creds.isRefused(token) }

// List returns a complete listing of the store's tokens that started after the last change
// this client made to it; concurrent callers share one. Its way down: [TokenIndex.List]
// shares the listing → Store.readAll picks the credential → tokenReader.readAll reads the
// pages until they fit together.
func (s *Store) List(ctx context.Context) (TokenList, error) {
	return s.index.List(ctx)
}

// Delete deletes the token with id (DELETE /auth/backend, the id in the JSON body).
func (s *Store) Delete(ctx context.Context, id int64) error {
	defer s.index.Changed()
	return s.withCredential(ctx, http.MethodDelete, pathBackendAuth, func(cr credential) error {
		return s.client.deleteServerToken(ctx, cr.header(s.hash), s.hash, id)
	})
}

// DeleteToken deletes the token with id whose value is value. After the configured
// credentials, the token itself authenticates its own delete: no other delete will have
// deleted it meanwhile. While it is being deleted, other deletes try it last, and once it
// is gone it is no credential.
func (s *Store) DeleteToken(ctx context.Context, id int64, value string) error {
	done := s.creds.retire(value)
	defer s.index.Changed()
	err := s.withCredentialFirst(ctx, value, http.MethodDelete, pathBackendAuth, func(cr credential) error {
		return s.client.deleteServerToken(ctx, cr.header(s.hash), s.hash, id)
	})
	done(err == nil || IsNotFound(err))
	return err
}

// withCredential runs try with each usable credential in turn until one is not refused. A
// refused credential is skipped for the rest of the run, except a token created in this
// run, which the API may not accept yet.
func (s *Store) withCredential(ctx context.Context, method, path string, try func(credential) error) error {
	return s.withCredentialFirst(ctx, "", method, path, try)
}

// withCredentialFirst is withCredential with the S2S token first tried right after the
// configured credentials (auth_token, access_token).
func (s *Store) withCredentialFirst(ctx context.Context, first, method, path string, try func(credential) error) error {
	skipped := map[string]bool{}
	var refusal error
	for {
		cr, ok := s.nextCredential(skipped, first)
		if !ok {
			if refusal != nil {
				return refusal
			}
			return &Error{Method: method, Path: path, Err: ErrNoAuthToken}
		}
		err := try(cr)
		if err == nil || !cr.refusedBy(err) || ctx.Err() != nil {
			return err
		}
		refusal = withCredentialSource(err, cr.source)
		skipped[cr.value] = true
		if !cr.fresh {
			s.creds.refuse(cr.value)
		}
	}
}

func (s *Store) nextCredential(skipped map[string]bool, first string) (credential, bool) {
	usable := s.creds.usable()
	for _, cr := range usable {
		if !skipped[cr.value] && (cr.configured() || cr.value == first) {
			return cr, true
		}
	}
	for _, cr := range usable {
		if !skipped[cr.value] {
			return cr, true
		}
	}
	return credential{}, false
}

func withCredentialSource(err error, source string) error {
	if apiErr, ok := err.(*Error); ok {
		copied := *apiErr
		copied.Credential = source
		return &copied
	}
	return fmt.Errorf("%s: %w", source, err)
}

// readAll reads every page with the first credential the API accepts. A listing made with
// an S2S token that does not show that token itself is not complete.
func (s *Store) readAll(ctx context.Context) (TokenList, error) {
	var list TokenList
	err := s.withCredential(ctx, http.MethodGet, pathBackendTokens, func(cr credential) error {
		var err error
		list, err = s.reader(cr).readAll(ctx)
		if err == nil && cr.listed {
			if _, ok := list.ByValue(cr.value); !ok {
				list.Complete = false
			}
		}
		return err
	})
	return list, err
}

// readHead reads the first page with the first credential the API accepts.
func (s *Store) readHead(ctx context.Context) (TokenList, error) {
	var list TokenList
	err := s.withCredential(ctx, http.MethodGet, pathBackendTokens, func(cr credential) error {
		var err error
		list, err = s.reader(cr).readHead(ctx)
		return err
	})
	return list, err
}

func (s *Store) reader(cr credential) tokenReader {
	return tokenReader{client: s.client, header: cr.header(s.hash), store: s.hash}
}
