package emulator

import (
	"net/http"
	"strconv"
	"time"
)

const (
	defaultAllocation = 150 // per store per minute, as documented
	rateWindow        = 60 * time.Second

	hdrAllocated    = "X-Requests-Allocated"
	hdrRemaining    = "X-Requests-Remaining"
	hdrResetsAfter  = "X-Request-Window-Resets-After"
	hdrWindowLength = "X-Requests-Window-Length"
)

// rateLimiter counts requests in fixed windows that start with the first
// request after the previous window ended, on the server's clock.
type rateLimiter struct {
	limit int // 0: headers only, nothing refused
	start time.Time
	used  int
}

// SetRateLimit refuses requests over perMinute per window with 429; 0 (the
// default) turns the limiter off. Either way a new window starts.
func (s *Server) SetRateLimit(perMinute int) {
	s.mu.Lock()
	s.limiter = rateLimiter{limit: max(perMinute, 0)}
	s.mu.Unlock()
}

func (s *Server) takeRate() (http.Header, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limiter.take(now)
}

// take counts one request. With the limiter off, Remaining stays at the
// full allocation so that clients pacing themselves on it never wait.
func (l *rateLimiter) take(now time.Time) (http.Header, bool) {
	if l.start.IsZero() || now.Before(l.start) || now.Sub(l.start) >= rateWindow {
		l.start, l.used = now, 0
	}
	allocation, remaining, ok := defaultAllocation, defaultAllocation, true
	if l.limit > 0 {
		allocation = l.limit
		if l.used < l.limit {
			l.used++
		} else {
			ok = false
		}
		remaining = l.limit - l.used
	}
	resets := rateWindow - now.Sub(l.start)
	h := http.Header{}
	h.Set(hdrAllocated, strconv.Itoa(allocation)+" times/"+seconds(rateWindow))
	h.Set(hdrRemaining, strconv.Itoa(remaining)+" times")
	h.Set(hdrResetsAfter, strconv.FormatFloat(resets.Seconds(), 'f', 3, 64)+" s")
	h.Set(hdrWindowLength, seconds(rateWindow))
	return h, ok
}

func seconds(d time.Duration) string {
	return strconv.Itoa(int(d/time.Second)) + " s"
}
