package emulator

import "time"

// lag keeps a token created through the API out of listings, as a list
// that lags behind creates would; it is listed once both parts have run out.
type lag struct {
	listings int       // successful listings it stays hidden from; -1: forever
	until    time.Time // hidden before this time on the server's clock; zero: no time lag
}

func (l lag) hides(now time.Time) bool { return l.listings != 0 || now.Before(l.until) }

// SetListLag hides each token created through POST /auth/backend from now
// on from the next n successful GET /backend/tokens replies after its
// creation; n < 0 hides it for good. Hidden tokens still authenticate and
// can be deleted.
func (s *Server) SetListLag(n int) {
	s.mu.Lock()
	s.listLag = n
	s.mu.Unlock()
}

// SetListLagFor hides each token created through POST /auth/backend from
// now on from listings until d has passed since its creation on the
// server's clock (Options.Now); d <= 0 turns the time lag off. With
// SetListLag as well, a token is listed once both lags have run out. Hidden
// tokens still authenticate and can be deleted.
func (s *Server) SetListLagFor(d time.Duration) {
	s.mu.Lock()
	s.listLagFor = max(d, 0)
	s.mu.Unlock()
}

// RevealAll lists every hidden token from the next listing on, as the API would once a
// late token finally shows up.
func (s *Server) RevealAll() {
	s.mu.Lock()
	clear(s.hidden)
	s.mu.Unlock()
}

// hideNewLocked applies the list lags to a token just created at now.
func (s *Server) hideNewLocked(id int64, now time.Time) {
	l := lag{listings: max(s.listLag, -1)}
	if s.listLagFor > 0 {
		l.until = now.Add(s.listLagFor)
	}
	if l.hides(now) {
		s.hidden[id] = l
	}
}

// revealDueLocked lists, from this listing on, the tokens whose lags have
// run out by now.
func (s *Server) revealDueLocked(now time.Time) {
	for id, l := range s.hidden {
		if !l.hides(now) {
			delete(s.hidden, id)
		}
	}
}

// ageHiddenLocked counts one successful listing off every listings lag.
func (s *Server) ageHiddenLocked() {
	for id, l := range s.hidden {
		if l.listings > 0 {
			l.listings--
			s.hidden[id] = l
		}
	}
}
