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
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// listQueries are the limit and offset of every list request, as "limit/offset". A query
// that does not parse shows as the values it lost.
func listQueries(f *fakeB2B) []string {
	var out []string
	for _, r := range f.requestsTo(http.MethodGet, pathBackendTokens) {
		q, _ := url.ParseQuery(r.Query)
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

func TestListingReadsOverlappingPagesUpToTotalCount(t *testing.T) {
	tests := []struct {
		tokens      int
		maxLimit    int // the server's own cap on limit
		wantQueries []string
	}{
		// A short first page that holds totalCount is the whole store: one request.
		{0, 250, []string{"250/0"}},
		{1, 250, []string{"250/0"}},
		{249, 250, []string{"250/0"}},
		// Later pages start pageOverlap (5) tokens before the previous one ends, and a
		// full page is followed by one more, which must be short.
		{250, 250, []string{"250/0", "250/245"}},
		{251, 250, []string{"250/0", "250/245"}},
		{490, 250, []string{"250/0", "250/245"}},
		{495, 250, []string{"250/0", "250/245", "250/490"}},
		{600, 250, []string{"250/0", "250/245", "250/490"}},
		// A server that serves fewer per page than asked: its page size sets the step.
		{250, 100, []string{"250/0", "250/95", "250/190"}},
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
			if got := listQueries(f); got[0] != tt.wantQueries[0] || !sameElements(got, tt.wantQueries) {
				t.Errorf("requests %v, want %v", got, tt.wantQueries)
			}
			if list.TotalCount != tt.tokens || list.Len() != tt.tokens {
				t.Fatalf("TotalCount %d, %d tokens; want %d", list.TotalCount, list.Len(), tt.tokens)
			}
			if got, want := fmt.Sprint(tokenIDs(list.Tokens())), fmt.Sprint(idRange(1, int64(tt.tokens))); tt.tokens > 0 && got != want {
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

// The page after the first must begin with the tokens the first ended with: when it does
// not (a token created or deleted before them between the two reads), the listing is read
// again, though the pages add up to totalCount.
func TestListServerTokensRereadsWhenOverlapDoesNotMatch(t *testing.T) {
	f := newFake(t)
	all := f.seed(300, "tok", "o@example.com")
	var readings atomic.Int32
	f.setHook(func(_ *fakeB2B, w http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		reading := readings.Load()
		if offset == 0 {
			reading = readings.Add(1)
		}
		page := all[offset:min(offset+MaxPageSize, len(all))]
		if reading == 1 && offset > 0 {
			// the first reading's second page starts one token late, and brings a
			// token the first page had instead of the one it missed: the ids still
			// add up to totalCount
			page = append([]ServerToken{all[0]}, all[offset+1:]...)
		}
		writeJSON(w, 200, listReply(page, len(all), offset, MaxPageSize))
		return true
	})
	c := f.client(t, withAuthToken)
	list, err := c.ListServerTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(listQueries(f), " "); got != "250/0 250/245 250/0 250/245" {
		t.Errorf("requests %s, want a second reading", got)
	}
	if !list.fits || fmt.Sprint(tokenIDs(list.Tokens())) != fmt.Sprint(idRange(1, 300)) {
		t.Errorf("pages fit %v, ids %v, want 1..300", list.fits, tokenIDs(list.Tokens()))
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
	if got := strings.Join(listQueries(f), " "); got != "250/0 250/245 250/0 250/245" {
		t.Errorf("requests %s, want a restart after the second page", got)
	}
	if list.TotalCount != 299 || list.Len() != 299 {
		t.Fatalf("TotalCount %d, %d tokens; want 299", list.TotalCount, list.Len())
	}
	if fmt.Sprint(tokenIDs(list.Tokens())) != fmt.Sprint(idRange(2, 300)) {
		t.Errorf("ids %v..., want 2..300", tokenIDs(list.Tokens())[:5])
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
		t.Fatalf("no error, %d tokens", list.Len())
	}
	if list.Len() != 0 || list.TotalCount != 0 {
		t.Errorf("list %d tokens, TotalCount %d; want empty", list.Len(), list.TotalCount)
	}
	apiErr := asAPIError(t, err)
	if apiErr.Method != http.MethodGet || apiErr.Path != "/backend/tokens" {
		t.Errorf("err %+v", apiErr)
	}
	if !strings.Contains(err.Error(), "kept changing") || !strings.Contains(err.Error(), fmt.Sprint(maxListingAttempts)) {
		t.Errorf("err %q does not say the list kept changing", err)
	}
	if got := len(listQueries(f)); got != 2*maxListingAttempts {
		t.Errorf("%d requests, want %d", got, 2*maxListingAttempts)
	}
}

func TestListingFailsWhenALaterPageFails(t *testing.T) {
	for _, status := range []int{400, 401, 503} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			f := newFake(t)
			f.seed(600, "tok", "o@example.com")
			f.setHook(func(_ *fakeB2B, w http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
				if r.URL.Query().Get("offset") == "245" { // the second page
					writeStatus(w, status)
					return true
				}
				return false
			})
			c := f.client(t, func(cfg *Config) { withAuthToken(cfg); cfg.NoRetries = true })
			list, err := c.ListServerTokens(context.Background())
			if got := asAPIError(t, err).StatusCode; got != status {
				t.Errorf("StatusCode %d, want %d", got, status)
			}
			if list.Len() != 0 || list.TotalCount != 0 {
				t.Errorf("a failed listing returned %d tokens, TotalCount %d", list.Len(), list.TotalCount)
			}
			// Pages after the first are fetched concurrently; a failed one fails the
			// listing without a second reading, but for a refusal of the credential in the
			// API's envelope, which is tried once more before it is believed.
			queries := listQueries(f)
			most := 3
			if status == http.StatusUnauthorized {
				most = 6
			}
			if len(queries) > most || queries[0] != "250/0" {
				t.Errorf("requests %s, want the first page, then at most the other two once", strings.Join(queries, " "))
			}
		})
	}
}

func TestListingFailsWhenTheFirstPageFails(t *testing.T) {
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
	if got := len(listQueries(f)); got != 1 {
		t.Errorf("%d requests, want 1", got)
	}
}

// A page that comes back empty before totalCount ends the reading, so it never loops on one
// offset, and makes it incomplete: a reader could take a missing token for gone.
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
		t.Fatalf("an incomplete listing was reported complete with %d tokens", list.Len())
	}
	if !strings.Contains(err.Error(), "GET /backend/tokens") {
		t.Errorf("error does not name the call: %v", err)
	}
	// Pages of 3 overlap by one token (half a tiny page): offsets 2, 4, 6 and 8 are read at
	// once, the empty page at 2 ends the reading, and it does not overlap the first page.
	queries := listQueries(f)
	if first := slices.Index(queries, "250/0"); first != 0 || !sameElements(queries, strings.Fields(strings.Repeat("250/0 250/2 250/4 250/6 250/8 ", maxListingAttempts))) {
		t.Errorf("requests %s, want %d full readings", strings.Join(queries, " "), maxListingAttempts)
	}
}

func TestListingWithoutCredentialSendsNothing(t *testing.T) {
	f := newFake(t)
	c := f.client(t)
	_, err := c.ListServerTokens(context.Background())
	if !errors.Is(err, ErrNoCredential) {
		t.Errorf("err = %v, want ErrNoCredential", err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}

func TestTokenListFindsByIDAndByExactValue(t *testing.T) {
	list := newTokenList([]ServerToken{
		{ID: 1, Name: "a", Token: "t1"},
		{ID: 2, Name: "a", Token: "t2"},
		{ID: 3, Name: "b", Token: "t3"},
	})
	tests := []struct {
		name   string
		lookup func() (ServerToken, bool)
		wantID int64
		wantOK bool
	}{
		{"ByID first", func() (ServerToken, bool) { return list.ByID(1) }, 1, true},
		{"ByID last", func() (ServerToken, bool) { return list.ByID(3) }, 3, true},
		{"ByID missing", func() (ServerToken, bool) { return list.ByID(4) }, 0, false},
		{"WithValue", func() (ServerToken, bool) { return first(list.WithValue("t2")) }, 2, true},
		{"WithValue is exact", func() (ServerToken, bool) { return first(list.WithValue("t")) }, 0, false},
		{"WithValue empty", func() (ServerToken, bool) { return first(list.WithValue("")) }, 0, false},
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

func first(tokens []ServerToken) (ServerToken, bool) {
	if len(tokens) == 0 {
		return ServerToken{}, false
	}
	return tokens[0], true
}

// Values may repeat: WithValue returns every token of a value, in the list's order.
func TestTokenListWithValueReturnsEveryTokenOfTheValue(t *testing.T) {
	list := newTokenList([]ServerToken{{ID: 3, Token: "same"}, {ID: 1, Token: "other"}, {ID: 2, Token: "same"}})
	got := list.WithValue("same")
	if len(got) != 2 || got[0].ID != 3 || got[1].ID != 2 {
		t.Errorf("WithValue = %+v, want ids 3 and 2", got)
	}
}

func sameElements(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

// Someone deletes one token and creates another while a listing reads the pages, so the
// count does not change. Whatever the API's order (undocumented) and whatever order the
// concurrent pages finish in, the listing must not miss a token that existed throughout:
// a reader would take it for revoked and drop it from state.
func TestListingNeverMissesATokenWhenOthersDeleteAndCreate(t *testing.T) {
	// The server serves 20 tokens a page (its own cap on limit), so that the store is small.
	const pageSize = 20
	step := pageSize - pageOverlap
	page := func(i int) int { return i * step }
	n := page(3) + pageSize/2 // four pages, the last one short
	tests := []struct {
		name        string
		newestFirst bool
		// changeAfter is the offset of the first reading's page after whose reply the
		// change happens; held are the offsets of that reading served only after it.
		changeAfter int
		held        []int
		// deleteAt is the position, in the list's order, of the token deleted.
		deleteAt int
	}{
		{"oldest first, pages in order", false, page(0), []int{page(1), page(2), page(3)}, 2},
		{"newest first, pages in order", true, page(0), []int{page(1), page(2), page(3)}, 2},
		{"oldest first, third page before the second and fourth", false, page(2), []int{page(1), page(3)}, page(2) + 2},
		{"newest first, third page before the second and fourth", true, page(2), []int{page(1), page(3)}, page(2) + 2},
		{"oldest first, a token deleted in the second page", false, page(0), []int{page(1), page(2), page(3)}, page(1) + 2},
		{"newest first, a token deleted in the second page", true, page(0), []int{page(1), page(2), page(3)}, page(1) + 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.setMaxLimit(pageSize)
			f.setNewestFirst(tt.newestFirst)
			before := f.seed(n, "tok", "o@example.com")
			deleted := f.visible()[tt.deleteAt]
			changed := make(chan struct{})
			var change sync.Once
			var created ServerToken
			f.setHook(func(f *fakeB2B, w http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
				offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
				if slices.Contains(tt.held, offset) {
					select {
					case <-changed:
					case <-time.After(5 * time.Second):
						t.Errorf("page %d waited for the change in vain: the page at %d was never read", offset, tt.changeAfter)
					}
				}
				f.serveList(w, r)
				if offset == tt.changeAfter {
					change.Do(func() {
						f.mu.Lock()
						f.removeTokenLocked(deleted.ID)
						created = f.addTokenLocked("new", "x@example.com")
						f.mu.Unlock()
						close(changed)
					})
				}
				return true
			})
			c := f.client(t, withAuthToken)
			list, err := c.ListServerTokens(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !list.fits || list.TotalCount != n || list.Len() != n {
				t.Fatalf("complete %v, TotalCount %d, %d tokens; want a complete listing of %d", list.fits, list.TotalCount, list.Len(), n)
			}
			seen := map[int64]bool{}
			for _, tok := range list.Tokens() {
				if seen[tok.ID] {
					t.Errorf("token %d listed twice", tok.ID)
				}
				seen[tok.ID] = true
			}
			for _, tok := range before {
				if tok.ID != deleted.ID && !seen[tok.ID] {
					t.Errorf("token %d existed throughout, but the listing misses it (readings: %s)", tok.ID, strings.Join(listQueries(f), " "))
				}
			}
			// Either snapshot is right: from before the change (the deleted token, not the
			// new one) or after it (the new one, not the deleted one).
			if seen[deleted.ID] == seen[created.ID] {
				t.Errorf("listing shows deleted %v, created %v: a mix of before and after the change", seen[deleted.ID], seen[created.ID])
			}
		})
	}
}

// The page after a full one that ends exactly at totalCount is read to see that nothing
// follows; if it is full too, another is read.
func TestListingFullPageAtTotalCountReadsOneMore(t *testing.T) {
	f := newFake(t)
	f.seed(250, "tok", "o@example.com")
	var added atomic.Bool
	f.setHook(func(f *fakeB2B, w http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		f.serveList(w, r)
		if offset == 0 && !added.Swap(true) {
			f.seed(245, "late", "o@example.com") // the page at 245 will be full
		}
		return true
	})
	c := f.client(t, func(cfg *Config) { withAuthToken(cfg); cfg.ListConcurrency = 1 })
	list, err := c.ListServerTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if list.TotalCount != 495 || list.Len() != 495 || !list.fits {
		t.Errorf("TotalCount %d, %d tokens, complete %v; want the 495 tokens of the second reading", list.TotalCount, list.Len(), list.fits)
	}
	// first reading: totalCount 250 at offset 0, 495 at 245: the totals differ, read again
	// at once. Second reading: the page at 245 is full and ends at totalCount, so 490 is
	// read too, and is short.
	if got := strings.Join(listQueries(f), " "); got != "250/0 250/245 250/0 250/245 250/490" {
		t.Errorf("requests %s", got)
	}
}

// A complete listing keeps a repeated value once: with the documented claims every token of
// a user is one string, and a big store's listing then holds it once, not once a token.
func TestListingKeepsARepeatedValueOnce(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	f.seed(600, "bench", "a@example.com")
	f.locked(func() {
		for i := 1; i < len(f.tokens); i++ {
			f.tokens[i].Token = "eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFAZXhhbXBsZS5jb20ifQ.one-value-per-user"
		}
	})
	list, err := f.client(t, withAuthToken).ListServerTokens(context.Background())
	if err != nil || list.Len() != 601 {
		t.Fatalf("%d tokens, %v", list.Len(), err)
	}
	values, emails := map[*byte]bool{}, map[*byte]bool{}
	for _, tok := range list.Tokens()[1:] {
		if tok.Token != testAuthToken {
			values[unsafe.StringData(tok.Token)] = true
			emails[unsafe.StringData(tok.Email)] = true
		}
	}
	if len(values) != 1 || len(emails) != 1 {
		t.Errorf("the listing holds the one value %d times and the one email %d times; want once each", len(values), len(emails))
	}
}
