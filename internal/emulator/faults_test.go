package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFaultStatus(t *testing.T) {
	f := newFixture(t)
	auth := f.create("a")
	f.srv.InjectFault("GET /backend/tokens", Fault{Kind: FaultStatus, Status: 503, RetryAfter: "7", WindowResetsAfter: "3.5 s"})
	f.srv.InjectFault("GET /backend/tokens", Fault{Kind: FaultStatus, Status: 429})
	f.srv.InjectFault("GET /backend/tokens", Fault{Kind: FaultStatus})

	r := f.list(auth, "")
	expectError(t, r, 503, "Service Unavailable", "Service Unavailable")
	if r.header.Get("Retry-After") != "7" || r.header.Get("X-Request-Window-Resets-After") != "3.5 s" {
		t.Fatalf("headers %v", r.header)
	}
	r = f.list(auth, "")
	expectError(t, r, 429, "Too many requests", "Too Many Requests")
	if _, ok := r.header["Retry-After"]; ok || r.header.Get("X-Requests-Remaining") == "" {
		t.Fatalf("headers %v", r.header)
	}
	expectStatus(t, f.list(auth, ""), 500)
	expectStatus(t, f.list(auth, ""), 200)
	if f.srv.PendingFaults("GET /backend/tokens") != 0 {
		t.Fatal("faults left over")
	}
}

