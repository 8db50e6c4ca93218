package emulator

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// A replica stuck at a time lists the store as it was then: tokens made since are left out,
// tokens deleted since are still listed (and counted), and credentials are current.
func TestReplicaAsOf(t *testing.T) {
	f := newFixture(t)
	auth := f.create("before") // id 1
	f.clock.Advance(time.Second)
	kept := f.srv.AddToken("kept", adminEmail) // id 2
	doomed := f.srv.AddToken("doomed", adminEmail)
	asOf := f.clock.Now()
	f.srv.SetReplicaAsOf(asOf)
	f.clock.Advance(time.Second)
	late := f.create("late") // id 4
	f.srv.RemoveToken(doomed.ID)
	expectStatus(t, f.do("DELETE", "/auth/backend", hdr{"authToken": auth}, fmt.Sprintf(`{"id": %d}`, kept.ID)), 200)

	r := f.list(late, "?limit=250") // the late token authenticates, though not listed
	if got := ids(listItems(t, r)); !slices.Equal(got, []int64{3, 2, 1}) || r.env.Meta.Pagination.TotalCount != 3 {
		t.Fatalf("replica as of %v listed %v (totalCount %d)", asOf, got, r.env.Meta.Pagination.TotalCount)
	}
	f.srv.SetListOrder(OldestFirst)
	if got := ids(listItems(t, f.list(late, "?limit=2&offset=1"))); !slices.Equal(got, []int64{2, 3}) {
		t.Fatalf("second page, oldest first: %v", got)
	}
	expectStatus(t, f.do("DELETE", "/auth/backend", hdr{"authToken": auth}, fmt.Sprintf(`{"id": %d}`, kept.ID)), 404) // deletes are current

	f.srv.SetReplicaAsOf(time.Time{})
	if got := ids(listItems(t, f.list(late, "?limit=250"))); !slices.Equal(got, []int64{1, 4}) {
		t.Fatalf("current store: %v", got)
	}
}

// A replica behind by a duration catches up as the clock runs, and the list lags still hide
// what they hide.
func TestReplicaBehind(t *testing.T) {
	f := newFixture(t)
	auth := f.create("before") // id 1
	f.clock.Advance(20 * time.Second)
	f.srv.SetReplicaBehind(10 * time.Second)
	f.create("new") // id 2
	f.srv.SetListLag(-1)
	f.create("hidden") // id 3: hidden for good
	f.clock.Advance(time.Second)
	listed := func() []int64 { return ids(listItems(t, f.list(auth, "?limit=250"))) }
	if got := listed(); !slices.Equal(got, []int64{1}) {
		t.Fatalf("10s behind, 1s after: %v", got)
	}
	f.clock.Advance(9 * time.Second)
	if got := listed(); !slices.Equal(got, []int64{2, 1}) {
		t.Fatalf("10s behind, 10s after: %v", got)
	}
	f.srv.SetReplicaBehind(-time.Second)
	if got := listed(); !slices.Equal(got, []int64{2, 1}) {
		t.Fatalf("current store: %v", got)
	}
}
