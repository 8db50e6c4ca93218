package b2b

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// offsets returns the limit and offset of every list request, as "limit/offset".
func listQueries(t *testing.T, f *fakeB2B) []string {
	t.Helper()
	var out []string
	for _, r := range f.requests() {
		if r.Method != http.MethodGet || r.Path != "/backend/tokens" {
			continue
		}
		q, err := url.ParseQuery(r.Query)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, q.Get("limit")+"/"+q.Get("offset"))
	}
	return out
}

func tokenIDs(tokens []ServerToken) []int64 {
	out := make([]int64, 0, len(tokens))
	for _, t := range tokens {
		out = append(out, t.ID)
	}
	return out
}

func idRange(from, to int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func TestListServerTokensPaging(t *testing.T) {
	tests := []struct {
		tokens      int
		maxLimit    int // the server's own cap on limit
		wantQueries []string
	}{
		{0, 250, []string{"250/0"}},
		{1, 250, []string{"250/0"}},
		{250, 250, []string{"250/0"}},
		{251, 250, []string{"250/0", "250/250"}},
		{600, 250, []string{"250/0", "250/250", "250/500"}},
		{250, 100, []string{"250/0", "250/100", "250/200"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d tokens, server limit %d", tt.tokens, tt.maxLimit), func(t *testing.T) {
			f := newFake(t)
			f.setMaxLimit(tt.maxLimit)
			f.seed(tt.tokens, "tok", "o@example.com")
			c := f.client(t, withAuthToken)
			list, err := c.ListServerTokens(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			// The first page comes first; the others are fetched concurrently.
			if got := listQueries(t, f); got[0] != tt.wantQueries[0] || !sameElements(got, tt.wantQueries) {
				t.Errorf("requests %v, want %v", got, tt.wantQueries)
			}
			if list.TotalCount != tt.tokens || len(list.Tokens) != tt.tokens {
				t.Fatalf("TotalCount %d, %d tokens; want %d", list.TotalCount, len(list.Tokens), tt.tokens)
			}
			if got, want := fmt.Sprint(tokenIDs(list.Tokens)), fmt.Sprint(idRange(1, int64(tt.tokens))); tt.tokens > 0 && got != want {
				t.Errorf("ids not in the server's order, or missing")
			}
			for _, r := range f.requests() {
				if r.Header.Get("authToken") != testAuthToken {
					t.Errorf("authToken %q", r.Header.Get("authToken"))
				}
			}
		})
	}
}

// Overlapping pages (a token created at the head while paging shifts the offsets) are
// de-duplicated; a reading whose pages do not add up to totalCount is read again.
func TestListServerTokensDeduplicatesAndRereadsShiftedPages(t *testing.T) {
	f := newFake(t)
	all := f.seed(4, "tok", "o@example.com")
	shifted := map[string][]ServerToken{"0": all[0:2], "2": all[1:3]} // 1 2 | 2 3: token 4 missed
	clean := map[string][]ServerToken{"0": all[0:2], "2": all[2:4]}
	readings := 0
	f.setHook(func(_ *fakeB2B, w http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
		off := r.URL.Query().Get("offset")
		pages := clean
		if off == "0" {
			readings++
		}
		if readings == 1 {
			pages = shifted
		}
		o, _ := strconv.Atoi(off)
		writeJSON(w, 200, listReply(pages[off], 4, o, 2))
		return true
	})
	c := f.client(t, withAuthToken)
	list, err := c.ListServerTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(tokenIDs(list.Tokens)); got != "[1 2 3 4]" {
		t.Errorf("ids %s, want [1 2 3 4]", got)
	}
	if got := strings.Join(listQueries(t, f), " "); got != "250/0 250/2 250/0 250/2" {
		t.Errorf("requests %s, want a second reading", got)
	}
}

// A token deleted between two pages shifts the offsets: the listing must start over, or it
// would miss the token that moved from the second page onto the first.
func TestListServerTokensRestartsWhenTotalChanges(t *testing.T) {
	f := newFake(t)
	all := f.seed(300, "tok", "o@example.com")
	f.setHook(func(f *fakeB2B, _ http.ResponseWriter, _ *http.Request, _ fakeRequest, n int) bool {
		if n == 2 {
			f.removeToken(all[0].ID)
		}
		return false
	})
	c := f.client(t, withAuthToken)
	list, err := c.ListServerTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(listQueries(t, f), " "); got != "250/0 250/250 250/0 250/250" {
		t.Errorf("requests %s, want a restart after the second page", got)
	}
	if list.TotalCount != 299 || len(list.Tokens) != 299 {
		t.Fatalf("TotalCount %d, %d tokens; want 299", list.TotalCount, len(list.Tokens))
	}
	if fmt.Sprint(tokenIDs(list.Tokens)) != fmt.Sprint(idRange(2, 300)) {
		t.Errorf("ids %v..., want 2..300", tokenIDs(list.Tokens)[:5])
	}
	if _, ok := list.ByID(251); !ok {
		t.Error("token 251, which moved to the first page, is missing")
	}
}

func TestListServerTokensGivesUpWhenTotalKeepsChanging(t *testing.T) {
	f := newFake(t)
	f.seed(300, "tok", "o@example.com")
	f.setHook(func(f *fakeB2B, _ http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
		if r.URL.Query().Get("offset") != "0" {
			f.addToken("new", "o@example.com")
		}
		return false
	})
	// The token is added before the fake reads the list, so every second page sees a new total.
	c := f.client(t, withAuthToken)
	list, err := c.ListServerTokens(context.Background())
	if err == nil {
		t.Fatalf("no error, %d tokens", len(list.Tokens))
	}
	if len(list.Tokens) != 0 || list.TotalCount != 0 {
		t.Errorf("list %d tokens, TotalCount %d; want empty", len(list.Tokens), list.TotalCount)
	}
	apiErr := asAPIError(t, err)
	if apiErr.Method != http.MethodGet || apiErr.Path != "/backend/tokens" {
		t.Errorf("err %+v", apiErr)
	}
	if !strings.Contains(err.Error(), "kept changing") || !strings.Contains(err.Error(), fmt.Sprint(maxListingAttempts)) {
		t.Errorf("err %q does not say the list kept changing", err)
	}
	if got := len(listQueries(t, f)); got != 2*maxListingAttempts {
		t.Errorf("%d requests, want %d", got, 2*maxListingAttempts)
	}
}

func TestListServerTokensPageErrorFailsListing(t *testing.T) {
	for _, status := range []int{400, 401, 503} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			f := newFake(t)
			f.seed(600, "tok", "o@example.com")
			f.setHook(func(_ *fakeB2B, w http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
				if r.URL.Query().Get("offset") == "250" {
					writeStatus(w, status)
					return true
				}
				return false
			})
			c := f.client(t, func(cfg *Config) { withAuthToken(cfg); cfg.MaxRetries = -1 })
			list, err := c.ListServerTokens(context.Background())
			if got := asAPIError(t, err).StatusCode; got != status {
				t.Errorf("StatusCode %d, want %d", got, status)
			}
			if len(list.Tokens) != 0 || list.TotalCount != 0 {
				t.Errorf("a failed listing returned %d tokens, TotalCount %d", len(list.Tokens), list.TotalCount)
			}
			// Pages after the first are fetched concurrently; a failed one fails the
			// listing without a second reading.
			queries := listQueries(t, f)
			if len(queries) > 3 || queries[0] != "250/0" {
				t.Errorf("requests %s, want the first page, then at most the other two once", strings.Join(queries, " "))
			}
		})
	}
}

