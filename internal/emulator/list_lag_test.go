package emulator

import (
	"slices"
	"testing"
	"time"
)

func TestListLagFor(t *testing.T) {
	f := newFixture(t)
	auth := f.create("before") // created before the lag: listed
	f.srv.SetListLagFor(5 * time.Second)
	late := f.create("late")
	direct := f.srv.AddToken("direct", adminEmail) // out of band: listed at once
	listed := func() []int64 { return ids(listItems(t, f.list(auth, "?limit=250"))) }

	// However many listings: hidden until the time has passed.
	for range 3 {
		if got := listed(); !slices.Equal(got, []int64{direct.ID, 1}) {
			t.Fatalf("listed %v", got)
		}
	}
	// Hidden but valid: it authenticates, and the count leaves it out.
	if r := f.list(late, ""); r.env.Meta.Pagination.TotalCount != 2 {
		t.Fatalf("listing with the hidden token: %s", r.raw)
	}
	f.clock.Advance(5*time.Second - time.Nanosecond)
	if got := listed(); slices.Contains(got, 2) {
		t.Fatalf("listed %v before the lag ran out", got)
	}
	f.clock.Advance(time.Nanosecond)
	if got := listed(); !slices.Equal(got, []int64{direct.ID, 2, 1}) {
		t.Fatalf("listed %v once the lag ran out", got)
	}

	// A hidden token can be deleted.
	f.create("ghost")
	expectStatus(t, f.do("DELETE", "/auth/backend", hdr{"authToken": auth}, `{"id": 4}`), 200)
	f.clock.Advance(time.Minute)
	if r := f.list(auth, ""); r.env.Meta.Pagination.TotalCount != 3 {
		t.Fatalf("count after deleting the hidden token: %s", r.raw)
	}

	// RevealAll lists it at once; 0 turns the time lag off.
	f.create("revealed")
	f.srv.RevealAll()
	if got := listed(); got[0] != 5 {
		t.Fatalf("after RevealAll: %v", got)
	}
	for _, d := range []time.Duration{0, -time.Second} {
		f.srv.SetListLagFor(d)
		id := f.srv.Tokens()[len(f.srv.Tokens())-1].ID + 1
		f.create("now")
		if got := listed(); got[0] != id {
			t.Fatalf("with lag %v: %v", d, got)
		}
	}
}

// With both lags, a token is listed once the count of listings and the
// time have both run out, whichever comes last.
func TestListLagForWithListLag(t *testing.T) {
	f := newFixture(t)
	auth := f.create("a")
	isListed := func(id int64) bool { return slices.Contains(ids(listItems(t, f.list(auth, "?limit=250"))), id) }

	f.srv.SetListLag(2)
	f.srv.SetListLagFor(10 * time.Second)
	f.create("count last") // id 2
	if isListed(2) {
		t.Fatal("listing 1 shows token 2")
	}
	f.clock.Advance(10 * time.Second)
	if isListed(2) {
		t.Fatal("listing 2 shows token 2: one listing of its lag is left")
	}
	if !isListed(2) {
		t.Fatal("listing 3 hides token 2: both lags have run out")
	}

	f.srv.SetListLag(1)
	f.create("time last") // id 3
	for i := range 3 {
		if isListed(3) {
			t.Fatalf("listing %d shows token 3 before its time", i+1)
		}
	}
	f.clock.Advance(10 * time.Second)
	if !isListed(3) {
		t.Fatal("token 3 hidden once both lags have run out")
	}
}
