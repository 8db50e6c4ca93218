package b2b

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// listCalls counts the listing requests the fake received.
func listCalls(f *fakeB2B) int { return f.count(http.MethodGet, pathBackendTokens) }

// forEachOrder runs test on a fake listing newest first and on one listing oldest first.
func forEachOrder(t *testing.T, f *fakeB2B, test func(t *testing.T)) {
	t.Helper()
	for _, newest := range []bool{true, false} {
		t.Run(fmt.Sprintf("newest first=%v", newest), func(t *testing.T) {
			f.setNewestFirst(newest)
			test(t)
		})
	}
}

// A create costs the same few list calls in a store of 300 tokens as in one of 30,000: the
// listing before it is the newest page, which tells the newest id, and the new token is
// found at the newest end; an older token of the same name and email is never it. In both
// list orders, with auth_token and without a credential.
func TestProvisionInABigStoreCostsABoundedNumberOfListCalls(t *testing.T) {
	for _, n := range []int{300, 5000, 30000} {
		t.Run(fmt.Sprintf("%d tokens", n), func(t *testing.T) {
			forEachCredential(t, func(t *testing.T, f *fakeB2B, credential func(*Config)) {
				old := f.addToken(provisionReq.Name, provisionReq.Email)
				f.seed(n, "other", "other@example.com")
				forEachOrder(t, f, func(t *testing.T) {
					calls := listCalls(f)
					out := f.client(t, credential, lagConfig(newTestClock())).ProvisionServerToken(context.Background(), provisionReq)
					made := f.lastToken()
					if !out.Located() || out.Token.ID != made.ID || out.Token.ID == old.ID {
						t.Fatalf("Provision = %+v, want the new token %d", out, made.ID)
					}
					got := listCalls(f) - calls
					if got > 8 {
						t.Errorf("%d list calls for a create in a store of %d tokens; want at most 8 whatever its size", got, n)
					}
					t.Logf("%d list calls", got)
				})
			})
		})
	}
}

// A lost create in a big store is settled from the newest end only, in a later run, from
// the pending create kept as JSON: made when a token of it is above the newest id listed
// before (never the older token of the name and email), none when two settled tails show
// none. A few list calls each, whatever the store's size.
func TestReconcileInABigStoreReadsTheNewestEndOnly(t *testing.T) {
	for _, makes := range []bool{true, false} {
		t.Run(fmt.Sprintf("the create made a token=%v", makes), func(t *testing.T) {
			f := newFake(t)
			f.listAuthToken()
			old := f.addToken(provisionReq.Name, provisionReq.Email)
			f.seed(20000, "other", "other@example.com")
			var made atomic.Int64
			f.setHook(onCreate(func(f *fakeB2B, w http.ResponseWriter, _ *http.Request, req CreateServerTokenRequest, _ int) bool {
				if makes {
					tok := f.addToken(req.Name, req.Email)
					f.setHidden(tok.ID, true)
					made.Store(tok.ID)
				}
				resetConnection(t, w)
				return true
			}))
			forEachOrder(t, f, func(t *testing.T) {
				clock := newTestClock()
				out := f.client(t, withAuthToken, lagConfig(clock)).ProvisionServerToken(context.Background(), provisionReq)
				if out.Kind != CreateUnknown || out.Pending.BeforeUpTo < old.ID {
					t.Fatalf("Provision = %+v, want unknown, with the newest id listed before", out)
				}
				state, _ := json.Marshal(out.Pending)
				var pending PendingCreate
				if err := json.Unmarshal(state, &pending); err != nil || pending.BeforeUpTo != out.Pending.BeforeUpTo {
					t.Fatalf("the pending create does not keep its newest id through JSON: %s (%v)", state, err)
				}
				f.setHidden(made.Load(), false)
				clock.Advance(time.Minute)
				calls := listCalls(f)
				got := f.client(t, withAuthToken, lagConfig(clock)).Store(testStoreHash).Reconcile(context.Background(), pending, "")
				switch {
				case makes && (!got.Located() || got.Token.ID != made.Load()):
					t.Errorf("Reconcile = %+v, want the token %d", got, made.Load())
				case !makes && got.Kind != CreateNone:
					t.Errorf("Reconcile = %+v, want none", got)
				}
				if n := listCalls(f) - calls; n > 6 {
					t.Errorf("%d list calls to settle a create in a store of 20,000 tokens; want at most 6", n)
				}
				if made.Load() != 0 {
					f.removeToken(made.Load())
				}
			})
		})
	}
}

