package emulator

import (
	"slices"
	"testing"
)

func TestListOrder(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.ListOrder = OldestFirst })
	auth := f.srv.SeedTokens(5, "t", adminEmail)[0].Token
	page := func(q string) []int64 { return ids(listItems(t, f.list(auth, q))) }
	if got := page("?limit=3"); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("oldest first, page 1: %v", got)
	}
	if got := page("?limit=3&offset=3"); !slices.Equal(got, []int64{4, 5}) {
		t.Fatalf("oldest first, page 2: %v", got)
	}
	f.srv.SetListOrder(NewestFirst)
	if got := page("?limit=3"); !slices.Equal(got, []int64{5, 4, 3}) {
		t.Fatalf("newest first: %v", got)
	}
}

func TestListOrderSkipsHiddenTokens(t *testing.T) {
	f := newFixture(t)
	auth := f.create("a")
	f.srv.SetListLag(-1)
	f.create("hidden")
	f.srv.AddToken("c", adminEmail)
	f.srv.SetListOrder(OldestFirst)
	r := f.list(auth, "?limit=1&offset=1")
	if got := ids(listItems(t, r)); !slices.Equal(got, []int64{3}) || r.env.Meta.Pagination.TotalCount != 2 {
		t.Fatalf("page %s", r.raw)
	}
}

func TestListOrderNames(t *testing.T) {
	for _, o := range []ListOrder{NewestFirst, OldestFirst} {
		if got, err := ParseListOrder(o.String()); err != nil || got != o {
			t.Fatalf("%v: %v %v", o, got, err)
		}
	}
	if _, err := ParseListOrder("random"); err == nil {
		t.Fatal("random accepted")
	}
	if ListOrder(7).String() != "ListOrder(7)" {
		t.Fatal(ListOrder(7).String())
	}
	defer func() {
		if recover() == nil {
			t.Fatal("an unknown order should panic")
		}
	}()
	New(Options{}).SetListOrder(ListOrder(7))
}
