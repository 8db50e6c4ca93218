package b2b

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// Was a defect (provision.go, Store.Reconcile, line 237): the second listing is passed to
// judgeCreate as confirmed: true without checking that it is Complete. A well-formed but
// stale second listing (data: [], totalCount 0) that does not show the configured
// auth_token concludes CreateNone.
func TestReconcile_incompleteSecondListingIsNeverNone(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	f.setHook(onCreate(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ CreateServerTokenRequest, _ int) bool {
		resetConnection(t, w)
		return true
	}))
	clock := newTestClock()
	out := f.client(t, withAuthToken, lagConfig(clock)).ProvisionServerToken(context.Background(), provisionReq)
	if out.Kind != CreateUnknown {
		t.Fatalf("Provision = %+v, want unknown", out)
	}
	clock.Advance(time.Minute)
	base := int32(f.count(http.MethodGet, pathBackendTokens))
	var lists atomic.Int32
	f.setHook(onList(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, n int) bool {
		lists.Store(int32(n) - base)
		if int32(n) > base+1 { // the second listing of this run: a stale, empty replica
			writeJSON(w, http.StatusOK, listReply(nil, 0, 0, MaxPageSize))
			return true
		}
		return false
	}))
	got := f.client(t, withAuthToken, lagConfig(clock)).Store(testStoreHash).Reconcile(context.Background(), out.Pending, "")
	if got.Kind == CreateNone {
		t.Errorf("Reconcile = None after %d listings, the second of which (data: [], totalCount 0) does not show the "+
			"configured auth_token: an incomplete listing must never prove None", lists.Load())
	}
}

// Was a defect (idset.go, ParseIDSet, line 84): for id := first; id <= last; id++ overflows
// when last is math.MaxInt64, so ParseIDSet of the String of an IDSet holding that id never
// returns (and allocates without bound).
func TestParseIDSet_ofMaxInt64Returns(t *testing.T) {
	done := make(chan error, 1)
	go func() {
		_, err := ParseIDSet(strconv.FormatInt(math.MaxInt64, 10))
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ParseIDSet of the one id %d: %v", int64(math.MaxInt64), err)
		}
	case <-time.After(time.Second):
		t.Fatal("ParseIDSet(\"9223372036854775807\") did not return within 1 s")
	}
}

// Was a defect (presence.go, Store.FindValue -> tryCredential; also Store.Find's
// proveAbsent): a value whose JWT store_hash claim names another store is refused by
// addToken (belongsTo), yet FindValue still sends it as authToken to this store's listing
// (statusOf of a value not in the set is credentialUnknown, so tryCredential runs). The
// AddToken contract says such a token "is never sent here".
func TestFindValue_neverSendsAnotherStoresToken(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	other := fakeJWT("otherstore", 77)
	s := storeOf(t, f)
	_, _ = s.FindValue(context.Background(), other)
	for _, r := range f.requests() {
		if r.Header.Get("authToken") == other {
			t.Errorf("%s %s sent a token whose claim names another store", r.Method, r.Path)
		}
	}
}

// Was a defect (provision.go, Store.poll, the listingEvidence built at lines ~270-271): a lost
// create is concluded None from two complete listings of which only the second started after
// EndedAt+ListLag: confirmed checks that the previous listing was complete, not that it was
// settled. DESIGN.md: "A create is none only when two complete listings, both started after
// the list must show it (EndedAt + ListLag), show no candidate." Here the token exists and a
// third listing would show it; the run says None, and the next plan creates it again.
func TestProvision_noneNeedsTwoSettledListings(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	clock := newTestClock()
	var made atomic.Int64
	f.setHook(func(f *fakeB2B, w http.ResponseWriter, _ *http.Request, req fakeRequest, n int) bool {
		switch {
		case req.Method == http.MethodPost:
			tok := f.addToken(provisionReq.Name, provisionReq.Email)
			f.setHidden(tok.ID, true)
			made.Store(tok.ID)
			resetConnection(t, w)
			return true
		case req.Method == http.MethodGet && n == 2:
			clock.Advance(time.Minute) // the next listing starts after EndedAt+ListLag
		case req.Method == http.MethodGet && n >= 4:
			f.setHidden(made.Load(), false)
		}
		return false
	})
	out := f.client(t, withAuthToken, lagConfig(clock)).ProvisionServerToken(context.Background(), provisionReq)
	if out.Kind == CreateNone {
		t.Errorf("Provision = None after %d listings (only the last one settled) while token %d exists: %s",
			f.count(http.MethodGet, pathBackendTokens), made.Load(), sequence(f))
	}
}

// Was a defect (presence.go Store.Find with own == "", store.go readAll/readPage use
// order{} — credentials.go order.configuredOnly is never used for a call): DESIGN.md says a
// read with no value of its own "uses only configured credentials. Its result then never
// depends on which other reads of the run came first." With the configured auth_token
// refused, Find(id, "") succeeds or fails depending on whether another read added its token.
func TestFind_withoutOwnValueDependsOnNoOtherRead(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	other := f.addToken("other-resource", "owner@example.com")
	target := f.addToken("imported", "owner@example.com")
	f.refuse(testAuthToken, http.StatusUnauthorized)

	alone := storeOf(t, f).Find(context.Background(), target.ID, "")
	s := storeOf(t, f)
	s.AddToken(other.Token, "") // another resource's read of the same run came first
	after := s.Find(context.Background(), target.ID, "")
	if alone.Kind != after.Kind {
		t.Errorf("Find(%d, \"\") = %v alone, %v after another read added its token: the result depends on the order of reads",
			target.ID, alone.Kind, after.Kind)
	}
	if after.Kind != PresenceUnknown || !errors.Is(after.Err, ErrNoCredential) {
		t.Errorf("Find(%d, \"\") with the configured auth_token refused = %+v, want unknown: no credential", target.ID, after)
	}
}
