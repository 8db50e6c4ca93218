package emulator

import (
	"encoding/json"
	"strings"
	"testing"
)

// expectHTML401 checks a gateway's HTML 401 page: no JSON, no envelope.
func expectHTML401(t *testing.T, r *response) {
	t.Helper()
	if r.status != 401 || r.header.Get("Content-Type") != "text/html" || json.Valid(r.raw) ||
		!strings.Contains(string(r.raw), "<h1>401 Unauthorized</h1>") {
		t.Fatalf("%d %v %s", r.status, r.header, r.raw)
	}
}

// A gateway's HTML 401 in front of DELETE /auth/backend says nothing of the
// delete: without AfterHandling it did not happen, with it it did.
func TestFaultHTML401OnDelete(t *testing.T) {
	f := newFixture(t)
	auth := f.create("keeper")
	f.srv.AddToken("victim", adminEmail)
	f.srv.AddToken("victim 2", adminEmail)
	del := func(id string) *response {
		return f.do("DELETE", "/auth/backend", hdr{"authToken": auth}, `{"id": `+id+`}`)
	}

	f.srv.InjectFault("DELETE /auth/backend", Fault{Kind: FaultHTMLPage, Status: 401})
	expectHTML401(t, del("2"))
	if _, ok := f.srv.Token(2); !ok {
		t.Fatal("the delete happened without AfterHandling")
	}

	f.srv.InjectFault("DELETE /auth/backend", Fault{Kind: FaultHTMLPage, Status: 401, AfterHandling: true})
	expectHTML401(t, del("3"))
	if _, ok := f.srv.Token(3); ok {
		t.Fatal("the delete did not happen with AfterHandling")
	}
	// The credential is still good: the 401 was the gateway's, not the API's.
	expectStatus(t, del("2"), 200)
}

// On GET /backend/tokens the handled listing shows in the list lag: only a
// listing the API handled counts it down.
func TestFaultHTML401OnList(t *testing.T) {
	f := newFixture(t)
	auth := f.create("a")
	f.srv.SetListLag(1)
	f.create("late")
	f.create("later")
	listed := func() int { return len(listItems(t, f.list(auth, ""))) }

	f.srv.InjectFault("GET /backend/tokens", Fault{Kind: FaultHTMLPage, Status: 401})
	expectHTML401(t, f.list(auth, ""))
	if n := listed(); n != 1 {
		t.Fatalf("listed %d: an unhandled listing counted down the lag", n)
	}
	// The listing above used up the lag; a new token has its own.
	f.create("last")
	f.srv.InjectFault("GET /backend/tokens", Fault{Kind: FaultHTMLPage, Status: 401, AfterHandling: true})
	expectHTML401(t, f.list(auth, ""))
	if n := listed(); n != 4 {
		t.Fatalf("listed %d: the handled listing did not count down the lag", n)
	}
	if calls := f.srv.Calls(); calls[len(calls)-2].Fault != FaultHTMLPage || calls[len(calls)-2].Status != 401 {
		t.Fatalf("call %+v", calls[len(calls)-2])
	}
}
