package emulator

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestFaultRedirect(t *testing.T) {
	f := newFixture(t)
	followed := false
	f.hc.CheckRedirect = func(*http.Request, []*http.Request) error {
		followed = true
		return http.ErrUseLastResponse
	}
	f.srv.InjectFault("POST /auth/backend", Fault{Kind: FaultRedirect})
	f.srv.InjectFault("GET /backend/tokens", Fault{Kind: FaultRedirect, Status: 307, Location: "https://elsewhere.invalid/x"})

	r := f.do("POST", "/auth/backend", nil, createBody("x"))
	if r.status != 302 || r.header.Get("Location") != "http://attacker.invalid/steal?x=1" || json.Valid(r.raw) {
		t.Fatalf("%d %v %s", r.status, r.header, r.raw)
	}
	if r.header.Get("X-Requests-Remaining") == "" || len(f.srv.Tokens()) != 0 {
		t.Fatal("no rate headers, or the redirected create was handled")
	}
	r = f.do("GET", "/backend/tokens", nil, "")
	if r.status != 307 || r.header.Get("Location") != "https://elsewhere.invalid/x" {
		t.Fatalf("%d %v", r.status, r.header)
	}
	if !followed || f.srv.Calls()[1].Fault != FaultRedirect {
		t.Fatal("the client was not offered a redirect, or the call does not show the fault")
	}
	for _, status := range []int{301, 302, 303, 307, 308} {
		if err := (Fault{Kind: FaultRedirect, Status: status}).Validate(); err != nil {
			t.Error(err)
		}
	}
	for _, status := range []int{200, 300, 304, 404, 1000} {
		if (Fault{Kind: FaultRedirect, Status: status}).Validate() == nil {
			t.Errorf("redirect status %d accepted", status)
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("injecting an invalid fault should panic")
		}
	}()
	f.srv.InjectFault("GET /backend/tokens", Fault{Kind: FaultRedirect, Status: 200})
}

// metaKeys decodes a reply's meta as a generic object.
func metaKeys(t *testing.T, r *response) map[string]json.RawMessage {
	t.Helper()
	var env struct{ Meta map[string]json.RawMessage }
	if err := json.Unmarshal(r.raw, &env); err != nil {
		t.Fatalf("%s: %v", r.raw, err)
	}
	return env.Meta
}

func TestFaultNoPagination(t *testing.T) {
	f := newFixture(t)
	auth := f.srv.SeedTokens(3, "t", adminEmail)[0].Token
	f.srv.InjectFault("GET /backend/tokens", Fault{Kind: FaultNoPagination})
	r := f.list(auth, "?limit=2")
	if got := ids(listItems(t, r)); len(got) != 2 || got[0] != 3 {
		t.Fatalf("data %s", r.env.Data)
	}
	if m := metaKeys(t, r); m["pagination"] != nil || string(m["message"]) != `"SUCCESS"` {
		t.Fatalf("meta %s", r.raw)
	}
	if r.header.Get("X-Requests-Remaining") == "" {
		t.Fatal("no rate headers")
	}
	if r := f.list(auth, "?limit=2"); r.env.Meta.Pagination == nil {
		t.Fatal("the fault was not consumed")
	}
}

func TestFaultNullData(t *testing.T) {
	f := newFixture(t)
	auth := f.srv.SeedTokens(3, "t", adminEmail)[0].Token
	f.srv.InjectFault("GET /backend/tokens", Fault{Kind: FaultNullData})
	r := f.list(auth, "")
	expectStatus(t, r, 200)
	if string(r.env.Data) != "null" || r.env.Meta.Pagination == nil || r.env.Meta.Pagination.TotalCount != 3 {
		t.Fatalf("reply %s", r.raw)
	}
	// A reshaped create is handled: the token exists though the reply lost it.
	f.srv.InjectFault("POST /auth/backend", Fault{Kind: FaultNullData})
	r = f.do("POST", "/auth/backend", nil, createBody("lost"))
	if r.status != 200 || string(r.env.Data) != "null" || len(f.srv.Tokens()) != 4 {
		t.Fatalf("reply %s, %d tokens", r.raw, len(f.srv.Tokens()))
	}
}

func TestFaultNotAList(t *testing.T) {
	f := newFixture(t)
	toks := f.srv.SeedTokens(2, "t", adminEmail)
	f.srv.InjectFault("GET /backend/tokens", Fault{Kind: FaultNotAList})
	r := f.list(toks[0].Token, "")
	expectStatus(t, r, 200)
	var obj map[string]tokenItem
	r.data(t, &obj)
	if len(obj) != 2 || obj["0"].ID != 2 || obj["1"].ID != 1 || r.env.Meta.Pagination.TotalCount != 2 {
		t.Fatalf("reply %s", r.raw)
	}
	// An empty page becomes an empty object.
	f.srv.InjectFault("GET /backend/tokens", Fault{Kind: FaultNotAList})
	if r := f.list(toks[0].Token, "?offset=10"); string(r.env.Data) != "{}" {
		t.Fatalf("reply %s", r.raw)
	}
}

