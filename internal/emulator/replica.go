package emulator

import (
	"cmp"
	"slices"
	"time"
)

// A read replica behind the store: GET /backend/tokens shows the tokens as they were at an
// earlier time, so tokens created since are not listed and tokens deleted since still are.
// Creates, deletes and credentials are current: a token the replica lists may already be
// refused, and one it does not list may authenticate.

// replica says which earlier time the listings show.
type replica struct {
	asOf   time.Time     // listings show the store as of this time; zero: see behind
	behind time.Duration // listings show the store as of this long before each listing; 0: current
}

// goneToken is a token deleted at a time, kept for the listings of a replica behind it.
type goneToken struct {
	Token
	deletedAt time.Time
}

// SetReplicaAsOf makes every listing from now on show the store as it was at t on the
// server's clock (Options.Now), as a replica stuck at t would; the zero time lists the
// current store again. The list lags still apply on top.
func (s *Server) SetReplicaAsOf(t time.Time) {
	s.mu.Lock()
	s.replica = replica{asOf: t}
	s.mu.Unlock()
}

// SetReplicaBehind makes every listing from now on show the store as it was d before the
// listing, as a replica that lags the store by d would; d <= 0 lists the current store.
func (s *Server) SetReplicaBehind(d time.Duration) {
	s.mu.Lock()
	s.replica = replica{behind: max(d, 0)}
	s.mu.Unlock()
}

// replicaAsOfLocked returns the time the listings show, and false when they show the
// current store.
func (s *Server) replicaAsOfLocked(now time.Time) (time.Time, bool) {
	switch {
	case !s.replica.asOf.IsZero():
		return s.replica.asOf, true
	case s.replica.behind > 0:
		return now.Add(-s.replica.behind), true
	}
	return time.Time{}, false
}

// replicaViewLocked returns the tokens a replica as of asOf lists, id ascending: those made
// by then, and those deleted after it, less the tokens the list lags hide.
func (s *Server) replicaViewLocked(asOf time.Time) []Token {
	var view []Token
	for _, t := range s.tokens {
		if _, hidden := s.hidden[t.ID]; !hidden && !t.CreatedAt.After(asOf) {
			view = append(view, t)
		}
	}
	for _, g := range s.gone {
		if !g.CreatedAt.After(asOf) && g.deletedAt.After(asOf) {
			view = append(view, g.Token)
		}
	}
	slices.SortFunc(view, func(a, b Token) int { return cmp.Compare(a.ID, b.ID) })
	return view
}
