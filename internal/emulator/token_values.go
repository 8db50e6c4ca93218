package emulator

import "fmt"

// TokenValueMode says what makes S2S token values differ. The S2S token in
// BigCommerce's reference (the example of List Server to Server Tokens)
// carries only {"email", "store_hash", "db"}, nothing that tells two tokens
// of one user apart; whether real values repeat is unverified, so both
// readings can be tested.
type TokenValueMode int

const (
	// UniqueValues adds jti and iat claims so that no two values are alike
	// (the default).
	UniqueValues TokenValueMode = iota
	// DocumentedClaims signs exactly {"email", "store_hash", "db": "default"},
	// so every token of one user in one store has the same value.
	DocumentedClaims
)

var tokenValueNames = map[TokenValueMode]string{UniqueValues: "unique", DocumentedClaims: "documented"}

func (m TokenValueMode) String() string {
	if n, ok := tokenValueNames[m]; ok {
		return n
	}
	return fmt.Sprintf("TokenValueMode(%d)", int(m))
}

// ParseTokenValueMode reads "unique" or "documented".
func ParseTokenValueMode(name string) (TokenValueMode, error) {
	for m, n := range tokenValueNames {
		if n == name {
			return m, nil
		}
	}
	return 0, fmt.Errorf("token values %q: want unique or documented", name)
}

// SetTokenValues sets Options.TokenValues for the tokens created from now
// on; existing tokens keep their values. It panics on an unknown mode.
func (s *Server) SetTokenValues(mode TokenValueMode) {
	if _, ok := tokenValueNames[mode]; !ok {
		panic(fmt.Sprintf("emulator: unknown token value mode %d", int(mode)))
	}
	s.mu.Lock()
	s.tokenValues = mode
	s.mu.Unlock()
}
