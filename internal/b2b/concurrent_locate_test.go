package b2b

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// A create of another name still in flight cannot have made this create's token: once the
// wait for the creates in flight (which lets them share their listings) runs out, the page
// that shows the token settles it, however long the other create takes (a saturated server,
// a slow create of another resource). Only creates with the same name and email make
// tokens that may be taken for each other.
func TestProvision_locatesWhileACreateOfAnotherNameIsInFlight(t *testing.T) {
	for _, cc := range credentialCases {
		t.Run(cc.name, func(t *testing.T) {
			f := newFake(t)
			f.setNewestFirst(true)
			f.seed(600, "other", "someone@example.com")
			if cc.name == "with auth_token" {
				f.listAuthToken()
			}
			release := make(chan struct{})
			var heldTooLong atomic.Bool
			f.setHook(onCreate(func(_ *fakeB2B, _ http.ResponseWriter, r *http.Request, req CreateServerTokenRequest, _ int) bool {
				if req.Name == "slow" {
					select {
					case <-release:
					case <-time.After(20 * time.Second):
						heldTooLong.Store(true)
					}
				}
				return false
			}))
			// Creates wait for each other up to the request timeout, here much shorter than
			// the slow create: waiting for its end would show.
			c := f.client(t, cc.config, func(c *Config) { c.RequestTimeout = 500 * time.Millisecond })
			store := c.Store(testStoreHash)

			slowDone := make(chan CreateOutcome, 1)
			slow := provisionReq
			slow.Name = "slow"
			// The slow create goes first, so that the fast one starts while it is in flight.
			if _, err := store.List(context.Background()); err != nil && cc.name == "with auth_token" {
				t.Fatalf("List: %v", err)
			}
			go func() { slowDone <- store.Provision(context.Background(), slow) }()
			waitFor(t, func() bool { return f.countCreatesNamed("slow") == 1 })

			fast := provisionReq
			fast.Name = "fast"
			out := store.Provision(context.Background(), fast)
			if heldTooLong.Load() {
				t.Error("the fast create was located only once the slow one ended")
			}
			close(release)
			if !out.Located() || out.Token.Name != "fast" {
				t.Errorf("fast create: %+v, want it located while the slow one was in flight", out)
			}
			if s := <-slowDone; !s.Located() || s.Token.Name != "slow" {
				t.Errorf("slow create: %+v, want it located", s)
			}
		})
	}
}

// waitFor polls cond until it holds, for at most 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// A list that keeps changing while the run looks for its new token (other integrations of
// the store creating tokens between page reads) is no reason to stop looking: the poll goes
// on until the listings fit again and show the token, within its bounds.
func TestProvision_keepsLookingWhileTheListKeepsChanging(t *testing.T) {
	for _, cc := range credentialCases {
		t.Run(cc.name, func(t *testing.T) {
			f := newFake(t)
			f.seed(600, "other", "someone@example.com")
			if cc.name == "with auth_token" {
				f.listAuthToken()
			}
			var created atomic.Bool
			var churned atomic.Int32
			const churn = 12 // page reads that each see a token made by someone else
			f.setHook(func(f *fakeB2B, _ http.ResponseWriter, r *http.Request, req fakeRequest, _ int) bool {
				switch {
				case req.Method == http.MethodPost && req.Path == pathBackendAuth:
					created.Store(true)
				case req.Method == http.MethodGet && created.Load():
					k := churned.Add(1)
					if k == 1 {
						f.setHidden(f.lastToken().ID, true) // the list shows the new token late
					}
					if k <= churn && r.URL.Query().Get("offset") != "0" {
						f.addToken("elsewhere", "erp@example.com")
					}
					if k == churn {
						f.locked(func() { clear(f.hidden) })
					}
				}
				return false
			})
			c := f.client(t, cc.config, func(c *Config) { c.LocateAttempts = 8 })
			out := c.Store(testStoreHash).Provision(context.Background(), provisionReq)
			if !out.Located() || out.Token.Name != provisionReq.Name {
				t.Fatalf("%+v, want the token located once the list stopped changing", out)
			}
			if churned.Load() < churn {
				t.Errorf("%d listings after the create, want the churn (%d) seen", churned.Load(), churn)
			}
		})
	}
}
