package emulator

import (
	"net/http"
	"strconv"
	"time"
)

const (
	defaultAllocation = 150 // per store per minute, as documented
	defaultRateWindow = 60 * time.Second

	hdrAllocated    = "X-Requests-Allocated"
	hdrRemaining    = "X-Requests-Remaining"
	hdrResetsAfter  = "X-Request-Window-Resets-After"
	hdrWindowLength = "X-Requests-Window-Length"
)

// rateLimiter counts requests in fixed windows on the server's clock. A
// window starts with the first request (or SpendRate) after the previous
// one ended, and lasts window.
type rateLimiter struct {
	limit   int // 0: off; headers only, with the documented allocation, nothing refused
	window  time.Duration
	start   time.Time // zero: no window has run yet
	used    int
	refused int // 429s sent, over every window
}

// SetRateLimit is SetRateLimitWindow(perMinute, time.Minute).
func (s *Server) SetRateLimit(perMinute int) {
	s.SetRateLimitWindow(perMinute, defaultRateWindow)
}

// SetRateLimitWindow lets limit requests through per window and refuses the
// others with 429, as BigCommerce does per store; limit 0 (the default)
// turns refusals off, and a window <= 0 means 60s. A new window starts with
// the next request. RateLimited keeps counting.
func (s *Server) SetRateLimitWindow(limit int, window time.Duration) {
	if window <= 0 {
		window = defaultRateWindow
	}
	s.mu.Lock()
	s.limiter = rateLimiter{limit: max(limit, 0), window: window, refused: s.limiter.refused}
	s.mu.Unlock()
}

// SpendRate uses up n requests of the current window, starting one if none
// is running, as another integration of the same store would. It never
// takes more than the window has left; with the limiter off it is unseen.
func (s *Server) SpendRate(n int) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	l := &s.limiter
	l.roll(now)
	l.used += max(n, 0)
	if l.limit > 0 {
		l.used = min(l.used, l.limit)
	}
}

// RateLimited returns how many requests the limiter has refused with 429
// since the server started (faults of status 429 are not counted).
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limiter.refused
}

// takeRate counts one request; it returns the rate headers every reply
// carries, and whether the request may go on.
func (s *Server) takeRate() (http.Header, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limiter.take(now)
}

// roll starts a new window when none is running at now.
func (l *rateLimiter) roll(now time.Time) {
	if l.start.IsZero() || now.Before(l.start) || now.Sub(l.start) >= l.window {
		l.start, l.used = now, 0
	}
}

// take counts one request; a refused one is not counted as used.
func (l *rateLimiter) take(now time.Time) (http.Header, bool) {
	l.roll(now)
	ok := true
	if l.limit > 0 {
		if l.used < l.limit {
			l.used++
		} else {
			ok = false
			l.refused++
		}
	}
	return l.headers(now), ok
}

// headers are the four rate headers. With the limiter off, Remaining stays
// at the full documented allocation, so that clients pacing themselves on
// it never wait.
func (l *rateLimiter) headers(now time.Time) http.Header {
	allocation, remaining := defaultAllocation, defaultAllocation
	if l.limit > 0 {
		allocation, remaining = l.limit, l.limit-l.used
	}
	resets := l.window - now.Sub(l.start)
	h := http.Header{}
	h.Set(hdrAllocated, strconv.Itoa(allocation)+" times/"+seconds(l.window))
	h.Set(hdrRemaining, strconv.Itoa(remaining)+" times")
	h.Set(hdrResetsAfter, strconv.FormatFloat(resets.Seconds(), 'f', 3, 64)+" s")
	h.Set(hdrWindowLength, seconds(l.window))
	return h
}

// seconds writes d as "60 s", or "0.5 s" for a window of part of a second.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " s"
}
