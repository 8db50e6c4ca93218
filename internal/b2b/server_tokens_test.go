package b2b

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestEachCallSendsItsCredentialHeaders(t *testing.T) {
	type cfgT struct{ auth, access, store string }
	const none = ""
	tests := []struct {
		name      string
		cfg       cfgT
		op        string // list, delete, create
		reqStore  string // create's storeHash
		wantAuth  string // authToken header
		wantXAuth string // X-Auth-Token
		wantStore string // X-Store-Hash
	}{
		// The access token comes first for lists and deletes (here the fake accepts it);
		// TestStoreCredentialsInOrder covers the fallback.
		{"list tries the access token first", cfgT{testAuthToken, testAccessToken, testStoreHash}, "list", "", none, testAccessToken, testStoreHash},
		{"list with authToken only", cfgT{testAuthToken, none, none}, "list", "", testAuthToken, none, none},
		{"list with authToken, access token of no store", cfgT{testAuthToken, testAccessToken, none}, "list", "", testAuthToken, none, none},
		{"delete tries the access token first", cfgT{testAuthToken, testAccessToken, testStoreHash}, "delete", "", none, testAccessToken, testStoreHash},
		{"delete with authToken only", cfgT{testAuthToken, none, testStoreHash}, "delete", "", testAuthToken, none, none},
		{"create with access token for the same store", cfgT{testAuthToken, testAccessToken, testStoreHash}, "create", testStoreHash, none, testAccessToken, testStoreHash},
		{"create with access token and no configured store", cfgT{none, testAccessToken, none}, "create", "otherstore", none, testAccessToken, "otherstore"},
		{"create for another store sends no credential", cfgT{testAuthToken, testAccessToken, testStoreHash}, "create", "otherstore", none, none, none},
		{"create without access token sends no credential", cfgT{testAuthToken, none, testStoreHash}, "create", testStoreHash, none, none, none},
		{"create without a store hash sends no credential", cfgT{none, testAccessToken, none}, "create", "", none, none, none},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.setAccessStatus(0)
			tok := f.addToken("x", "o@example.com")
			c := f.client(t, func(cfg *Config) {
				cfg.AuthToken, cfg.AccessToken, cfg.StoreHash = tt.cfg.auth, tt.cfg.access, tt.cfg.store
			})
			var err error
			switch tt.op {
			case "list":
				_, err = c.ListServerTokens(context.Background())
			case "delete":
				_, err = c.DeleteServerToken(context.Background(), tok.ID)
			case "create":
				_, err = c.CreateServerToken(context.Background(), CreateServerTokenRequest{StoreHash: tt.reqStore, Email: "o@example.com", Password: testPassword, Name: "n"})
			}
			if err != nil {
				t.Fatal(err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			h := reqs[0].Header
			for _, c := range []struct{ name, want string }{
				{"authToken", tt.wantAuth}, {"X-Auth-Token", tt.wantXAuth}, {"X-Store-Hash", tt.wantStore},
			} {
				if got, ok := h[http.CanonicalHeaderKey(c.name)]; c.want == "" && ok {
					t.Errorf("%s sent (%q), want none", c.name, got)
				} else if c.want != "" && (len(got) != 1 || got[0] != c.want) {
					t.Errorf("%s = %q, want %q", c.name, got, c.want)
				}
			}
			if h.Get("User-Agent") != testUserAgent {
				t.Errorf("User-Agent = %q", h.Get("User-Agent"))
			}
		})
	}
}

