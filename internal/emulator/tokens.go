package emulator

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
)

type nameToken struct {
	Name  string `json:"name"`
	Token string `json:"token"`
}

type tokenItem struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	StoreHash    string `json:"storeHash"`
	Token        string `json:"token"`
	EventChannel string `json:"eventChannel"`
}

// createBackendToken is POST /auth/backend. No credential is required; an
// authToken header is ignored, an X-Auth-Token must be valid.
func (s *Server) createBackendToken(req *request) reply {
	f, rep := s.formAfterAccessToken(req)
	if rep != nil {
		return *rep
	}
	login := f.login()
	if rep := f.err(); rep != nil {
		return *rep
	}
	user, ok := s.findUser(login.email)
	if login.storeHash != s.storeHash || !ok || user.Password != login.password {
		return failure(http.StatusBadRequest, msgBadLogin, catLogic)
	}
	if !canCreateTokens(user) {
		return failure(http.StatusBadRequest, "role forbidden", catLogic)
	}
	now := s.now()
	s.mu.Lock()
	t := s.newTokenLocked(s.nameRule.keep(login.name), user.Email, now)
	s.hideNewLocked(t.ID, now)
	s.mu.Unlock()
	item := nameToken{Name: t.Name, Token: t.Token}
	if s.createReplyAsObject {
		return success(item)
	}
	return success([]nameToken{item})
}

// intParam reads an integer query parameter; upper > 0 bounds it with a 413,
// as B2B Edition does for limit.
func intParam(q url.Values, name string, def, lower, upper int64) (int64, *reply) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		n, err = math.MaxInt64, nil
		if v[0] == '-' {
			n = math.MinInt64
		}
	}
	if err != nil {
		rep := failure(http.StatusBadRequest, name+" must be an integer", catParameter)
		return 0, &rep
	}
	if upper > 0 && n > upper {
		rep := failure(http.StatusRequestEntityTooLarge, name+" must be less than or equal to "+strconv.FormatInt(upper, 10), catParameter)
		return 0, &rep
	}
	if n < lower {
		rep := failure(http.StatusBadRequest, name+" must be greater than or equal to "+strconv.FormatInt(lower, 10), catParameter)
		return 0, &rep
	}
	return n, nil
}

// deleteBackendToken is DELETE /auth/backend. It takes authToken (and
// X-Auth-Token only with AccessTokenListsTokens); the id must be in the JSON
// body, not the query string.
func (s *Server) deleteBackendToken(req *request) reply {
	if rep := s.requireS2SCredential(req.header); rep != nil {
		return *rep
	}
	f, rep := parseForm(req.body)
	if rep != nil {
		return *rep
	}
	id, ok := f.integer("id", true)
	if !ok {
		return failure(http.StatusBadRequest, fieldError("id", msgRequired), catParameter)
	}
	s.mu.Lock()
	removed := s.removeLocked(id)
	s.mu.Unlock()
	if !removed {
		return failure(http.StatusNotFound, "No matching token was found.", catNotFound)
	}
	return success([]any{})
}
