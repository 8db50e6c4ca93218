package emulator

import (
	"fmt"
	"iter"
	"net/http"
	"time"
)

const maxListLimit = 250

// ListOrder is the order of GET /backend/tokens, by token id. It is not
// documented; other B2B Edition lists are newest first.
type ListOrder int

const (
	// NewestFirst lists the highest id first (the default).
	NewestFirst ListOrder = iota
	// OldestFirst lists the lowest id first.
	OldestFirst
)

var listOrderNames = map[ListOrder]string{NewestFirst: "newest", OldestFirst: "oldest"}

func (o ListOrder) String() string {
	if n, ok := listOrderNames[o]; ok {
		return n
	}
	return fmt.Sprintf("ListOrder(%d)", int(o))
}

// ParseListOrder reads "newest" or "oldest".
func ParseListOrder(name string) (ListOrder, error) {
	for o, n := range listOrderNames {
		if n == name {
			return o, nil
		}
	}
	return 0, fmt.Errorf("list order %q: want newest or oldest", name)
}

// SetListOrder changes the order of the listings from the next one on. It
// panics on an unknown order.
func (s *Server) SetListOrder(order ListOrder) {
	if _, ok := listOrderNames[order]; !ok {
		panic(fmt.Sprintf("emulator: unknown list order %d", int(order)))
	}
	s.mu.Lock()
	s.listOrder = order
	s.mu.Unlock()
}

// listBackendTokens is GET /backend/tokens. A successful listing counts
// down the listings lag of every hidden token.
func (s *Server) listBackendTokens(req *request) reply {
	if rep := s.requireS2SCredential(req.header); rep != nil {
		return *rep
	}
	limit, rep := intParam(req.query, "limit", 10, 1, maxListLimit)
	if rep != nil {
		return *rep
	}
	offset, rep := intParam(req.query, "offset", 0, 0, 0)
	if rep != nil {
		return *rep
	}
	now := s.now()
	s.mu.Lock()
	s.revealDueLocked(now)
	items, total := s.pageLocked(limit, offset, now)
	s.ageHiddenLocked()
	s.mu.Unlock()
	return jsonReply(http.StatusOK, envelope{
		Code: http.StatusOK,
		Data: items,
		Meta: meta{Message: msgSuccess, Pagination: &pagination{TotalCount: total, Offset: offset, Limit: limit}},
	})
}

// pageLocked returns up to limit listed tokens after skipping offset, and
// how many tokens are listed in all.
func (s *Server) pageLocked(limit, offset int64, now time.Time) ([]tokenItem, int) {
	if asOf, behind := s.replicaAsOfLocked(now); behind {
		view := s.replicaViewLocked(asOf)
		return s.pageOfLocked(view, limit, offset), len(view)
	}
	total := len(s.tokens) - len(s.hidden)
	if len(s.hidden) == 0 {
		return s.pageOfLocked(s.tokens, limit, offset), total // a slice, whatever the store's size
	}
	items := make([]tokenItem, 0, min(limit, int64(max(total, 0))))
	skipped := int64(0)
	for t := range s.listedLocked() {
		if int64(len(items)) >= limit {
			break
		}
		if skipped < offset {
			skipped++
			continue
		}
		items = append(items, itemOf(t))
	}
	return items, total
}

// pageOfLocked returns up to limit of tokens (id ascending) after skipping offset, in the
// list order.
func (s *Server) pageOfLocked(tokens []Token, limit, offset int64) []tokenItem {
	items := make([]tokenItem, 0, max(min(limit, int64(len(tokens))-offset), 0))
	for k := offset; k < offset+limit && k < int64(len(tokens)); k++ {
		i := int64(len(tokens)) - 1 - k
		if s.listOrder == OldestFirst {
			i = k
		}
		items = append(items, itemOf(tokens[i]))
	}
	return items
}

func itemOf(t Token) tokenItem {
	return tokenItem{ID: t.ID, Name: t.Name, Email: t.Email, StoreHash: t.StoreHash, Token: t.Token, EventChannel: t.EventChannel}
}

// listedLocked yields the tokens a listing shows, in the list order.
func (s *Server) listedLocked() iter.Seq[Token] {
	return func(yield func(Token) bool) {
		n := len(s.tokens)
		for k := range n {
			i := n - 1 - k
			if s.listOrder == OldestFirst {
				i = k
			}
			t := s.tokens[i]
			if _, hidden := s.hidden[t.ID]; hidden {
				continue
			}
			if !yield(t) {
				return
			}
		}
	}
}
