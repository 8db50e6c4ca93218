package b2b

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// listOf is a store of tokens with ids, in the list's order.
func listOf(ids []int64, newest bool) []ServerToken {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	if newest {
		slices.Reverse(ids)
	}
	return idsOf(ids...)
}

func rangeIDs(from, to int64) []int64 {
	var ids []int64
	for id := from; id <= to; id++ {
		ids = append(ids, id)
	}
	return ids
}

// pageAtOffset is the page of list the server serves at offset, limit tokens at most.
func pageAtOffset(list []ServerToken, offset, limit int) TokenPage {
	page := TokenPage{Offset: offset, Limit: limit, TotalCount: len(list), Paginated: true}
	if offset < len(list) {
		page.Tokens = list[offset:min(offset+limit, len(list))]
	}
	return page
}

// scanFor plans and reads pages of list, limit per page, until a page shows want or the
// plan gives up on it: found, and the pages read.
func scanFor(t *testing.T, list []ServerToken, limit int, want int64) (found bool, reads int) {
	t.Helper()
	var pages []TokenPage
	for reads < 10*len(list)+10 {
		plan := planOf(pages, []int64{want})
		if slices.Contains(plan.giveUp, want) {
			if plan.read {
				t.Fatalf("plan %+v reads a page for an id it gives up", plan)
			}
			return false, reads
		}
		if !plan.read {
			t.Fatalf("plan %+v neither reads nor gives up %d", plan, want)
		}
		if plan.offset < 0 || (len(list) > 0 && plan.offset >= len(list)) {
			t.Fatalf("plan reads offset %d of a list of %d", plan.offset, len(list))
		}
		page := pageAtOffset(list, plan.offset, limit)
		reads++
		pages = append(pages, page)
		if _, ok := newTokenList(page.Tokens).ByID(want); ok {
			return true, reads
		}
	}
	t.Fatalf("the scan for %d never ended (%d reads)", want, reads)
	return false, reads
}