func TestFaultsQueuePerRouteFIFO(t *testing.T) {
	f := newFixture(t)
	auth := f.create("a")
	f.srv.InjectFaults("get /api/io/backend/tokens", 2, Fault{Kind: FaultStatus, Status: 502})
	f.srv.InjectFault("GET /backend/tokens", Fault{Kind: FaultStatus, Status: 504})
	f.srv.InjectFault("POST /auth/backend", Fault{Kind: FaultStatus, Status: 500})
	if n := f.srv.PendingFaults("GET /backend/tokens"); n != 3 {
		t.Fatalf("pending %d", n)
	}
	// Other routes and methods are untouched.
	expectStatus(t, f.do("DELETE", "/auth/backend", hdr{"authToken": auth}, `{"id": 99}`), 404)
	var got []int
	for range 4 {
		got = append(got, f.list(auth, "").status)
	}
	if want := []int{502, 502, 504, 200}; !slices.Equal(got, want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
	expectStatus(t, f.do("POST", "/auth/backend", nil, createBody("x")), 500)
	if len(f.srv.Tokens()) != 1 {
		t.Fatal("a faulted create without AfterHandling created a token")
	}
}

func TestFaultAfterHandlingLosesTheReply(t *testing.T) {
	f := newFixture(t)
	f.srv.InjectFault("POST /auth/backend", Fault{Kind: FaultStatus, Status: 502, AfterHandling: true})
	expectStatus(t, f.do("POST", "/auth/backend", nil, createBody("lost")), 502)
	toks := f.srv.Tokens()
	if len(toks) != 1 || toks[0].Name != "lost" {
		t.Fatalf("tokens %+v: the request should have been handled", toks)
	}
	// The lost token is listed and usable.
	items := listItems(t, f.list(toks[0].Token, ""))
	if len(items) != 1 || items[0].Name != "lost" {
		t.Fatalf("items %+v", items)
	}

	f.srv.InjectFault("DELETE /auth/backend", Fault{Kind: FaultConnectionReset, AfterHandling: true})
	if _, err := f.doCtx(t.Context(), "DELETE", "/auth/backend", hdr{"authToken": toks[0].Token}, `{"id": 1}`); err == nil {
		t.Fatal("want a transport error")
	}
	if len(f.srv.Tokens()) != 0 {
		t.Fatal("the delete should have happened")
	}
}

func TestFaultConnectionReset(t *testing.T) {
	f := newFixture(t)
	// Go's Transport silently retries a GET whose reused connection dies
	// before any reply; a fresh connection per request shows the reset.
	f.hc = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	auth := f.create("a")
	f.srv.InjectFault("GET /backend/tokens", Fault{Kind: FaultConnectionReset})
	f.srv.InjectFault("POST /auth/backend", Fault{Kind: FaultConnectionReset})
	if _, err := f.doCtx(t.Context(), "GET", "/backend/tokens", hdr{"authToken": auth}, ""); err == nil {
		t.Fatal("GET: want a transport error")
	}
	if _, err := f.doCtx(t.Context(), "POST", "/auth/backend", nil, createBody("b")); err == nil {
		t.Fatal("POST: want a transport error")
	}
	if len(f.srv.Tokens()) != 1 {
		t.Fatal("a reset without AfterHandling created a token")
	}
	calls := f.srv.Calls()
	last := calls[len(calls)-1]
	if last.Status != 0 || last.Fault != FaultConnectionReset {
		t.Fatalf("call %+v", last)
	}
	expectStatus(t, f.list(auth, ""), 200)
}

func TestFaultSlow(t *testing.T) {
	f := newFixture(t)
	auth := f.create("a")
	f.srv.InjectFault("GET /backend/tokens", Fault{Kind: FaultSlow, Delay: 150 * time.Millisecond})
	start := time.Now()
	expectStatus(t, f.list(auth, ""), 200)
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("slow fault took only %v", d)
	}

	// The client gives up during the delay: nothing is created.
	f.srv.InjectFault("POST /auth/backend", Fault{Kind: FaultSlow, Delay: 5 * time.Second})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, err := f.doCtx(ctx, "POST", "/auth/backend", nil, createBody("timeout")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	waitFor(t, func() bool { return f.srv.CallCount("POST /auth/backend") == 2 })
	if time.Since(start) > 3*time.Second {
		t.Fatal("the server did not notice the client leaving")
	}
	if len(f.srv.Tokens()) != 1 {
		t.Fatal("a request abandoned before handling created a token")
	}

	// With AfterHandling the token exists although the client timed out.
	f.srv.InjectFault("POST /auth/backend", Fault{Kind: FaultSlow, Delay: 5 * time.Second, AfterHandling: true})
	ctx2, cancel2 := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel2()
	if _, err := f.doCtx(ctx2, "POST", "/auth/backend", nil, createBody("ghost")); err == nil {
		t.Fatal("want a timeout")
	}
	waitFor(t, func() bool { return f.srv.CallCount("POST /auth/backend") == 3 })
	if toks := f.srv.Tokens(); len(toks) != 2 || toks[1].Name != "ghost" {
		t.Fatalf("tokens %+v", toks)
	}
	calls := f.srv.Calls()
	if c := calls[len(calls)-1]; c.Status != 0 || c.Fault != FaultSlow {
		t.Fatalf("call %+v", c)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFaultHTMLPage(t *testing.T) {
	f := newFixture(t)
	f.srv.InjectFault("POST /auth/backend", Fault{Kind: FaultHTMLPage})
	f.srv.InjectFault("POST /auth/backend", Fault{Kind: FaultHTMLPage, Status: 504})
	r := f.do("POST", "/auth/backend", nil, createBody("x"))
	if r.status != 502 || r.header.Get("Content-Type") != "text/html" || !strings.Contains(string(r.raw), "<h1>502 Bad Gateway</h1>") {
		t.Fatalf("%d %v %s", r.status, r.header, r.raw)
	}
	if json.Valid(r.raw) {
		t.Fatal("an HTML page should not be JSON")
	}
	r = f.do("POST", "/auth/backend", nil, createBody("x"))
	if r.status != 504 || !strings.Contains(string(r.raw), "504 Gateway Timeout") {
		t.Fatalf("%d %s", r.status, r.raw)
	}
}

func TestFaultMalformedJSON(t *testing.T) {
	f := newFixture(t)
	f.srv.InjectFault("POST /auth/backend", Fault{Kind: FaultMalformedJSON, AfterHandling: true})
	r := f.do("POST", "/auth/backend", nil, createBody("x"))
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("%d %v", r.status, r.header)
	}
	var v any
	if err := json.Unmarshal(r.raw, &v); err == nil {
		t.Fatalf("body %s parsed", r.raw)
	}
	if len(f.srv.Tokens()) != 1 {
		t.Fatal("AfterHandling should have created the token")
	}
}

func TestFaultBodyCode(t *testing.T) {
	f := newFixture(t)
	f.srv.InjectFault("POST /auth/backend", Fault{Kind: FaultBodyCode, Status: 403})
	f.srv.InjectFault("POST /auth/backend", Fault{Kind: FaultBodyCode})
	r := f.do("POST", "/auth/backend", nil, createBody("x"))
	if r.status != 200 || r.env.Code != 403 || r.errMsg() != "Forbidden" {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	r = f.do("POST", "/auth/backend", nil, createBody("x"))
	if r.status != 200 || r.env.Code != 500 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	if len(f.srv.Tokens()) != 0 {
		t.Fatal("no token should exist")
	}
}

func TestLatency(t *testing.T) {
	f := newFixture(t)
	f.srv.SetLatency(120 * time.Millisecond)
	start := time.Now()
	expectStatus(t, f.do("GET", "/backend/tokens", nil, ""), 401)
	if d := time.Since(start); d < 120*time.Millisecond {
		t.Fatalf("took %v", d)
	}

	f.srv.SetLatency(10 * time.Second)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := f.doCtx(ctx, "POST", "/auth/backend", nil, createBody("never")); err == nil {
		t.Fatal("want a timeout")
	}
	waitFor(t, func() bool { return f.srv.CallCount("POST /auth/backend") == 1 })
	if c := f.srv.Calls()[1]; c.Status != 0 || len(f.srv.Tokens()) != 0 {
		t.Fatalf("call %+v, tokens %v", c, f.srv.Tokens())
	}
	f.srv.SetLatency(0)
	f.create("now")
}

func TestFaultKindString(t *testing.T) {
	if FaultNone.String() != "none" || FaultBodyCode.String() != "body-code" || FaultKind(42).String() != "FaultKind(42)" {
		t.Fatal(FaultNone, FaultBodyCode, FaultKind(42))
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a malformed route should panic")
		}
	}()
	New(Options{}).InjectFault("/auth/backend", Fault{})
}
