package b2b

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
)

// credential authenticates GET /backend/tokens and DELETE /auth/backend for one store: an
// S2S token sent as authToken, or the store-level access token sent as X-Auth-Token.
type credential struct {
	value string
	// source names where it came from, for errors: "auth_token", "access_token" or a token
	// of the store that this run holds.
	source      string
	accessToken bool
	// fresh marks a token this client has just created: the API may refuse it for a moment,
	// which does not mean it was revoked.
	fresh bool
	// listed: a complete listing made with this credential must show it (a token of the
	// store that the run learned). The configured auth_token is taken as given.
	listed bool
}

// Sources a credential can come from, as errors name them.
const (
	SourceAuthToken   = "auth_token"
	SourceAccessToken = "access_token"
	SourceOwnToken    = "the resource's own token"
	SourceNewToken    = "a token created in this run"
)

func (cr credential) header(storeHash string) http.Header {
	if cr.accessToken {
		return http.Header{"X-Auth-Token": {cr.value}, "X-Store-Hash": {storeHash}}
	}
	// X-Store-Hash is never sent with authToken: BigCommerce documents "unexpected results".
	return http.Header{"authToken": {cr.value}}
}

// refusedBy reports whether err means the API does not accept cr for these endpoints: 401
// for any credential, and 403 for the access token, which these endpoints may not know.
// configured: the provider's auth_token or access token, tried before any S2S token the
// run learned.
func (cr credential) configured() bool {
	return cr.source == SourceAuthToken || cr.source == SourceAccessToken
}

func (cr credential) refusedBy(err error) bool {
	return IsUnauthorized(err) || (cr.accessToken && hasStatus(err, http.StatusForbidden))
}

// credentialSet holds the credentials one store's listings and deletes may use, in the
// order they are tried: the access token, the provider's auth_token, then S2S tokens in
// the order the run learned them. A refused credential is skipped for the rest of the run.
type credentialSet struct {
	mu      sync.Mutex
	list    []credential
	refused map[string]bool
	// retiring are tokens being deleted: tried last, so that concurrent deletes do not all
	// reach for a token that is about to be gone.
	retiring map[string]bool
}

func (s *credentialSet) add(cr credential) bool {
	if cr.value == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, have := range s.list {
		if have.value == cr.value {
			return true
		}
	}
	s.list = append(s.list, cr)
	return true
}

// usable returns the credentials not refused yet, in order, the retiring ones last.
func (s *credentialSet) usable() []credential {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]credential, 0, len(s.list))
	var last []credential
	for _, cr := range s.list {
		switch {
		case s.refused[cr.value]:
		case s.retiring[cr.value]:
			last = append(last, cr)
		default:
			out = append(out, cr)
		}
	}
	return append(out, last...)
}

// retire marks a token that is being deleted; done says whether it is gone.
func (s *credentialSet) retire(value string) (done func(gone bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.retiring == nil {
		s.retiring = map[string]bool{}
	}
	s.retiring[value] = true
	return func(gone bool) {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.retiring, value)
		if gone {
			if s.refused == nil {
				s.refused = map[string]bool{}
			}
			s.refused[value] = true
		}
	}
}

func (s *credentialSet) refuse(value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refused == nil {
		s.refused = map[string]bool{}
	}
	s.refused[value] = true
}

func (s *credentialSet) isRefused(value string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused[value]
}

// TokenStoreHash is the store_hash claim of a B2B token (a JWT), decoded without a
// signature check; ok is false when the token is not a JWT or has no such claim.
func TokenStoreHash(token string) (hash string, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return "", false
	}
	var claims struct {
		StoreHash string `json:"store_hash"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.StoreHash == "" {
		return "", false
	}
	return claims.StoreHash, true
}
