package b2b

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// credential authenticates GET /backend/tokens and DELETE /auth/backend for one store: an
// S2S token sent as authToken, or the store-level access token sent as X-Auth-Token.
type credential struct {
	value string
	// source names where it came from, for errors and warnings: one of the Source constants.
	source      string
	accessToken bool
}

// Sources a credential can come from, as errors name them.
const (
	SourceAuthToken   = "auth_token"
	SourceAccessToken = "access_token"
	SourceOwnToken    = "the resource's own token"
	SourceNewToken    = "a token created in this run"
	SourceBorrowed    = "a short-lived token made to list the store"
)

func (cr credential) header(storeHash string) http.Header {
	if cr.accessToken {
		return http.Header{"X-Auth-Token": {cr.value}, "X-Store-Hash": {storeHash}}
	}
	// X-Store-Hash is never sent with authToken: BigCommerce documents "unexpected results".
	return http.Header{"authToken": {cr.value}}
}

// configured: the provider's auth_token or access token, tried before any S2S token the run
// learned.
func (cr credential) configured() bool {
	return cr.source == SourceAuthToken || cr.source == SourceAccessToken
}

// credentialStatus is what the run has learnt of a credential: a reply in the API's
// envelope accepted it (valid) or refused it (refused); anything else proves neither.
type credentialStatus int

const (
	credentialUnknown credentialStatus = iota
	credentialValid
	credentialRefused
)

// credentialEntry is a credential and what the run knows of it. A value stands for every
// token that has it: token values may repeat, so deleting one token of a value proves
// nothing about the value, and the API's refusal of the value holds for all of them.
type credentialEntry struct {
	credential
	status credentialStatus
	// madeAt is when this client created the token; zero for one it did not. The API may
	// refuse a token for a moment after it was made, which proves nothing.
	madeAt time.Time
	// retiring counts deletes in flight that authenticate with this value: other calls try
	// it last, so that concurrent deletes do not all reach for a token about to be gone.
	retiring int
	// deleted: a token with this value was deleted; it is tried last (another token may
	// still have the value).
	deleted bool
}

// credentialSet holds the credentials one store's listings and deletes may use, in the
// order they are tried: the access token, the provider's auth_token, then S2S tokens in the
// order the run learned them; refused ones are left out, retiring ones come last.
type credentialSet struct {
	clock Clock
	lag   time.Duration

	mu      sync.Mutex
	entries []*credentialEntry
	// refusedConfigured are the configured credentials the API refused as invalid (401).
	refusedConfigured map[string]bool
}

// add adds cr, or tells that it is known already; madeAt is when this client made it.
func (s *credentialSet) add(cr credential, madeAt time.Time) {
	if cr.value == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.entryLocked(cr.value); e != nil {
		if e.madeAt.IsZero() {
			e.madeAt = madeAt
		}
		return
	}
	s.entries = append(s.entries, &credentialEntry{credential: cr, madeAt: madeAt})
}

func (s *credentialSet) entryLocked(value string) *credentialEntry {
	for _, e := range s.entries {
		if e.value == value {
			return e
		}
	}
	return nil
}

// order says which credentials a call may use: configuredOnly leaves out the tokens the
// run learned (a read whose result must not depend on what other reads learned first);
// first is tried right after the configured ones (a token authenticating its own delete).
type order struct {
	configuredOnly bool
	first          string
}

// usable returns the credentials a call may try, in order, leaving out skipped ones.
func (s *credentialSet) usable(o order, skipped map[string]bool) []credential {
	s.mu.Lock()
	defer s.mu.Unlock()
	var configured, first, learned, retiring []credential
	for _, e := range s.entries {
		switch {
		case skipped[e.value] || e.status == credentialRefused || (o.configuredOnly && !e.configured()):
		case e.configured():
			configured = append(configured, e.credential)
		case e.value == o.first:
			first = append(first, e.credential)
		case e.retiring > 0 || e.deleted:
			retiring = append(retiring, e.credential)
		default:
			learned = append(learned, e.credential)
		}
	}
	return append(append(append(configured, first...), learned...), retiring...)
}