// A token of the create's name and email that someone else makes while the create is in
// flight is above the newest id listed before too: with the create's reply it is told by
// value; without, the two cannot be told apart and neither is taken.
func TestProvisionInABigStoreTellsAnotherPipelinesToken(t *testing.T) {
	for _, lost := range []bool{false, true} {
		t.Run(fmt.Sprintf("reply lost=%v", lost), func(t *testing.T) {
			f := newFake(t)
			f.listAuthToken()
			f.seed(3000, "other", "other@example.com")
			f.setNewestFirst(true)
			var mine atomic.Int64
			f.setHook(onCreate(func(f *fakeB2B, w http.ResponseWriter, _ *http.Request, req CreateServerTokenRequest, _ int) bool {
				f.addToken(req.Name, req.Email) // the other pipeline's, first
				tok := f.addToken(req.Name, req.Email)
				mine.Store(tok.ID)
				if lost {
					resetConnection(t, w)
				} else {
					writeCreated(w, tok)
				}
				return true
			}))
			clock := newTestClock()
			out := f.client(t, withAuthToken, lagConfig(clock)).ProvisionServerToken(context.Background(), provisionReq)
			if !lost && (!out.Located() || out.Token.ID != mine.Load()) {
				t.Fatalf("Provision = %+v, want its own token %d", out, mine.Load())
			}
			if lost {
				clock.Advance(time.Minute)
				got := f.client(t, withAuthToken, lagConfig(clock)).Store(testStoreHash).Reconcile(context.Background(), out.Pending, "")
				if got.Kind != CreateUnknown || !errors.Is(got.Err, ErrAmbiguousCreate) {
					t.Fatalf("Reconcile = %+v, want unknown: two candidates", got)
				}
			}
		})
	}
}

// The newest end is read again when the list changes under it (a token at the newest end
// deleted between two of its pages), and a store that changes faster than the newest pages
// can follow fails the settling with what happened, instead of listing the whole store.
func TestTailOfAChangingStore(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	f.seed(3000, "other", "other@example.com")
	f.setNewestFirst(true)
	h := f.lastToken().ID
	f.seed(600, "since", "other@example.com") // made after the create's listing: three pages
	var deleted atomic.Bool
	f.setHook(func(f *fakeB2B, _ http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
		if r.Method == http.MethodGet && r.URL.Query().Get("offset") != "0" && !deleted.Swap(true) {
			f.removeToken(f.lastToken().ID)
		}
		return false
	})
	store := f.client(t, withAuthToken).Store(testStoreHash)
	tail, err := store.tailAbove(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	if above := countAbove(tail, h); above != 599 || !store.judged(tail).Complete {
		t.Errorf("the tail shows %d tokens above %d (complete %v); want the 599 left", above, h, tail.Complete)
	}

	f.seed(2000, "flood", "other@example.com")
	_, err = store.tailAbove(context.Background(), h)
	if !errors.Is(err, errTailTooLong) || !strings.Contains(err.Error(), "the store changes faster than a create can be told") {
		t.Errorf("err = %v, want the store changing too fast", err)
	}
}

func countAbove(l TokenList, id int64) int {
	n := 0
	for _, t := range l.Tokens() {
		if t.ID > id {
			n++
		}
	}
	return n
}

// A server that serves fewer tokens a page than asked: the newest end is still read whole,
// in both orders, on the first read and on the next (which starts at the end it learnt).
func TestTailWithPagesSmallerThanAsked(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	f.seed(1000, "other", "other@example.com")
	h := f.lastToken().ID
	f.seed(150, "since", "other@example.com")
	f.setMaxLimit(100)
	forEachOrder(t, f, func(t *testing.T) {
		store := f.client(t, withAuthToken).Store(testStoreHash)
		for read := range 2 {
			tail, err := store.tailAbove(context.Background(), h)
			if err != nil {
				t.Fatal(err)
			}
			if above := countAbove(tail, h); above != 150 || !store.judged(tail).Complete {
				t.Errorf("read %d: the tail shows %d tokens above %d (complete %v); want 150", read, above, h, tail.Complete)
			}
		}
	})
}
