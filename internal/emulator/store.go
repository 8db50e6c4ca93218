package emulator

import (
	"slices"
	"strconv"
	"time"
)

// Token is an S2S API token as the emulator stores it.
type Token struct {
	ID                                          int64
	Name, Email, StoreHash, Token, EventChannel string
	CreatedAt                                   time.Time
}

// newTokenLocked creates a token with the next id; ids start at 1 and are
// never reused.
func (s *Server) newTokenLocked(name, email string, now time.Time) Token {
	return s.insertTokenLocked(s.nextID, name, email, now)
}

// insertTokenLocked creates a token with a free id, keeping s.tokens sorted.
func (s *Server) insertTokenLocked(id int64, name, email string, now time.Time) Token {
	t := Token{
		ID:           id,
		Name:         name,
		Email:        email,
		StoreHash:    s.storeHash,
		Token:        s.s2sTokenLocked(email, now),
		EventChannel: "app",
		CreatedAt:    now,
	}
	i, taken := s.indexLocked(id)
	if taken {
		panic("emulator: token id " + strconv.FormatInt(id, 10) + " is taken")
	}
	s.tokens = slices.Insert(s.tokens, i, t)
	s.byValue[t.Token]++
	s.nextID = max(s.nextID, id+1)
	return t
}

func (s *Server) indexLocked(id int64) (int, bool) {
	return slices.BinarySearchFunc(s.tokens, id, func(t Token, id int64) int {
		switch {
		case t.ID < id:
			return -1
		case t.ID > id:
			return 1
		}
		return 0
	})
}

func (s *Server) removeLocked(id int64) bool {
	i, ok := s.indexLocked(id)
	if !ok {
		return false
	}
	s.forgetValueLocked(s.tokens[i].Token)
	s.gone = append(s.gone, goneToken{Token: s.tokens[i], deletedAt: s.now()})
	delete(s.hidden, id)
	s.tokens = slices.Delete(s.tokens, i, i+1)
	return true
}

// forgetValueLocked counts one token of this value gone; the value stops
// authenticating with the last of them (values repeat with DocumentedClaims).
func (s *Server) forgetValueLocked(value string) {
	if s.byValue[value] <= 1 {
		delete(s.byValue, value)
		return
	}
	s.byValue[value]--
}

// AddToken creates a token directly; it is listed at once, whatever the list lag.
func (s *Server) AddToken(name, email string) Token {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newTokenLocked(name, email, now)
}

// SeedTokens creates n tokens named namePrefix+"1" ... namePrefix+"n".
func (s *Server) SeedTokens(n int, namePrefix, email string) []Token {
	now := s.now()
	out := make([]Token, 0, max(n, 0))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = slices.Grow(s.tokens, n)
	for i := 1; i <= n; i++ {
		out = append(out, s.newTokenLocked(namePrefix+strconv.Itoa(i), email, now))
	}
	return out
}

// Tokens returns the current tokens, id ascending.
func (s *Server) Tokens() []Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.tokens)
}

// Token returns the token with this id.
func (s *Server) Token(id int64) (Token, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.indexLocked(id); ok {
		return s.tokens[i], true
	}
	return Token{}, false
}

// RemoveToken deletes a token out of band; it reports whether it existed.
func (s *Server) RemoveToken(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.removeLocked(id)
}
