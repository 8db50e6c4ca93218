package emulator

import (
	"regexp"
	"strconv"
	"testing"
	"time"
)

var rateHeaderFormats = map[string]*regexp.Regexp{
	"X-Requests-Allocated":          regexp.MustCompile(`^\d+ times/60 s$`),
	"X-Requests-Remaining":          regexp.MustCompile(`^\d+ times$`),
	"X-Request-Window-Resets-After": regexp.MustCompile(`^\d+\.\d+ s$`),
	"X-Requests-Window-Length":      regexp.MustCompile(`^60 s$`),
}

func TestRateHeadersOnEveryReply(t *testing.T) {
	f := newFixture(t)
	auth := f.create("a")
	f.srv.InjectFault("GET /backend/tokens", Fault{Kind: FaultHTMLPage})
	f.srv.InjectFault("GET /backend/tokens", Fault{Kind: FaultBodyCode, Status: 500})
	replies := []*response{
		f.list(auth, ""), // HTML page
		f.list(auth, ""), // body code
		f.list(auth, ""),
		f.list(auth, "?limit=0"),
		f.do("GET", "/nope", nil, ""),
		f.do("PUT", "/auth/backend", nil, ""),
		f.do("POST", "/auth/backend", nil, createBody("b")),
	}
	for i, r := range replies {
		for name, re := range rateHeaderFormats {
			if v := r.header.Get(name); !re.MatchString(v) {
				t.Errorf("reply %d: %s = %q", i, name, v)
			}
		}
		// Off by default: the allocation is the documented one and is never used up.
		if r.header.Get("X-Requests-Allocated") != "150 times/60 s" || r.header.Get("X-Requests-Remaining") != "150 times" {
			t.Errorf("reply %d: %v", i, r.header)
		}
	}
}

func TestRateLimit(t *testing.T) {
	f := newFixture(t)
	f.srv.SetRateLimit(3)
	var remaining []string
	for range 3 {
		r := f.do("GET", "/backend/tokens", nil, "")
		expectStatus(t, r, 401)
		remaining = append(remaining, r.header.Get("X-Requests-Remaining"))
		if r.header.Get("X-Requests-Allocated") != "3 times/60 s" {
			t.Fatalf("allocated %q", r.header.Get("X-Requests-Allocated"))
		}
	}
	if remaining[0] != "2 times" || remaining[2] != "0 times" {
		t.Fatalf("remaining %v", remaining)
	}

	f.clock.Advance(12345 * time.Millisecond)
	f.srv.InjectFault("POST /auth/backend", Fault{Kind: FaultStatus, Status: 500})
	r := f.do("POST", "/auth/backend", nil, createBody("over"))
	expectError(t, r, 429, "Too many requests", "Too Many Requests")
	if got := r.header.Get("X-Request-Window-Resets-After"); got != "47.655 s" {
		t.Fatalf("resets after %q", got)
	}
	if _, ok := r.header["Retry-After"]; ok {
		t.Fatal("Retry-After sent")
	}
	if len(f.srv.Tokens()) != 0 || f.srv.PendingFaults("POST /auth/backend") != 1 {
		t.Fatal("a limited request reached the handler or consumed a fault")
	}

	f.clock.Advance(48 * time.Second)
	r = f.do("GET", "/backend/tokens", nil, "")
	expectStatus(t, r, 401)
	if r.header.Get("X-Requests-Remaining") != "2 times" || r.header.Get("X-Request-Window-Resets-After") != "60.000 s" {
		t.Fatalf("new window headers %v", r.header)
	}

	f.srv.SetRateLimit(0)
	for range 10 {
		expectStatus(t, f.do("GET", "/backend/tokens", nil, ""), 401)
	}
}

