package emulator

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestUnknownPathIs404(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/api/io/nope", "/api/io", "/api/io/backend/tokens/", "/backend/tokens", "/api/v3/io/backend/tokens"} {
		res, err := f.hc.Get(f.http.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", path, res.StatusCode)
		}
	}
	expectDetail(t, f.do("GET", "/nope", nil, ""), 404, "Not found.")
}

func TestWrongMethodIs405(t *testing.T) {
	f := newFixture(t)
	cases := []struct{ method, path, allow string }{
		{"PUT", "/auth/backend", "POST, DELETE"},
		{"GET", "/auth/backend", "POST, DELETE"},
		{"POST", "/backend/tokens", "GET"},
		{"DELETE", "/backend/tokens", "GET"},
		{"GET", "/auth/customers/storefront", "POST"},
		{"GET", "/auth/customers", "POST"},
		{"POST", "/auth/storefront", "GET"},
	}
	for _, c := range cases {
		r := f.do(c.method, c.path, nil, "")
		expectDetail(t, r, 405, fmt.Sprintf("Method %q not allowed.", c.method))
		if got := r.header.Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
	}
}

func TestDefaults(t *testing.T) {
	s := New(Options{})
	if s.StoreHash() != "abc123" {
		t.Fatalf("store hash %q", s.StoreHash())
	}
	tok := s.AddToken("n", "e@example.com")
	if tok.ID != 1 || tok.StoreHash != "abc123" || tok.EventChannel != "app" || tok.CreatedAt.IsZero() {
		t.Fatalf("token %+v", tok)
	}
}

func TestBodyTooLarge(t *testing.T) {
	f := newFixture(t)
	r := f.do("POST", "/auth/backend", nil, `{"name":"`+strings.Repeat("x", maxBody)+`"}`)
	expectStatus(t, r, 413)
}

// A recorder works as well as a real server for ordinary replies.
func TestServesThroughRecorder(t *testing.T) {
	s := New(Options{})
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", "/api/io/backend/tokens", nil))
	if w.Code != 401 || !strings.Contains(w.Body.String(), msgNoCredentials) {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

// Creates, lists, fault injections and reads of the record, all at once: every create
// gets a token of its own, ids stay dense, and the record misses no call.
func TestConcurrentCreatesEachGetTheirOwnToken(t *testing.T) {
	f := newFixture(t)
	admin := f.create("first")
	const workers, each = 16, 10
	values, errs := f.createConcurrently(t.Context(), workers, each)
	for _, err := range errs {
		t.Error(err)
	}
	seen := map[string]bool{admin: true}
	for _, v := range values {
		if seen[v] {
			t.Fatalf("duplicate token value %q", v)
		}
		seen[v] = true
	}
	toks := f.srv.Tokens()
	if len(toks) != workers*each+1 {
		t.Fatalf("%d tokens, want %d", len(toks), workers*each+1)
	}
	for i, tok := range toks {
		if tok.ID != int64(i+1) || !seen[tok.Token] {
			t.Fatalf("token %d: %+v", i, tok)
		}
	}
	if got := f.srv.CallCount("POST /auth/backend"); got != workers*each+1 {
		t.Fatalf("CallCount %d", got)
	}
}

// createConcurrently runs workers goroutines that each, each times, create a token, list
// with it, inject a fault and read the record. It returns the values created and the
// failures.
func (f *fixture) createConcurrently(ctx context.Context, workers, each int) (values []string, errs []error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				value, err := f.createAndList(ctx, fmt.Sprintf("w%d-%d", w, i))
				f.srv.InjectFault("GET /nowhere", Fault{})
				_ = f.srv.Calls()
				mu.Lock()
				if value != "" {
					values = append(values, value)
				}
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return values, errs
}

// createAndList creates a token named name and lists the tokens with it; it returns the
// token's value, empty when the create failed.
func (f *fixture) createAndList(ctx context.Context, name string) (string, error) {
	r, err := f.doCtx(ctx, "POST", "/auth/backend", nil, createBody(name))
	if err != nil || r.status != 200 {
		return "", fmt.Errorf("create: %v %v", err, r)
	}
	var d []nameToken
	if err := jsonUnmarshal(r.env.Data, &d); err != nil || len(d) != 1 {
		return "", fmt.Errorf("create data %s", r.env.Data)
	}
	if r, err := f.doCtx(ctx, "GET", "/backend/tokens?limit=5", hdr{"authToken": d[0].Token}, ""); err != nil || r.status != 200 {
		return d[0].Token, fmt.Errorf("list: %v", err)
	}
	return d[0].Token, nil
}

func TestConcurrentDeletesOfOneIDExactlyOneWins(t *testing.T) {
	f := newFixture(t)
	admin := f.create("first")
	f.create("second")
	var ok, notFound int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			r, err := f.doCtx(t.Context(), "DELETE", "/auth/backend", hdr{"authToken": admin}, `{"id": 2}`)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			switch r.status {
			case 200:
				ok++
			case 404:
				notFound++
			}
		})
	}
	wg.Wait()
	if ok != 1 || notFound != 7 {
		t.Fatalf("deletes: %d ok, %d not found", ok, notFound)
	}
}

func TestNilBody(t *testing.T) {
	s := New(Options{})
	w := httptest.NewRecorder()
	req := httptest.NewRequest("DELETE", "/api/io/auth/backend", nil)
	req.Body = nil
	req.Header.Set("authToken", s.AddToken("n", "e@example.com").Token)
	s.ServeHTTP(w, req)
	if w.Code != 400 || !strings.Contains(w.Body.String(), `"id":["This field is required."]`) {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}