func TestFaultTotalCount(t *testing.T) {
	f := newFixture(t)
	auth := f.srv.SeedTokens(3, "t", adminEmail)[0].Token
	for _, total := range []int{-1, 1 << 40, 0} {
		f.srv.InjectFault("GET /backend/tokens", Fault{Kind: FaultTotalCount, TotalCount: total})
		r := f.list(auth, "?limit=2&offset=1")
		var env struct {
			Meta struct{ Pagination map[string]int64 }
		}
		if err := json.Unmarshal(r.raw, &env); err != nil {
			t.Fatal(err)
		}
		p := env.Meta.Pagination
		if p["totalCount"] != int64(total) || p["offset"] != 1 || p["limit"] != 2 || len(listItems(t, r)) != 2 {
			t.Fatalf("total %d: reply %s", total, r.raw)
		}
	}
}

func TestFaultEmptyListing(t *testing.T) {
	f := newFixture(t)
	auth := f.srv.SeedTokens(3, "t", adminEmail)[0].Token
	f.srv.InjectFault("GET /backend/tokens", Fault{Kind: FaultEmptyListing})
	r := f.list(auth, "?limit=2&offset=1")
	expectStatus(t, r, 200)
	want := `{"code":200,"data":[],"meta":{"message":"SUCCESS","pagination":{"totalCount":0,"offset":1,"limit":2}}}`
	if string(r.raw) != want || r.header.Get("X-Requests-Remaining") == "" {
		t.Fatalf("reply %s, want %s", r.raw, want)
	}
	if r := f.list(auth, "?limit=2&offset=1"); len(listItems(t, r)) != 2 || r.env.Meta.Pagination.TotalCount != 3 {
		t.Fatalf("the fault was not consumed: %s", r.raw)
	}
	// The request is handled for real: a create creates.
	f.srv.InjectFault("POST /auth/backend", Fault{Kind: FaultEmptyListing})
	r = f.do("POST", "/auth/backend", nil, createBody("unseen"))
	if r.status != 200 || string(r.env.Data) != "[]" || len(f.srv.Tokens()) != 4 {
		t.Fatalf("reply %s, %d tokens", r.raw, len(f.srv.Tokens()))
	}
}

// A reshaping fault leaves a failed reply as it is, and is used up.
func TestReshapeKeepsErrors(t *testing.T) {
	f := newFixture(t)
	for _, k := range []FaultKind{FaultNoPagination, FaultNullData, FaultNotAList, FaultTotalCount, FaultEmptyListing} {
		f.srv.InjectFault("GET /backend/tokens", Fault{Kind: k, TotalCount: 5})
		expectUnauthorized(t, f.do("GET", "/backend/tokens", nil, ""), 401, msgNoCredentials)
		if f.srv.PendingFaults("GET /backend/tokens") != 0 {
			t.Fatalf("%v not consumed", k)
		}
	}
}

// A gateway's HTML 404 can stand in front of any route, known or not; the
// API's own 404s are JSON.
func TestFaultHTML404OnAnyRoute(t *testing.T) {
	f := newFixture(t)
	auth := f.create("a")
	routes := []struct{ method, path, body string }{
		{"GET", "/backend/tokens", ""},
		{"DELETE", "/auth/backend", `{"id": 1}`},
		{"POST", "/auth/backend", createBody("b")},
		{"POST", "/auth/customers/storefront", `{"customerId": 7}`},
		{"GET", "/auth/storefront?jwtToken=x", ""},
		{"GET", "/no/such/route", ""},
	}
	for _, rt := range routes {
		path, _, _ := strings.Cut(rt.path, "?")
		f.srv.InjectFault(rt.method+" "+path, Fault{Kind: FaultHTMLPage, Status: 404})
		r := f.do(rt.method, rt.path, hdr{"authToken": auth}, rt.body)
		if r.status != 404 || r.header.Get("Content-Type") != "text/html" || json.Valid(r.raw) ||
			!strings.Contains(string(r.raw), "<h1>404 Not Found</h1>") {
			t.Errorf("%s %s: %d %v %s", rt.method, rt.path, r.status, r.header, r.raw)
		}
	}
	if len(f.srv.Tokens()) != 1 {
		t.Fatal("a faulted request was handled")
	}
	r := f.do("DELETE", "/auth/backend", hdr{"authToken": auth}, `{"id": 99}`)
	expectError(t, r, 404, "No matching token was found.", "Not Found Error")
}

func TestParseFaultKind(t *testing.T) {
	for k, name := range faultNames {
		got, err := ParseFaultKind(name)
		if k == FaultNone {
			if err == nil {
				t.Error("none parsed")
			}
			continue
		}
		if err != nil || got != k {
			t.Errorf("%s: %v %v", name, got, err)
		}
	}
	if _, err := ParseFaultKind("explode"); err == nil {
		t.Fatal("explode parsed")
	}
}

func TestFaultValidate(t *testing.T) {
	bad := []Fault{
		{Kind: FaultNone},
		{Kind: FaultKind(99)},
		{Kind: FaultStatus, Status: 42},
		{Kind: FaultBodyCode, Status: 200},
		{Kind: FaultSlow, Delay: -1},
	}
	for _, flt := range bad {
		if flt.Validate() == nil {
			t.Errorf("%+v accepted", flt)
		}
	}
	if err := (Fault{}).Validate(); err != nil {
		t.Fatal(err)
	}
}
