package emulator

import (
	"bytes"
	"net/http"
	"slices"
)

// Call is one request the server received. Path is without the /api/io
// prefix. Status is 0 when no reply was written (connection reset, or the
// client gave up first).
type Call struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
	Status                 int
	Fault                  FaultKind // FaultNone when no fault was applied
	// RateLimited marks a 429 sent by the rate limiter (SetRateLimitWindow);
	// a FaultStatus 429 is not marked.
	RateLimited bool
}

func (c Call) clone() Call {
	c.Header = c.Header.Clone()
	c.Body = bytes.Clone(c.Body)
	return c
}

// record stores c and runs the OnRequest hook outside the lock.
func (s *Server) record(c Call) {
	s.mu.Lock()
	s.calls = append(s.calls, c)
	hook := s.hook
	s.mu.Unlock()
	if hook != nil {
		hook(c.clone())
	}
}

// OnRequest sets a hook run once per request when its reply is final and
// just before it is sent, outside any lock; nil removes it. Requests served
// concurrently run it concurrently.
func (s *Server) OnRequest(fn func(Call)) {
	s.mu.Lock()
	s.hook = fn
	s.mu.Unlock()
}

// Calls returns a copy of the calls, in the order their replies were settled.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.calls)
	for i := range out {
		out[i] = out[i].clone()
	}
	return out
}

// CallCount counts the calls to route, e.g. "GET /backend/tokens".
func (s *Server) CallCount(route string) int {
	key := routeKey(route)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Method+" "+c.Path == key {
			n++
		}
	}
	return n
}

// StatusCount counts the recorded calls that got this HTTP status, e.g.
// 429 for every rate-limit reply the client received, from the limiter or
// from a fault.
func (s *Server) StatusCount(status int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Status == status {
			n++
		}
	}
	return n
}

// ResetCalls forgets the recorded calls.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	s.calls = nil
	s.mu.Unlock()
}
