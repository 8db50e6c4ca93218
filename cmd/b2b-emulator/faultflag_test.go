package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

func TestParseFault(t *testing.T) {
	cases := map[string]struct {
		route string
		f     emulator.Fault
	}{
		"POST /auth/backend=status:500":       {"POST /auth/backend", emulator.Fault{Kind: emulator.FaultStatus, Status: 500}},
		"get /api/io/backend/tokens=status":   {"GET /api/io/backend/tokens", emulator.Fault{Kind: emulator.FaultStatus}},
		"GET /backend/tokens=slow:1.5s":       {"GET /backend/tokens", emulator.Fault{Kind: emulator.FaultSlow, Delay: 1500 * time.Millisecond}},
		"GET /backend/tokens=total-count:-1":  {"GET /backend/tokens", emulator.Fault{Kind: emulator.FaultTotalCount, TotalCount: -1}},
		"GET /anything=html-page:404":         {"GET /anything", emulator.Fault{Kind: emulator.FaultHTMLPage, Status: 404}},
		"DELETE /auth/backend=redirect:307":   {"DELETE /auth/backend", emulator.Fault{Kind: emulator.FaultRedirect, Status: 307}},
		"GET /backend/tokens=not-a-list":      {"GET /backend/tokens", emulator.Fault{Kind: emulator.FaultNotAList}},
		"GET /backend/tokens=empty-listing":   {"GET /backend/tokens", emulator.Fault{Kind: emulator.FaultEmptyListing}},
		"POST /auth/backend=connection-reset": {"POST /auth/backend", emulator.Fault{Kind: emulator.FaultConnectionReset}},
	}
	for spec, want := range cases {
		route, f, err := parseFault(spec)
		if err != nil || route != want.route || f != want.f {
			t.Errorf("%q: %q %+v %v", spec, route, f, err)
		}
	}
	bad := map[string]string{
		"POST /auth/backend":                  "want \"METHOD /path=kind[:arg]\"",
		"/auth/backend=status":                "want",
		"FETCH /auth/backend=status":          "want",
		"POST auth/backend=status":            "want",
		"POST /auth/backend=explode":          "unknown fault kind",
		"POST /auth/backend=none":             "unknown fault kind",
		"POST /auth/backend=status:abc":       "bad argument",
		"POST /auth/backend=status:42":        "not an HTTP status",
		"POST /auth/backend=redirect:200":     "not 301",
		"POST /auth/backend=slow":             "needs a delay",
		"POST /auth/backend=slow:-1s":         "negative",
		"GET /backend/tokens=total-count":     "needs a number",
		"GET /backend/tokens=null-data:3":     "takes no argument",
		"GET /backend/tokens=empty-listing:0": "takes no argument",
		"POST /auth/backend=body-code:200":    ">= 400",
	}
	for spec, want := range bad {
		if _, _, err := parseFault(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", spec, err, want)
		}
	}
}

// -fault values are queued at start, in order, each used by one request.
func TestFaultsQueuedAtStart(t *testing.T) {
	sys, _, _ := testSystem(nil)
	cfg, err := parseConfig([]string{"-fault", "POST /auth/backend=status:503", "-fault", "POST /auth/backend=redirect",
		"-fault", "GET /nowhere=html-page:404"}, sys)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	client := ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	body := `{"storeHash":"abc123","email":"admin@example.com","password":"demo-password","name":"n"}`
	var got []int
	for range 3 {
		res, err := client.Post(ts.URL+"/api/io/auth/backend", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		got = append(got, res.StatusCode)
	}
	res, err := client.Get(ts.URL + "/api/io/nowhere")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got[0] != 503 || got[1] != 302 || got[2] != 200 || res.StatusCode != 404 || res.Header.Get("Content-Type") != "text/html" {
		t.Fatalf("statuses %v, then %d %s", got, res.StatusCode, res.Header.Get("Content-Type"))
	}
}
