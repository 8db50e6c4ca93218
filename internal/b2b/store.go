package b2b

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Store is one BigCommerce store as this client sees it: the credentials that may list and
// delete its S2S tokens, and the token index that all reads of the store share. Every
// valid S2S token of a store can list all of that store's tokens, so one listing serves
// every caller whichever credential makes it.
type Store struct {
	client *Client
	hash   string
	creds  *credentialSet
	index  *TokenIndex
	borrow borrowing
	// deleted are the ids this run's deletes removed: the API's own reply proves them gone.
	deleted sync.Map
}

// Store returns the view of the store with this hash, the same one for every caller.
func (c *Client) Store(hash string) *Store {
	c.storesMu.Lock()
	defer c.storesMu.Unlock()
	if s, ok := c.stores[hash]; ok {
		return s
	}
	s := &Store{client: c, hash: hash, creds: &credentialSet{clock: c.cfg.Clock, lag: c.cfg.ListLag}}
	s.index = newTokenIndex(s.readAll, s.readPage, c.cfg.Clock, c.cfg.RequestTimeout)
	if c.cfg.AccessToken != "" && hash != "" && hash == c.cfg.StoreHash {
		s.creds.add(credential{value: c.cfg.AccessToken, source: SourceAccessToken, accessToken: true}, time.Time{})
	}
	if c.cfg.AuthToken != "" && c.belongsTo(c.cfg.AuthToken, hash) {
		s.creds.add(credential{value: c.cfg.AuthToken, source: SourceAuthToken}, time.Time{})
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

// AddToken makes an S2S token of this store a credential for its listings and deletes.
// madeAt is the API host it was made at ([Client.Host]; "" when unknown, taken for this
// client's): a token is sent only to that host, and one whose claim names another store
// is never sent here. It reports whether the token is a credential now.
func (s *Store) AddToken(token, madeAt string) bool {
	if s.client.MadeHere(madeAt) != nil {
		return false
	}
	return s.addToken(token, SourceOwnToken, time.Time{})
}

func (s *Store) addToken(token, source string, madeAt time.Time) bool {
	if token == "" || !s.client.belongsTo(token, s.hash) {
		return false
	}
	s.creds.add(credential{value: token, source: source}, madeAt)
	return true
}

// HasCredential reports whether any credential of the store is left to try.
func (s *Store) HasCredential() bool { return len(s.creds.usable(order{}, nil)) > 0 }

// HasConfiguredCredential reports whether the provider's auth_token or access token is
// there to try: reads that have no token of their own need one, so that what they find
// never depends on what other reads of the run learned first.
func (s *Store) HasConfiguredCredential() bool { return s.creds.hasConfigured() }

// RefusedConfigured names the configured credentials (auth_token, access_token) that the
// API refused as invalid in this run, even where another credential then did the work.
func (s *Store) RefusedConfigured() []string { return s.creds.refusedConfiguredSources() }

// List returns a complete listing of the store's tokens that started after the last change
// this client made to it; concurrent callers share one. Its Complete says whether it can
// be evidence of absence.
func (s *Store) List(ctx context.Context) (TokenList, error) {
	list, err := s.index.current(ctx)
	return s.judged(list), err
}

// judged sets Complete: the pages fit together, and the listing shows every S2S credential
// of the store the run holds as valid.
func (s *Store) judged(list TokenList) TokenList {
	list.Complete = list.fits
	if list.above > 0 {
		// The newest end of the list: the credentials held may be older than what it shows.
		return list
	}
	for _, value := range s.creds.heldValid(list.Started) {
		list.Complete = list.Complete && list.shows(value)
	}
	return list
}

// readAll reads every page with the first credential the API accepts.
func (s *Store) readAll(ctx context.Context) (TokenList, error) {
	var list TokenList
	err := s.withCredential(ctx, order{}, http.MethodGet, pathBackendTokens, func(cr credential) error {
		var err error
		list, err = s.reader(cr).readAll(ctx)
		return err
	})
	return list, err
}

// readPage reads one page with the first credential the API accepts.
func (s *Store) readPage(ctx context.Context, offset int) (TokenPage, error) {
	var page TokenPage
	err := s.withCredential(ctx, order{}, http.MethodGet, pathBackendTokens, func(cr credential) error {
		var err error
		page, err = s.reader(cr).readPage(ctx, MaxPageSize, offset)
		return err
	})
	return page, err
}

func (s *Store) reader(cr credential) tokenReader {
	return tokenReader{client: s.client, header: cr.header(s.hash), store: s.hash}
}

// ErrNoCredential is returned by calls that need a credential for the S2S endpoints when the
// store has none left: no auth_token, no access token the API accepts for them, and no S2S
// token of the store that this run knows.
var ErrNoCredential = errors.New("no credential to list or delete the store's server tokens with")

// withCredential runs try with each usable credential in turn until the API accepts one. A
// credential the API refuses in its own envelope is tried once more, then left out for the
// rest of the run (unless this client made it moments ago); a 401 or 403 page from a
// gateway moves on to the next credential but concludes nothing. The error when every
// credential failed names the last one tried; its Credential is set only when the API itself
// refused them all.
func (s *Store) withCredential(ctx context.Context, o order, method, path string, try func(credential) error) error {
	skipped := map[string]bool{}
	var last error
	allRefused := true
	for {
		usable := s.creds.usable(o, skipped)
		if len(usable) == 0 {
			if last == nil {
				return &Error{Method: method, Path: path, Err: ErrNoCredential}
			}
			return last
		}
		cr := usable[0]
		err := try(cr)
		v := judgeCredential(err, cr)
		if v == verdictRefused && hasStatus(err, http.StatusUnauthorized) && ctx.Err() == nil {
			err = try(cr) // "invalid" decides for the whole run: once more to be sure
			v = judgeCredential(err, cr)
		}
		switch v {
		case verdictAccepted:
			s.creds.accepted(cr.value)
			return err
		case verdictRefused:
			proven := s.creds.refused(cr.value, hasStatus(err, http.StatusUnauthorized))
			allRefused = allRefused && proven
			last = withCredentialSource(err, cr.source, allRefused)
		case verdictDoubtful:
			allRefused = false
			last = withCredentialSource(err, cr.source, false)
		default:
			return err
		}
		if ctx.Err() != nil {
			return last
		}
		skipped[cr.value] = true
	}
}

func hasStatus(err error, status int) bool {
	var apiErr *Error
	return errors.As(err, &apiErr) && apiErr.Status() == status
}

// withCredentialSource names the credential a refusal was for; refusedByAPI marks the error
// as proof that the API refused every credential tried.
func withCredentialSource(err error, source string, refusedByAPI bool) error {
	var apiErr *Error
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("%s: %w", source, err)
	}
	copied := *apiErr
	copied.Credential = source
	copied.refusedByAPI = refusedByAPI
	return &copied
}

// refusedEvery reports whether err is a call that found no credential to try, or was
// refused with every one it tried (by the API or by a gateway in front of it).
func refusedEvery(err error) bool {
	var apiErr *Error
	return errors.Is(err, ErrNoCredential) || errors.As(err, &apiErr) && apiErr.Credential != ""
}

// IsCredentialRefused reports whether err is a call for which the API itself refused every
// credential of the store, in its own envelope.
func IsCredentialRefused(err error) bool {
	var apiErr *Error
	return errors.As(err, &apiErr) && apiErr.refusedByAPI
}