func TestCreateSendsTheRequestAsJSON(t *testing.T) {
	f := newFake(t)
	c := f.client(t)
	req := CreateServerTokenRequest{StoreHash: testStoreHash, Email: "owner@example.com", Password: testPassword, Name: "ci token"}
	created, err := c.CreateServerToken(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 1 || reqs[0].Method != http.MethodPost || reqs[0].Path != "/auth/backend" || reqs[0].Query != "" {
		t.Fatalf("requests %+v", reqs)
	}
	var sent map[string]any
	if err := json.Unmarshal(reqs[0].Body, &sent); err != nil {
		t.Fatalf("body %q: %v", reqs[0].Body, err)
	}
	want := map[string]any{"storeHash": testStoreHash, "email": "owner@example.com", "password": testPassword, "name": "ci token"}
	if len(sent) != len(want) {
		t.Errorf("body %v, want %v", sent, want)
	}
	for k, v := range want {
		if sent[k] != v {
			t.Errorf("body[%q] = %v, want %v", k, sent[k], v)
		}
	}
	if got := reqs[0].Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	if created != (CreatedServerToken{Name: "ci token", Token: f.lastToken().Token}) {
		t.Errorf("created %+v", created)
	}
}

func TestCreateAcceptsBothDocumentedReplyShapes(t *testing.T) {
	tests := []struct {
		name      string
		data      string
		want      CreatedServerToken
		wantErr   string
		wantCause bool
	}{
		{"array of one (the spec)", `[{"name":"n","token":"tok-A"}]`, CreatedServerToken{Name: "n", Token: "tok-A"}, "", false},
		{"object", `{"name":"n","token":"tok-B"}`, CreatedServerToken{Name: "n", Token: "tok-B"}, "", false},
		{"object without a name", `{"token":"tok-C"}`, CreatedServerToken{Token: "tok-C"}, "", false},
		{"object without a token", `{"name":"n"}`, CreatedServerToken{}, "the reply holds no token", true},
		{"array entry without a token", `[{"name":"n","token":""}]`, CreatedServerToken{}, "the reply holds no token", true},
		{"empty array", `[]`, CreatedServerToken{}, "expected one created token, got 0", true},
		{"array of two", `[{"name":"n","token":"a"},{"name":"n","token":"b"}]`, CreatedServerToken{}, "expected one created token, got 2", true},
		{"null", `null`, CreatedServerToken{}, "expected one created token, got 0", true},
		{"a string", `"tok"`, CreatedServerToken{}, "unexpected reply data", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.setHook(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"code":200,"data":` + tt.data + `,"meta":{"message":"SUCCESS"}}`))
				return true
			})
			c := f.client(t)
			got, err := c.CreateServerToken(context.Background(), CreateServerTokenRequest{StoreHash: testStoreHash, Email: "o@example.com", Password: testPassword, Name: "n"})
			if got != tt.want {
				t.Errorf("created %+v, want %+v", got, tt.want)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			apiErr := asAPIError(t, err)
			if apiErr.Method != http.MethodPost || apiErr.Path != "/auth/backend" || apiErr.StatusCode != 200 || (apiErr.Err != nil) != tt.wantCause {
				t.Errorf("err %+v", apiErr)
			}
			// the server did answer 200: a token may exist
			if !createReached(err, sent{Wrote: true}) {
				t.Errorf("createReached(%v) = false", err)
			}
			if got := f.count(http.MethodPost, "/auth/backend"); got != 1 {
				t.Errorf("%d POSTs, want 1", got)
			}
		})
	}
}

func TestCreateWithBadCredentialsShowsBigCommercesMessage(t *testing.T) {
	f := newFake(t)
	c := f.client(t)
	_, err := c.CreateServerToken(context.Background(), CreateServerTokenRequest{StoreHash: testStoreHash, Email: "o@example.com", Password: "wrong", Name: "n"})
	want := "POST /auth/backend: HTTP 400 Bad Request: The email or password you have entered is incorrect. Please try again. (API logic error)"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

func TestDeleteSendsTheIDInTheBody(t *testing.T) {
	f := newFake(t)
	toks := f.seed(3, "x", "o@example.com")
	c := f.client(t, withAuthToken)
	if _, err := c.DeleteServerToken(context.Background(), toks[1].ID); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodDelete || r.Path != "/auth/backend" || r.Query != "" {
		t.Errorf("request %s %s?%s, want DELETE /auth/backend without a query", r.Method, r.Path, r.Query)
	}
	if got := string(r.Body); got != `{"id":2}` {
		t.Errorf("body %s, want {\"id\":2}", got)
	}
	if got := r.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	list, err := c.ListServerTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := list.ByID(2); ok || list.Len() != 2 {
		t.Errorf("token 2 was not deleted: %v", tokenIDs(list.Tokens()))
	}
}

func TestDeleteOfAnUnknownIDIsNotFoundAndNotRetried(t *testing.T) {
	f := newFake(t)
	c := f.client(t, withAuthToken)
	out, err := c.DeleteServerToken(context.Background(), 99)
	if err != nil || !out.Gone {
		t.Errorf("delete = %+v, %v; want the token already gone (the API's own 404)", out, err)
	}
	if got := f.count(http.MethodDelete, "/auth/backend"); got != 1 {
		t.Errorf("%d requests, want 1 (a 404 is not retried)", got)
	}
}

func TestWithoutCredentialNothingIsSent(t *testing.T) {
	tests := []struct {
		name string
		path string
		call func(*Client) error
	}{
		{"list page", "GET /backend/tokens", func(c *Client) error {
			_, err := c.ListServerTokensPage(context.Background(), 10, 0)
			return err
		}},
		{"list", "GET /backend/tokens", func(c *Client) error { _, err := c.ListServerTokens(context.Background()); return err }},
		{"delete", "DELETE /auth/backend", func(c *Client) error { _, err := c.DeleteServerToken(context.Background(), 1); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.setAccessStatus(0)
			// an access token serves only its own store: without a store hash it is no
			// credential for lists and deletes (and ListServerTokensPage knows only
			// authToken)
			c := f.client(t, func(cfg *Config) { cfg.AccessToken = testAccessToken })
			err := tt.call(c)
			if !errors.Is(err, ErrNoCredential) {
				t.Fatalf("err = %v, want ErrNoCredential", err)
			}
			if !strings.HasPrefix(err.Error(), tt.path+": ") {
				t.Errorf("err %q does not start with %q", err, tt.path)
			}
			if n := len(f.requests()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
		})
	}
}

func TestListPageReadsTotalCountWithOrWithoutPagination(t *testing.T) {
	tests := []struct {
		name          string
		reply         string
		limit, offset int
		wantTotal     int
		wantIDs       string
	}{
		{"with pagination", `{"code":200,"data":[{"id":5},{"id":6}],"meta":{"message":"SUCCESS","pagination":{"totalCount":40,"offset":20,"limit":2}}}`, 2, 20, 40, "[5 6]"},
		{"without pagination", `{"code":200,"data":[{"id":5},{"id":6}],"meta":{"message":"SUCCESS"}}`, 10, 20, 22, "[5 6]"},
		{"empty", `{"code":200,"data":[],"meta":{"pagination":{"totalCount":0,"offset":0,"limit":10}}}`, 10, 0, 0, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.setHook(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tt.reply))
				return true
			})
			c := f.client(t, withAuthToken)
			page, err := c.ListServerTokensPage(context.Background(), tt.limit, tt.offset)
			if err != nil {
				t.Fatal(err)
			}
			if page.TotalCount != tt.wantTotal || page.Limit != tt.limit || page.Offset != tt.offset {
				t.Errorf("page total %d limit %d offset %d", page.TotalCount, page.Limit, page.Offset)
			}
			if got := fmt.Sprint(tokenIDs(page.Tokens)); got != tt.wantIDs {
				t.Errorf("ids %s, want %s", got, tt.wantIDs)
			}
			if q := f.requests()[0].Query; q != "limit="+strconv.Itoa(tt.limit)+"&offset="+strconv.Itoa(tt.offset) {
				t.Errorf("query %q", q)
			}
		})
	}
}

// What a page reply may say: data must be a list, a page without meta.pagination is the
// last one only when it is short, and totalCount must be possible for the page.
func TestPageReplyMustBeAListWithAPossibleTotalCount(t *testing.T) {
	two := `[{"id":5},{"id":6}]`
	pag := func(total int) *pagination { return &pagination{TotalCount: total, Offset: 20, Limit: 10} }
	tests := []struct {
		name      string
		data      string
		pag       *pagination
		wantTotal int
		wantErr   string
	}{
		{"paginated", two, pag(40), 40, ""},
		{"paginated, totalCount exactly the page's end", two, pag(22), 22, ""},
		{"empty page past the end", `[]`, pag(3), 3, ""},
		{"no pagination, short page: the last one", two, nil, 22, ""},
		{"no pagination, empty page", `[]`, nil, 20, ""},
		{"no pagination, full page", `[{"id":1},{"id":2},{"id":3},{"id":4},{"id":5},{"id":6},{"id":7},{"id":8},{"id":9},{"id":10}]`, nil, 0, "a full page without meta.pagination"},
		{"data null", `null`, pag(0), 0, "data is not a list of tokens (null)"},
		{"data missing", ``, pag(0), 0, "data is not a list of tokens (null)"},
		{"data an object", `{"id":5}`, pag(1), 0, "data is not a list of tokens (an object)"},
		{"data a string", `"x"`, pag(1), 0, "data is not a list of tokens (a string)"},
		{"data a number", `7`, pag(1), 0, "data is not a list of tokens (not a list)"},
		{"data a list of strings", `["x"]`, pag(21), 0, "unexpected reply"},
		{"negative totalCount", two, pag(-1), 0, "totalCount -1 cannot be true"},
		{"negative totalCount, empty page", `[]`, pag(-1), 0, "totalCount -1 cannot be true"},
		{"totalCount below the page's end", two, pag(21), 0, "totalCount 21 cannot be true of a page of 2 tokens at offset 20"},
		{"a negative id", `[{"id":3},{"id":-4}]`, pag(40), 0, "a token with an invalid id -4 (ids are positive numbers)"},
		{"a zero id", `[{"id":0}]`, pag(40), 0, "a token with an invalid id 0"},
		{"no id", `[{"name":"x"}]`, pag(40), 0, "a token with an invalid id 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := pageReply{data: json.RawMessage(tt.data), pagination: tt.pag}.page(10, 20)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if e := asAPIError(t, err); e.Method != http.MethodGet || e.Path != "/backend/tokens" {
					t.Errorf("err %+v does not name the call", e)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if page.TotalCount != tt.wantTotal || page.Paginated != (tt.pag != nil) || page.Offset != 20 || page.Limit != 10 {
				t.Errorf("page %+v, want TotalCount %d", page, tt.wantTotal)
			}
		})
	}
}

// A page that shows an id below 1 makes the whole listing fail at once (it is malformed,
// not a list that changed): no token of it is taken, and the error names the call, its
// status and the id.
func TestListingWithAnInvalidIDFails(t *testing.T) {
	for _, id := range []int64{-7, 0} {
		t.Run(strconv.FormatInt(id, 10), func(t *testing.T) {
			f := newFake(t)
			all := f.seed(300, "tok", "o@example.com")
			f.setHook(func(_ *fakeB2B, w http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
				offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
				page := slices.Clone(all[offset:min(offset+MaxPageSize, len(all))])
				if offset > 0 {
					page[len(page)-1].ID = id // the second page's last token
				}
				writeJSON(w, 200, listReply(page, len(all), offset, MaxPageSize))
				return true
			})
			list, err := f.client(t, withAuthToken).ListServerTokens(context.Background())
			if err == nil || list.Len() != 0 || list.fits {
				t.Fatalf("err %v, %d tokens, fits %v: want a failed listing", err, list.Len(), list.fits)
			}
			want := fmt.Sprintf("GET /backend/tokens: HTTP 200 OK: unexpected reply: a token with an invalid id %d", id)
			if !strings.Contains(err.Error(), want) {
				t.Errorf("err = %v, want %q", err, want)
			}
			if got := strings.Join(listQueries(f), " "); got != "250/0 250/245" {
				t.Errorf("requests %s, want the two pages once: a malformed page is not read again", got)
			}
		})
	}
}

// A listing whose replies are not what the API promises fails, with no panic and a
// bounded number of requests: it is never taken for an empty store.
func TestListingOfBadRepliesFailsWithinBoundedRequests(t *testing.T) {
	const attemptsLimit = maxListingAttempts * (1 + DefaultListConcurrency) // one extra wave per reading at most
	tests := []struct {
		name     string
		tokens   int
		reply    func(offset int, tokens []ServerToken) string
		wantErr  string
		maxReqs  int
		complete bool // else an error
	}{
		{"data null", 3, func(int, []ServerToken) string {
			return `{"code":200,"data":null,"meta":{"pagination":{"totalCount":0,"offset":0,"limit":250}}}`
		}, "data is not a list", 1, false},
		{"empty data without pagination is an empty store", 0, func(int, []ServerToken) string {
			return `{"code":200,"data":[]}`
		}, "", 1, true},
		{"short page without pagination is the last", 3, func(offset int, tokens []ServerToken) string {
			return `{"code":200,"data":` + mustJSON(tokens[offset:min(offset+MaxPageSize, len(tokens))]) + `}`
		}, "", 1, true},
		{"full page without pagination", 300, func(offset int, tokens []ServerToken) string {
			return `{"code":200,"data":` + mustJSON(tokens[offset:min(offset+MaxPageSize, len(tokens))]) + `}`
		}, "a full page without meta.pagination", 1, false},
		{"negative totalCount", 300, func(offset int, tokens []ServerToken) string {
			return `{"code":200,"data":` + mustJSON(tokens[offset:min(offset+MaxPageSize, len(tokens))]) + `,"meta":{"pagination":{"totalCount":-1}}}`
		}, "totalCount -1", 1, false},
		// More tokens than a listing reads: refused on the first page.
		{"huge totalCount", 300, func(offset int, tokens []ServerToken) string {
			page := tokens[min(offset, len(tokens)):min(offset+MaxPageSize, len(tokens))]
			return `{"code":200,"data":` + mustJSON(page) + `,"meta":{"pagination":{"totalCount":1099511627776}}}`
		}, "the listing did not end: the first page promised 1099511627776 tokens", 1, false},
		{"short second page under a large totalCount", 300, func(offset int, tokens []ServerToken) string {
			page := tokens[min(offset, len(tokens)):min(offset+MaxPageSize, len(tokens))]
			return `{"code":200,"data":` + mustJSON(page) + `,"meta":{"pagination":{"totalCount":100000}}}`
		}, "kept changing", attemptsLimit, false},
		// A server that ignores offset serves its first page again and again, full, under a
		// totalCount of 100,000: the first page of the second wave already shows that the
		// pages do not overlap.
		{"full pages that repeat, totalCount 100,000", 300, func(_ int, tokens []ServerToken) string {
			return `{"code":200,"data":` + mustJSON(tokens[:MaxPageSize]) + `,"meta":{"pagination":{"totalCount":100000}}}`
		}, "kept changing", attemptsLimit, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			n := tt.tokens
			tokens := f.seed(n, "x", "o@example.com")
			f.setHook(func(_ *fakeB2B, w http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
				offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tt.reply(offset, tokens)))
				return true
			})
			c := f.client(t, withAuthToken)
			list, err := c.ListServerTokens(context.Background())
			if n := len(listQueries(f)); n > tt.maxReqs {
				t.Errorf("%d requests, want at most %d", n, tt.maxReqs)
			}
			if tt.complete {
				if err != nil || !list.fits || list.Len() != n || list.TotalCount != n {
					t.Errorf("err %v, complete %v, %d tokens, TotalCount %d; want the %d tokens", err, list.fits, list.Len(), list.TotalCount, n)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v (complete %v, %d tokens), want %q", err, list.fits, list.Len(), tt.wantErr)
			}
			if list.fits || list.Len() != 0 {
				t.Errorf("a failed listing returned %d tokens, complete %v", list.Len(), list.fits)
			}
		})
	}
}

func mustJSON(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(raw)
}