// hasConfigured reports whether a configured credential is left to try.
func (s *credentialSet) hasConfigured() bool {
	return len(s.usable(order{configuredOnly: true}, nil)) > 0
}

// accepted records that the API accepted value.
func (s *credentialSet) accepted(value string) {
	s.set(value, func(e *credentialEntry) { e.status, e.deleted = credentialValid, false })
}

// refused records that the API refused value in its own envelope, and reports whether that
// proves it: a token this client made within the list lag may not be accepted yet. invalid:
// refused as invalid (401), not only as not accepted on these endpoints (403).
func (s *credentialSet) refused(value string, invalid bool) bool {
	proven := false
	s.set(value, func(e *credentialEntry) {
		if !e.madeAt.IsZero() && s.clock.Now().Before(e.madeAt.Add(s.lag)) {
			return
		}
		proven = true
		e.status = credentialRefused
		if e.configured() && invalid {
			if s.refusedConfigured == nil {
				s.refusedConfigured = map[string]bool{}
			}
			s.refusedConfigured[e.source] = true
		}
	})
	return proven
}

// deleted records that a token with value was deleted: the value is no longer known to be
// valid (another token may still have it), and no longer known to be refused.
func (s *credentialSet) deleted(value string) {
	s.set(value, func(e *credentialEntry) {
		e.deleted = true
		if e.status == credentialValid {
			e.status = credentialUnknown
		}
	})
}

// retire marks a delete in flight that authenticates with value; done ends it.
func (s *credentialSet) retire(value string) (done func()) {
	s.set(value, func(e *credentialEntry) { e.retiring++ })
	return func() { s.set(value, func(e *credentialEntry) { e.retiring-- }) }
}

func (s *credentialSet) set(value string, change func(*credentialEntry)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.entryLocked(value); e != nil {
		change(e)
	}
}

func (s *credentialSet) statusOf(value string) credentialStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.entryLocked(value); e != nil {
		return e.status
	}
	return credentialUnknown
}

// heldValid are the S2S token values a listing that started at started must show to be
// complete: every one the API accepted in this run, and the configured auth_token unless the
// API refused it. Each is a token of the store; a listing that does not show it is not the
// whole store. A token this client made less than the list lag before the listing started
// is left out: the list may not have shown it yet.
func (s *credentialSet) heldValid(started time.Time) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var values []string
	for _, e := range s.entries {
		switch {
		case e.accessToken, e.status == credentialRefused, !e.madeAt.IsZero() && started.Before(e.madeAt.Add(s.lag)):
		case e.status == credentialValid, e.source == SourceAuthToken:
			values = append(values, e.value)
		}
	}
	return values
}

// refusedConfiguredSources names the configured credentials the API refused as invalid.
func (s *credentialSet) refusedConfiguredSources() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, source := range []string{SourceAuthToken, SourceAccessToken} {
		if s.refusedConfigured[source] {
			out = append(out, source)
		}
	}
	return out
}

// TokenStoreHash is the store_hash claim of a B2B token (a JWT), decoded without a
// signature check; ok is false when the token is not a JWT or has no such claim.
func TokenStoreHash(token string) (hash string, ok bool) {
	claims, ok := s2sClaims(token)
	return claims.StoreHash, ok && claims.StoreHash != ""
}

// LooksLikeServerToken reports whether value can be an S2S token: a JWT whose payload names
// a store and an email, as every S2S token BigCommerce documents does.
func LooksLikeServerToken(value string) bool {
	claims, ok := s2sClaims(value)
	return ok && claims.StoreHash != "" && claims.Email != ""
}

type serverTokenClaims struct {
	StoreHash string `json:"store_hash"`
	Email     string `json:"email"`
}

func s2sClaims(token string) (serverTokenClaims, bool) {
	var claims serverTokenClaims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return claims, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil || json.Unmarshal(payload, &claims) != nil {
		return serverTokenClaims{}, false
	}
	return claims, true
}
