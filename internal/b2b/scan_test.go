package b2b

import "testing"

// A run that changes the store between scans keeps the pages of the latest scans only, and
// a kept page still proves its tokens.
func TestScanKeepsTwiceTheBudgetOfPages(t *testing.T) {
	var s scanState
	const total = 1000 // 4 pages: a scan reads at most 5
	for gen := range uint64(50) {
		for offset := 0; offset < total; offset += MaxPageSize {
			page := TokenPage{Offset: offset, Limit: MaxPageSize, TotalCount: total, Paginated: true,
				Tokens: []ServerToken{{ID: int64(gen)*10000 + int64(offset) + 1, Name: "n", Token: "v"}}}
			s.add(page, gen)
		}
	}
	if want := 2 * scanBudget(total); len(s.pages) != want {
		t.Fatalf("%d pages kept, want %d", len(s.pages), want)
	}
	if _, ok := s.shown(49*10000 + 1); !ok {
		t.Error("the newest page no longer shows its token")
	}
	if tok, ok := s.shown(49*10000 + 751); !ok || tok.Name != "n" || tok.Token != "v" {
		t.Errorf("shown = %+v, %v; want the token as listed", tok, ok)
	}
	if _, ok := s.shown(1); ok {
		t.Error("the first generation's page is still kept")
	}
}
