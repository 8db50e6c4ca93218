package emulator

import (
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestCallsAreRecorded(t *testing.T) {
	f := newFixture(t)
	auth := f.create("a")
	f.srv.InjectFault("GET /backend/tokens", Fault{Kind: FaultStatus, Status: 503})
	f.list(auth, "?limit=5&offset=0")
	f.do("GET", "/elsewhere", nil, "")

	calls := f.srv.Calls()
	if len(calls) != 3 {
		t.Fatalf("%d calls", len(calls))
	}
	c := calls[0]
	if c.Method != "POST" || c.Path != "/auth/backend" || c.Status != 200 || c.Fault != FaultNone || string(c.Body) != createBody("a") {
		t.Fatalf("call 0 %+v", c)
	}
	c = calls[1]
	if c.Path != "/backend/tokens" || c.RawQuery != "limit=5&offset=0" || c.Header.Get("authToken") != auth || c.Status != 503 || c.Fault != FaultStatus {
		t.Fatalf("call 1 %+v", c)
	}
	if calls[2].Path != "/elsewhere" || calls[2].Status != 404 {
		t.Fatalf("call 2 %+v", calls[2])
	}
	if f.srv.CallCount("GET /backend/tokens") != 1 || f.srv.CallCount("POST /api/io/auth/backend") != 1 || f.srv.CallCount("DELETE /auth/backend") != 0 {
		t.Fatal("CallCount")
	}

	// Calls hands out copies.
	calls[0].Body[0] = 'X'
	calls[1].Header.Set("authToken", "changed")
	again := f.srv.Calls()
	if again[0].Body[0] != '{' || again[1].Header.Get("authToken") != auth {
		t.Fatal("Calls shares memory with the record")
	}

	f.srv.ResetCalls()
	if len(f.srv.Calls()) != 0 || f.srv.CallCount("GET /backend/tokens") != 0 {
		t.Fatal("ResetCalls")
	}
}

// The hook lets a test change the store between two pages of a listing. It
// runs before the reply leaves, so even a client on fresh connections, with
// a page too big to sit in a write buffer, sees the change on its next page.
func TestOnRequestBetweenPages(t *testing.T) {
	f := newFixture(t)
	f.hc = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	auth := f.srv.SeedTokens(300, "t", adminEmail)[0].Token
	var mu sync.Mutex
	var seen []int
	f.srv.OnRequest(func(c Call) {
		mu.Lock()
		seen = append(seen, c.Status)
		mu.Unlock()
		if c.Path == "/backend/tokens" && c.RawQuery == "limit=250&offset=0" {
			time.Sleep(100 * time.Millisecond)
			f.srv.RemoveToken(300) // the newest, already on page 1
		}
	})
	page1 := ids(listItems(t, f.list(auth, "?limit=250&offset=0")))
	page2 := ids(listItems(t, f.list(auth, "?limit=250&offset=250")))
	if len(page1) != 250 || page1[0] != 300 || len(page2) != 49 || page2[0] != 49 {
		t.Fatalf("page 1 %d..%d, page 2 %v: the removal should shift token 50 out of page 2", page1[0], page1[len(page1)-1], page2)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(seen, []int{200, 200}) {
		t.Fatalf("hook saw %v", seen)
	}
	f.srv.OnRequest(nil)
	f.list(auth, "")
	if len(seen) != 2 {
		t.Fatal("hook still called after removal")
	}
}

// A hook can delete one token and create another between two page reads,
// so a test can make a client that pages by offset skip a token.
func TestOnRequestDeletesAndCreatesBetweenPages(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.ListOrder = OldestFirst })
	auth := f.srv.SeedTokens(5, "t", adminEmail)[4].Token
	created := make(chan Token, 1)
	f.srv.OnRequest(func(c Call) {
		if c.Path == "/backend/tokens" && c.RawQuery == "limit=2&offset=0" && c.Status == 200 {
			f.srv.RemoveToken(1) // already read on page 1
			created <- f.srv.AddToken("new", adminEmail)
		}
	})
	page1 := ids(listItems(t, f.list(auth, "?limit=2&offset=0")))
	r := f.list(auth, "?limit=2&offset=2")
	page2 := ids(listItems(t, r))
	if !slices.Equal(page1, []int64{1, 2}) || !slices.Equal(page2, []int64{4, 5}) || r.env.Meta.Pagination.TotalCount != 5 {
		t.Fatalf("page 1 %v, page 2 %v (%s): token 3 should have shifted onto page 1", page1, page2, r.raw)
	}
	if tok := <-created; tok.ID != 6 {
		t.Fatalf("created %+v", tok)
	}
	page3 := ids(listItems(t, f.list(auth, "?limit=2&offset=4")))
	if !slices.Equal(page3, []int64{6}) {
		t.Fatalf("page 3 %v", page3)
	}
}