func TestRateLimitWindow(t *testing.T) {
	f := newFixture(t)
	f.srv.SetRateLimitWindow(2, 10*time.Second)
	for i, want := range []string{"1 times", "0 times"} {
		r := f.do("GET", "/backend/tokens", nil, "")
		expectStatus(t, r, 401)
		got := [4]string{r.header.Get("X-Requests-Allocated"), r.header.Get("X-Requests-Remaining"),
			r.header.Get("X-Request-Window-Resets-After"), r.header.Get("X-Requests-Window-Length")}
		if got != [4]string{"2 times/10 s", want, "10.000 s", "10 s"} {
			t.Fatalf("request %d: headers %q", i, got)
		}
	}
	f.clock.Advance(2500 * time.Millisecond)
	for range 3 {
		r := f.do("POST", "/auth/backend", nil, createBody("over"))
		expectError(t, r, 429, "Too many requests", "Too Many Requests")
		if r.header.Get("X-Requests-Remaining") != "0 times" || r.header.Get("X-Request-Window-Resets-After") != "7.500 s" {
			t.Fatalf("429 headers %v", r.header)
		}
	}
	if f.srv.RateLimited() != 3 || f.srv.StatusCount(429) != 3 || len(f.srv.Tokens()) != 0 {
		t.Fatalf("RateLimited %d, StatusCount %d, tokens %d", f.srv.RateLimited(), f.srv.StatusCount(429), len(f.srv.Tokens()))
	}
	calls := f.srv.Calls()
	if !calls[2].RateLimited || calls[1].RateLimited || calls[2].Fault != FaultNone {
		t.Fatalf("calls %+v", calls)
	}

	// Refused requests are not counted: the next window starts full.
	f.clock.Advance(7500 * time.Millisecond)
	r := f.do("GET", "/backend/tokens", nil, "")
	if r.status != 401 || r.header.Get("X-Requests-Remaining") != "1 times" || r.header.Get("X-Request-Window-Resets-After") != "10.000 s" {
		t.Fatalf("new window: %d %v", r.status, r.header)
	}

	// A 429 fault is a 429 the client receives, not one the limiter sent.
	f.srv.SetRateLimit(0)
	f.srv.InjectFault("GET /backend/tokens", Fault{Kind: FaultStatus, Status: 429})
	expectStatus(t, f.do("GET", "/backend/tokens", nil, ""), 429)
	if f.srv.RateLimited() != 3 || f.srv.StatusCount(429) != 4 {
		t.Fatalf("RateLimited %d, StatusCount %d", f.srv.RateLimited(), f.srv.StatusCount(429))
	}
}

func TestRateWindowOfPartSeconds(t *testing.T) {
	f := newFixture(t)
	f.srv.SetRateLimitWindow(5, 1500*time.Millisecond)
	r := f.do("GET", "/backend/tokens", nil, "")
	if r.header.Get("X-Requests-Allocated") != "5 times/1.5 s" || r.header.Get("X-Requests-Window-Length") != "1.5 s" {
		t.Fatalf("headers %v", r.header)
	}
	// No window given: a minute.
	f.srv.SetRateLimitWindow(5, 0)
	if r := f.do("GET", "/backend/tokens", nil, ""); r.header.Get("X-Requests-Allocated") != "5 times/60 s" {
		t.Fatalf("headers %v", r.header)
	}
}

func TestSpendRate(t *testing.T) {
	f := newFixture(t)
	f.srv.SetRateLimitWindow(10, time.Minute)
	f.srv.SpendRate(8) // starts the window
	f.clock.Advance(5 * time.Second)
	remaining := func() string {
		r := f.do("GET", "/backend/tokens", nil, "")
		return r.header.Get("X-Requests-Remaining") + " " + r.header.Get("X-Request-Window-Resets-After") + " " + strconv.Itoa(r.status)
	}
	for _, want := range []string{"1 times 55.000 s 401", "0 times 55.000 s 401", "0 times 55.000 s 429"} {
		if got := remaining(); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}

	// Spending more than is left empties the window, no further.
	f.clock.Advance(time.Minute)
	f.srv.SpendRate(3)
	f.srv.SpendRate(1000)
	f.srv.SpendRate(-4)
	if got := remaining(); got != "0 times 60.000 s 429" {
		t.Fatalf("got %q", got)
	}
	f.clock.Advance(time.Minute)
	if got := remaining(); got != "9 times 60.000 s 401" {
		t.Fatalf("got %q", got)
	}

	// With the limiter off, spending is invisible.
	f.srv.SetRateLimit(0)
	f.srv.SpendRate(500)
	if got := remaining(); got != "150 times 60.000 s 401" {
		t.Fatalf("got %q", got)
	}
}
