package emulator

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	adminEmail    = "admin@example.com"
	adminPassword = "admin-pw"
	storeToken    = "store-level-token"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	t     *testing.T
	srv   *Server
	http  *httptest.Server
	base  string
	clock *fakeClock
	hc    *http.Client
}

func defaultOptions(clock *fakeClock) Options {
	return Options{
		Users: []User{
			{Email: adminEmail, Password: adminPassword, Role: "administrator"},
			{Email: "owner@example.com", Password: "owner-pw", Role: "store_owner"},
			{Email: "custom@example.com", Password: "custom-pw", Role: "token_manager"},
		},
		Customers: []Customer{
			{ID: 7, Email: "buyer@example.com", Password: "buyer-pw"},
			{ID: 8, Email: "second@example.com", Password: "second-pw", ChannelIDs: []int64{2}},
		},
		AccessTokens: []string{storeToken},
		Now:          clock.Now,
	}
}

func newFixture(t *testing.T, tweak ...func(*Options)) *fixture {
	t.Helper()
	clock := &fakeClock{t: time.Date(2025, 10, 1, 12, 0, 0, 0, time.UTC)}
	opts := defaultOptions(clock)
	for _, f := range tweak {
		f(&opts)
	}
	srv := New(opts)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &fixture{t: t, srv: srv, http: ts, base: ts.URL + "/api/io", clock: clock, hc: ts.Client()}
}

type response struct {
	status int
	header http.Header
	raw    []byte
	env    struct {
		Code int             `json:"code"`
		Data json.RawMessage `json:"data"`
		Meta struct {
			Message    string `json:"message"`
			Pagination *struct {
				TotalCount int `json:"totalCount"`
				Offset     int `json:"offset"`
				Limit      int `json:"limit"`
			} `json:"pagination"`
		} `json:"meta"`
		Detail string `json:"detail"`
	}
}

// errMsg returns data.errMsg decoded as a generic value.
func (r *response) errMsg() any {
	var d struct {
		ErrMsg any `json:"errMsg"`
	}
	if err := json.Unmarshal(r.env.Data, &d); err != nil {
		return nil
	}
	return d.ErrMsg
}

func (r *response) data(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.env.Data, v); err != nil {
		t.Fatalf("data %s: %v", r.env.Data, err)
	}
}

type hdr map[string]string

func (f *fixture) doCtx(ctx context.Context, method, path string, h hdr, body string) (*response, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, f.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range h {
		req.Header.Set(k, v)
	}
	res, err := f.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	r := &response{status: res.StatusCode, header: res.Header}
	if r.raw, err = io.ReadAll(res.Body); err != nil {
		return nil, err
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(r.raw, &r.env) // malformed bodies are checked by the caller
	}
	return r, nil
}

func (f *fixture) do(method, path string, h hdr, body string) *response {
	f.t.Helper()
	r, err := f.doCtx(context.Background(), method, path, h, body)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func createBody(name string) string {
	return mustJSON(map[string]string{"storeHash": "abc123", "email": adminEmail, "password": adminPassword, "name": name})
}

// create makes a token through the API and returns its value.
func (f *fixture) create(name string) string {
	f.t.Helper()
	r := f.do("POST", "/auth/backend", nil, createBody(name))
	expectStatus(f.t, r, 200)
	var d []nameToken
	r.data(f.t, &d)
	if len(d) != 1 || d[0].Token == "" {
		f.t.Fatalf("create reply data %s", r.env.Data)
	}
	return d[0].Token
}

func (f *fixture) list(auth, query string) *response {
	f.t.Helper()
	return f.do("GET", "/backend/tokens"+query, hdr{"authToken": auth}, "")
}

func listItems(t *testing.T, r *response) []tokenItem {
	t.Helper()
	expectStatus(t, r, 200)
	var items []tokenItem
	r.data(t, &items)
	return items
}

func expectStatus(t *testing.T, r *response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body %s", r.status, want, r.raw)
	}
	if strings.HasPrefix(r.header.Get("Content-Type"), "application/json") && r.env.Detail == "" && r.env.Code != want {
		t.Fatalf("body code %d, want %d; body %s", r.env.Code, want, r.raw)
	}
}

// expectError checks an error envelope: status, body code, errMsg and meta.message.
func expectError(t *testing.T, r *response, status int, errMsg any, category string) {
	t.Helper()
	expectStatus(t, r, status)
	got, _ := json.Marshal(r.errMsg())
	want, _ := json.Marshal(errMsg)
	if !bytes.Equal(got, want) {
		t.Errorf("errMsg %s, want %s (body %s)", got, want, r.raw)
	}
	if r.env.Meta.Message != category {
		t.Errorf("meta.message %q, want %q", r.env.Meta.Message, category)
	}
}

func expectDetail(t *testing.T, r *response, status int, detail string) {
	t.Helper()
	if r.status != status || r.env.Detail != detail {
		t.Fatalf("got %d %s, want %d detail %q", r.status, r.raw, status, detail)
	}
	var m map[string]any
	if err := json.Unmarshal(r.raw, &m); err != nil || len(m) != 1 {
		t.Fatalf("detail body %s is not {\"detail\": ...}", r.raw)
	}
}

// decodeJWT checks the header and the signature with the server's secret
// and decodes the payload into a map.
func decodeJWT(t *testing.T, s *Server, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d parts", tok, len(parts))
	}
	for _, p := range parts {
		if strings.ContainsAny(p, "=+/") {
			t.Fatalf("segment %q is not unpadded base64url", p)
		}
	}
	head, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || string(head) != `{"typ":"JWT","alg":"HS256"}` {
		t.Fatalf("header %q, %v", head, err)
	}
	mac := hmac.New(sha256.New, s.secret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if base64.RawURLEncoding.EncodeToString(mac.Sum(nil)) != parts[2] {
		t.Fatalf("bad signature on %q", tok)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// expectUnauthorized checks a refused credential's reply: exactly
// {"code": status, "data": {"errMsg": msg}, "meta": {"message": "Unauthorized" or "Forbidden"}}.
func expectUnauthorized(t *testing.T, r *response, status int, msg string) {
	t.Helper()
	want := mustJSON(map[string]any{
		"code": status,
		"data": map[string]string{"errMsg": msg},
		"meta": map[string]string{"message": http.StatusText(status)},
	})
	var got any
	if r.status != status || json.Unmarshal(r.raw, &got) != nil || mustJSON(got) != want {
		t.Fatalf("got %d %s, want %d %s", r.status, r.raw, status, want)
	}
}
