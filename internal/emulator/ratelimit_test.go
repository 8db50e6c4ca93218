package emulator

import (
	"regexp"
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
