package emulator

import (
	"net/http"
	"strings"
)

const (
	hdrAuthToken   = "authToken"    // legacy S2S token
	hdrAccessToken = "X-Auth-Token" // store-level API account token
	hdrStoreHash   = "X-Store-Hash"

	msgInvalidToken  = "Invalid token."
	msgNoCredentials = "Invalid token header. No credentials provided."
	msgBadLogin      = "The email or password you have entered is incorrect. Please try again."
	msgNoPermission  = "You do not have permission to perform this action."
)

// mixedCredentials refuses authToken sent with X-Store-Hash. BigCommerce
// only documents "unexpected results" for it; the emulator makes the
// mistake visible instead.
func mixedCredentials(h http.Header) (reply, bool) {
	if h.Get(hdrAuthToken) != "" && h.Get(hdrStoreHash) != "" {
		return failure(http.StatusBadRequest, "authToken must not be sent with X-Store-Hash", catParameter), true
	}
	return reply{}, false
}

// checkAccessToken validates X-Auth-Token when it is sent; sent reports
// whether it was. The documented "server errors" for a missing or wrong
// X-Store-Hash are 500s.
func (s *Server) checkAccessToken(h http.Header) (sent bool, rep *reply) {
	token := h.Get(hdrAccessToken)
	if token == "" {
		return false, nil
	}
	if h.Get(hdrStoreHash) != s.storeHash {
		r := failure(http.StatusInternalServerError, "Internal server error", "Internal Server Error")
		return true, &r
	}
	if !s.accessTokens[token] {
		return true, s.refusal(http.StatusUnauthorized, msgInvalidToken)
	}
	return true, nil
}

// formAfterAccessToken checks X-Auth-Token when it is sent, then parses the body: the start
// of the endpoints that need no credential but refuse a wrong one.
func (s *Server) formAfterAccessToken(req *request) (*form, *reply) {
	if _, rep := s.checkAccessToken(req.header); rep != nil {
		return nil, rep
	}
	return parseForm(req.body)
}

// requireAuthToken demands an existing S2S token of this store in authToken.
func (s *Server) requireAuthToken(h http.Header) *reply {
	token := h.Get(hdrAuthToken)
	if token == "" {
		return s.refusal(http.StatusUnauthorized, msgNoCredentials)
	}
	s.mu.Lock()
	_, ok := s.byValue[token]
	s.mu.Unlock()
	if !ok {
		return s.refusal(http.StatusUnauthorized, msgInvalidToken)
	}
	return nil
}

func (s *Server) findUser(email string) (User, bool) {
	for _, u := range s.users {
		if strings.EqualFold(u.Email, email) {
			return u, true
		}
	}
	return User{}, false
}

func canCreateTokens(u User) bool {
	return strings.EqualFold(u.Role, "administrator") || strings.EqualFold(u.Role, "store_owner")
}

func (s *Server) customerByID(id, channelID int64) (Customer, bool) {
	for _, c := range s.customers {
		if c.ID == id {
			return c, inChannel(c, channelID)
		}
	}
	return Customer{}, false
}

func (s *Server) customerByEmail(email string, channelID int64) (Customer, bool) {
	for _, c := range s.customers {
		if strings.EqualFold(c.Email, email) {
			return c, inChannel(c, channelID)
		}
	}
	return Customer{}, false
}

func inChannel(c Customer, channelID int64) bool {
	if len(c.ChannelIDs) == 0 {
		return true
	}
	for _, id := range c.ChannelIDs {
		if id == channelID {
			return true
		}
	}
	return false
}

// requireS2SCredential guards GET /backend/tokens and DELETE /auth/backend.
// authToken, the documented credential, is checked when sent. Otherwise a
// store-level X-Auth-Token is checked like anywhere else (401 when unknown),
// then accepted only with AccessTokenListsTokens, else refused with 403.
func (s *Server) requireS2SCredential(h http.Header) *reply {
	if h.Get(hdrAuthToken) != "" || h.Get(hdrAccessToken) == "" {
		return s.requireAuthToken(h)
	}
	if _, rep := s.checkAccessToken(h); rep != nil {
		return rep
	}
	s.mu.Lock()
	allowed := s.accessTokenListsTokens
	s.mu.Unlock()
	if !allowed {
		return s.refusal(http.StatusForbidden, msgNoPermission)
	}
	return nil
}

// SetAccessTokenListsTokens sets Options.AccessTokenListsTokens from the
// next request on.
func (s *Server) SetAccessTokenListsTokens(on bool) {
	s.mu.Lock()
	s.accessTokenListsTokens = on
	s.mu.Unlock()
}

// Users returns the backend users that may log in, as configured.
func (s *Server) Users() []User {
	return append([]User(nil), s.users...)
}
