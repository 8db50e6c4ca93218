package emulator

import (
	"fmt"
	"strings"
	"time"
)

// Options configures a Server.
type Options struct {
	StoreHash    string // default "abc123"
	Users        []User
	Customers    []Customer
	AccessTokens []string         // store-level API account tokens accepted in X-Auth-Token
	Now          func() time.Time // default time.Now
	// CreateReplyAsObject makes POST /auth/backend reply data:{name,token}
	// instead of the documented data:[{name,token}].
	CreateReplyAsObject bool
	// AccessTokenListsTokens makes GET /backend/tokens and DELETE
	// /auth/backend accept a valid X-Auth-Token with the store's
	// X-Store-Hash. BigCommerce documents only authToken there; whether the
	// store-level token works is unknown, so both readings can be tested.
	// Off, such a request is refused with 403.
	AccessTokenListsTokens bool
	// UnauthorizedAsDetail makes the 401s of a missing or unknown credential,
	// and the 403 of X-Auth-Token on the S2S endpoints, {"detail": "..."}
	// instead of the documented envelope {"code": 401, "data": {"errMsg":
	// "..."}, "meta": {"message": "Unauthorized"}}. BigCommerce documents
	// both shapes ("some errors come as {"detail": ...}").
	UnauthorizedAsDetail bool
	// TokenValues says whether S2S token values may repeat; default
	// UniqueValues.
	TokenValues TokenValueMode
	// ListOrder orders GET /backend/tokens; default NewestFirst.
	ListOrder ListOrder
	// Tokens are created at start, in this order, before any request.
	Tokens []SeedToken
}

// SeedToken is a token to create at start. ID 0 takes the next free id
// (one more than the highest so far); ids are never reused afterwards.
type SeedToken struct {
	ID          int64
	Name, Email string
}

// Validate reports options New would refuse: an unknown list order or
// token value mode, or seed tokens with a negative or repeated id, or no
// name or email.
func (o Options) Validate() error {
	if _, ok := listOrderNames[o.ListOrder]; !ok {
		return fmt.Errorf("unknown list order %d", int(o.ListOrder))
	}
	if _, ok := tokenValueNames[o.TokenValues]; !ok {
		return fmt.Errorf("unknown token value mode %d", int(o.TokenValues))
	}
	_, err := seedIDs(o.Tokens)
	return err
}

// seedIDs resolves the id of every seed token, as seed will assign them.
func seedIDs(tokens []SeedToken) ([]int64, error) {
	ids := make([]int64, len(tokens))
	used := make(map[int64]bool, len(tokens))
	next := int64(1)
	for i, t := range tokens {
		where := fmt.Sprintf("seed token %d (%q)", i+1, t.Name)
		id := t.ID
		switch {
		case id < 0:
			return nil, fmt.Errorf("%s: id %d is negative", where, id)
		case id == 0:
			id = next
		}
		if used[id] {
			return nil, fmt.Errorf("%s: id %d is already taken (id 0 takes the next free id)", where, id)
		}
		if strings.TrimSpace(t.Name) == "" || strings.TrimSpace(t.Email) == "" {
			return nil, fmt.Errorf("%s: a name and an email are required", where)
		}
		used[id] = true
		next = max(next, id+1)
		ids[i] = id
	}
	return ids, nil
}

// seed creates the Options.Tokens; Validate has accepted them.
func (s *Server) seed(tokens []SeedToken) {
	ids, err := seedIDs(tokens)
	if err != nil {
		panic("emulator: " + err.Error())
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, t := range tokens {
		s.insertTokenLocked(ids[i], t.Name, t.Email, now)
	}
}
