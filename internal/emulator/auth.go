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
		r := detailReply(http.StatusUnauthorized, msgInvalidToken)
		return true, &r
	}
	return true, nil
}

// requireAuthToken demands an existing S2S token of this store in authToken.
func (s *Server) requireAuthToken(h http.Header) *reply {
	token := h.Get(hdrAuthToken)
	if token == "" {
		r := detailReply(http.StatusUnauthorized, msgNoCredentials)
		return &r
	}
	s.mu.Lock()
	_, ok := s.byValue[token]
	s.mu.Unlock()
	if !ok {
		r := detailReply(http.StatusUnauthorized, msgInvalidToken)
		return &r
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