func TestListServerTokensFirstPageError(t *testing.T) {
	f := newFake(t)
	f.setHook(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
		writeStatus(w, http.StatusForbidden)
		return true
	})
	c := f.client(t, withAuthToken)
	_, err := c.ListServerTokens(context.Background())
	if got := asAPIError(t, err).StatusCode; got != http.StatusForbidden {
		t.Errorf("StatusCode %d, want 403", got)
	}
	if got := len(listQueries(t, f)); got != 1 {
		t.Errorf("%d requests, want 1", got)
	}
}

// A page that comes back empty before totalCount is reached ends the listing: it must not
// loop on the same offset.
// A page that comes back empty before totalCount is reached means the list shrank while
// it was read: what was read is not a complete listing, which a reader could take as
// "the token is gone".
func TestListServerTokensEmptyPageBeforeTotalIsIncomplete(t *testing.T) {
	f := newFake(t)
	all := f.seed(3, "tok", "o@example.com")
	f.setHook(func(_ *fakeB2B, w http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
		if r.URL.Query().Get("offset") == "0" {
			writeJSON(w, 200, listReply(all, 10, 0, 250))
		} else {
			writeJSON(w, 200, listReply(nil, 10, 3, 250))
		}
		return true
	})
	c := f.client(t, withAuthToken)
	list, err := c.ListServerTokens(context.Background())
	if err == nil {
		t.Fatalf("an incomplete listing was reported complete with %d tokens", len(list.Tokens))
	}
	if !strings.Contains(err.Error(), "GET /backend/tokens") {
		t.Errorf("error does not name the call: %v", err)
	}
	queries := listQueries(t, f)
	if first := slices.Index(queries, "250/0"); first != 0 || !sameElements(queries, strings.Fields(strings.Repeat("250/0 250/3 250/6 250/9 ", maxListingAttempts))) {
		t.Errorf("requests %s, want %d full readings", strings.Join(queries, " "), maxListingAttempts)
	}
}

func TestListServerTokensWithoutAuthToken(t *testing.T) {
	f := newFake(t)
	c := f.client(t, nil)
	_, err := c.ListServerTokens(context.Background())
	if !errors.Is(err, ErrNoAuthToken) {
		t.Errorf("err = %v, want ErrNoAuthToken", err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}

func TestTokenListLookups(t *testing.T) {
	list := TokenList{Tokens: []ServerToken{
		{ID: 1, Name: "a", Token: "t1"},
		{ID: 2, Name: "a", Token: "t2"},
		{ID: 3, Name: "b", Token: "t3"},
	}}
	tests := []struct {
		name   string
		lookup func() (ServerToken, bool)
		wantID int64
		wantOK bool
	}{
		{"ByID first", func() (ServerToken, bool) { return list.ByID(1) }, 1, true},
		{"ByID last", func() (ServerToken, bool) { return list.ByID(3) }, 3, true},
		{"ByID missing", func() (ServerToken, bool) { return list.ByID(4) }, 0, false},
		{"ByValue", func() (ServerToken, bool) { return list.ByValue("t2") }, 2, true},
		{"ByValue is exact", func() (ServerToken, bool) { return list.ByValue("t") }, 0, false},
		{"ByValue empty", func() (ServerToken, bool) { return list.ByValue("") }, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.lookup()
			if got.ID != tt.wantID || ok != tt.wantOK {
				t.Errorf("= %d, %v; want %d, %v", got.ID, ok, tt.wantID, tt.wantOK)
			}
		})
	}
}

func sameElements(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}