func TestOrderOfPoints(t *testing.T) {
	pts := func(ids ...int64) []point {
		out := make([]point, len(ids))
		for i, id := range ids {
			out[i] = point{pos: i, id: id}
		}
		return out
	}
	tests := []struct {
		name   string
		points []point
		want   listOrder
	}{
		{"none", nil, orderUnknown},
		{"one token", pts(5), orderUnknown},
		{"rising", pts(1, 2, 7, 40), oldestFirst},
		{"falling", pts(40, 7, 2, 1), newestFirst},
		{"two rising", pts(3, 9), oldestFirst},
		{"repeated id", pts(1, 1, 2), orderUnknown},
		{"mixed", pts(1, 5, 3, 7), orderUnknown},
		{"falling then rising", pts(9, 8, 10), orderUnknown},
	}
	for _, tt := range tests {
		if got := orderOf(tt.points); got != tt.want {
			t.Errorf("%s: orderOf = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// The first read is the front of the list; once the order is known from the ids, the next
// page is the one the ids say holds the wanted token, in either order.
func TestPlanScanInterpolatesThePageHoldingTheWantedID(t *testing.T) {
	for _, newest := range []bool{false, true} {
		list := listOf(rangeIDs(1, 100), newest)
		first := planOf(nil, []int64{55})
		if !first.read || first.offset != 0 || len(first.giveUp) != 0 {
			t.Fatalf("first plan %+v, want the front", first)
		}
		pages := []TokenPage{pageAtOffset(list, 0, 10)}
		plan := planOf(pages, []int64{55})
		if !plan.read || len(plan.giveUp) != 0 {
			t.Fatalf("newest=%v: plan %+v, want a read", newest, plan)
		}
		page := pageAtOffset(list, plan.offset, 10)
		if _, ok := newTokenList(page.Tokens).ByID(55); !ok {
			t.Errorf("newest=%v: the page at offset %d holds %v, not 55", newest, plan.offset, candidateIDs(page.Tokens))
		}
	}
}

// A scan of a list sorted by id (with gaps, as deletes leave them) finds every token it
// holds, in either order, and gives up on ids it does not hold, in a bounded number of
// reads: never a wrong conclusion from the order.
func TestPlanScanFindsEveryTokenAndGivesUpOnMissingOnes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 60 {
		n := 1 + rng.IntN(400)
		limit := []int{10, 25, 50, MaxPageSize}[rng.IntN(4)]
		var ids []int64
		next := int64(1 + rng.IntN(50))
		for range n {
			ids = append(ids, next)
			next += int64(1 + rng.IntN(4)*rng.IntN(4)) // gaps of deleted tokens
		}
		newest := round%2 == 1
		list := listOf(ids, newest)
		pagesNeeded := (n + limit - 1) / limit
		for range 10 {
			want := ids[rng.IntN(len(ids))]
			found, reads := scanFor(t, list, limit, want)
			if !found {
				t.Fatalf("n=%d limit=%d newest=%v: gave up on %d, which the list holds", n, limit, newest, want)
			}
			if reads > pagesNeeded+2 {
				t.Errorf("n=%d limit=%d newest=%v: %d reads for %d, a listing takes %d", n, limit, newest, reads, want, pagesNeeded)
			}
		}
		for _, missing := range []int64{0, ids[0] - 1, ids[len(ids)-1] + 1, ids[len(ids)-1] + 1000} {
			if slices.Contains(ids, missing) {
				continue
			}
			if found, _ := scanFor(t, list, limit, missing); found {
				t.Fatalf("found %d, which the list does not hold", missing)
			}
		}
		for id := ids[0]; id < ids[len(ids)-1]; id++ {
			if !slices.Contains(ids, id) {
				if found, reads := scanFor(t, list, limit, id); found || reads > pagesNeeded+2 {
					t.Fatalf("n=%d limit=%d newest=%v: missing %d: found=%v after %d reads", n, limit, newest, id, found, reads)
				}
				break
			}
		}
	}
}

func TestPlanScanGivesUp(t *testing.T) {
	list := listOf(rangeIDs(1, 30), false) // 1..30 oldest first
	front := pageAtOffset(list, 0, 10)     // 1..10
	t.Run("an id between two neighbours", func(t *testing.T) {
		gappy := idsOf(1, 2, 3, 5, 6)
		pages := []TokenPage{{Tokens: gappy, TotalCount: 5, Paginated: true, Limit: MaxPageSize}}
		plan := planOf(pages, []int64{4})
		if plan.read || !slices.Equal(plan.giveUp, []int64{4}) {
			t.Errorf("plan %+v, want 4 given up: its neighbours 3 and 5 are adjacent", plan)
		}
	})
	t.Run("an id a page showed", func(t *testing.T) {
		plan := planOf([]TokenPage{front}, []int64{3})
		if !slices.Equal(plan.giveUp, []int64{3}) {
			t.Errorf("plan %+v, want 3 given up (a page shows it)", plan)
		}
	})
	t.Run("an id before the front of the list", func(t *testing.T) {
		plan := planOf([]TokenPage{pageAtOffset(listOf(rangeIDs(5, 30), false), 0, 10)}, []int64{2})
		if plan.read || !slices.Equal(plan.giveUp, []int64{2}) {
			t.Errorf("plan %+v, want 2 given up", plan)
		}
	})
	t.Run("an id past the end", func(t *testing.T) {
		whole := pageAtOffset(list, 0, MaxPageSize)
		plan := planOf([]TokenPage{whole}, []int64{31})
		if plan.read || !slices.Equal(plan.giveUp, []int64{31}) {
			t.Errorf("plan %+v, want 31 given up: the whole list was read", plan)
		}
	})
	t.Run("one of two", func(t *testing.T) {
		plan := planOf([]TokenPage{front}, []int64{3, 25})
		if !slices.Equal(plan.giveUp, []int64{3}) || !plan.read {
			t.Fatalf("plan %+v, want 3 given up and a read for 25", plan)
		}
		if page := pageAtOffset(list, plan.offset, 10); !slices.Contains(candidateIDs(page.Tokens), 25) {
			t.Errorf("the page at %d does not hold 25", plan.offset)
		}
	})
	t.Run("unknown order reads in turn, then gives up", func(t *testing.T) {
		mixed := idsOf(5, 1, 9, 3, 7, 2, 8, 4, 6, 10, 12, 11)
		var pages []TokenPage
		for _, offset := range []int{0, 4, 8} {
			plan := planOf(pages, []int64{99})
			if !plan.read || plan.offset != offset || len(plan.giveUp) != 0 {
				t.Fatalf("plan %+v, want the page at %d", plan, offset)
			}
			pages = append(pages, pageAtOffset(mixed, offset, 4))
		}
		plan := planOf(pages, []int64{99})
		if plan.read || !slices.Equal(plan.giveUp, []int64{99}) {
			t.Errorf("plan %+v after every page, want 99 given up", plan)
		}
	})
}

// pageSize: MaxPageSize, unless a page that was not the last held fewer (a server that
// serves less than asked).
func TestPageSizeFromShortPagesBeforeTheEnd(t *testing.T) {
	list := listOf(rangeIDs(1, 30), false)
	if got := pageSize([]pageIDs{idsOnPage(pageAtOffset(list, 0, 10))}); got != 10 {
		t.Errorf("pageSize = %d, want 10", got)
	}
	if got := pageSize([]pageIDs{idsOnPage(pageAtOffset(list, 25, 10))}); got != MaxPageSize {
		t.Errorf("pageSize of the last page = %d, want %d", got, MaxPageSize)
	}
	if got := pageSize([]pageIDs{idsOnPage(pageAtOffset(list, 0, MaxPageSize))}); got != MaxPageSize {
		t.Errorf("pageSize of the whole list = %d, want %d", got, MaxPageSize)
	}
}

// planOf plans by the pages' ids, as the scan does.
func planOf(pages []TokenPage, want []int64) scanPlan {
	ids := make([]pageIDs, len(pages))
	for i, p := range pages {
		ids[i] = idsOnPage(p)
	}
	return planScan(ids, want)
}

// Where two pages overlap, the page read last tells the position; the points are in list
// order, one per position, whatever order the pages were read in.
func TestPointsOfOverlappingPages(t *testing.T) {
	pages := []pageIDs{
		{offset: 4, total: 10, ids: []int64{50, 40, 30}},
		{offset: 0, total: 10, ids: []int64{90, 80, 70, 60, 55}}, // position 4: 55, read last
	}
	want := []point{{0, 90}, {1, 80}, {2, 70}, {3, 60}, {4, 55}, {5, 40}, {6, 30}}
	if got := pointsOf(pages); !slices.Equal(got, want) {
		t.Errorf("pointsOf = %v, want %v", got, want)
	}
}
