package b2b

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// lagConfig judges windows by clock, with a list lag short in real time (the polls of a
// lost create end within twice the lag) and, as the clock stands still, never over.
func lagConfig(clock Clock) func(*Config) {
	return func(cfg *Config) {
		cfg.Clock = clock
		cfg.ListLag = 40 * time.Millisecond
	}
}

// setToken gives the token with id the value.
func (f *fakeB2B) setToken(id int64, value string) {
	f.locked(func() {
		for i := range f.tokens {
			if f.tokens[i].ID == id {
				f.tokens[i].Token = value
			}
		}
	})
}

// A create's token is told by its name, email and value, and by its absence from the
// listing before the create: an older token of the same name, email and value is not it.
func TestProvisionLocatesTheNewTokenAmongTokensOfTheSameValue(t *testing.T) {
	forEachCredential(t, func(t *testing.T, f *fakeB2B, credential func(*Config)) {
		old := f.addToken("ci", "owner@example.com")
		f.addToken("ci", "someone@example.com")
		var made atomic.Int64
		f.setHook(onCreate(func(f *fakeB2B, w http.ResponseWriter, _ *http.Request, req CreateServerTokenRequest, _ int) bool {
			if req.Name != provisionReq.Name {
				return false // the borrowed credential
			}
			tok := f.addToken(req.Name, req.Email)
			f.setToken(tok.ID, old.Token) // BigCommerce may hand out the same value again
			tok.Token = old.Token
			made.Store(tok.ID)
			writeCreated(w, tok)
			return true
		}))
		out := f.client(t, credential, lagConfig(newTestClock())).ProvisionServerToken(context.Background(), provisionReq)
		if !out.Located() || out.Token.ID != made.Load() || out.Token.ID == old.ID {
			t.Fatalf("Provision = %+v, want the new token %d (not the old %d)", out, made.Load(), old.ID)
		}
		if out.Token.Token != old.Token || out.Token.Name != "ci" || out.Err != nil || len(out.Notes) != 0 {
			t.Errorf("Provision = %+v", out)
		}
		creates := createsOf(t, f)
		last := creates[len(creates)-1]
		if last != provisionReq {
			t.Errorf("create body %+v, want %+v", last, provisionReq)
		}
	})
}

// Without any credential, the listing before the create is made with a short-lived token,
// named for what it is and deleted once the create is settled.
func TestProvisionBorrowsANamedCredentialAndDeletesIt(t *testing.T) {
	f := newFake(t)
	f.addToken("existing", "owner@example.com")
	out := f.client(t, lagConfig(newTestClock())).ProvisionServerToken(context.Background(), provisionReq)
	if !out.Located() || len(out.Notes) != 0 {
		t.Fatalf("Provision = %+v", out)
	}
	creates := createsOf(t, f)
	if len(creates) != 2 {
		t.Fatalf("%d creates, want the borrowed credential and the token: %s", len(creates), sequence(f))
	}
	borrowed := creates[0]
	if !strings.HasPrefix(borrowed.Name, BorrowedNamePrefix) || len(borrowed.Name) <= len(BorrowedNamePrefix) ||
		borrowed.Email != provisionReq.Email || borrowed.StoreHash != provisionReq.StoreHash {
		t.Errorf("borrowed create %+v, want a name starting %q, the same user and store", borrowed, BorrowedNamePrefix)
	}
	if creates[1] != provisionReq {
		t.Errorf("second create %+v, want %+v", creates[1], provisionReq)
	}
	for _, tk := range f.visible() {
		if strings.HasPrefix(tk.Name, BorrowedNamePrefix) {
			t.Errorf("the borrowed token %+v was not deleted", tk)
		}
	}
	if n := f.count(http.MethodDelete, pathBackendAuth); n != 1 {
		t.Errorf("%d deletes, want 1 (the borrowed token)", n)
	}
	if !f.has(out.Token.ID) {
		t.Errorf("the token made (%d) is not in the store", out.Token.ID)
	}
	// The listing before the create was made with the borrowed token.
	lists := f.requestsTo(http.MethodGet, pathBackendTokens)
	if len(lists) == 0 || lists[0].Header.Get("authToken") == "" {
		t.Errorf("the first listing sent no authToken: %s", sequence(f))
	}
}

// A create whose connection drops after it was written may have made a token; while the
// list lags, the run cannot tell, so the outcome is Unknown with the pending create kept:
// never None, and the create is never sent again.
func TestProvisionLostReplyWithALaggingListIsUnknown(t *testing.T) {
	forEachCredential(t, func(t *testing.T, f *fakeB2B, credential func(*Config)) {
		existing := f.addToken("ci", "owner@example.com")
		var made atomic.Int64
		f.setHook(onCreate(func(f *fakeB2B, w http.ResponseWriter, _ *http.Request, req CreateServerTokenRequest, _ int) bool {
			if req.Name != provisionReq.Name {
				return false
			}
			tok := f.addToken(req.Name, req.Email)
			f.setHidden(tok.ID, true) // the list shows it late
			made.Store(tok.ID)
			resetConnection(t, w)
			return true
		}))
		clock := newTestClock()
		out := f.client(t, credential, lagConfig(clock)).ProvisionServerToken(context.Background(), provisionReq)
		if out.Kind != CreateUnknown {
			t.Fatalf("Provision = %+v, want unknown", out)
		}
		if !errors.Is(out.Err, ErrCreateOutcomeUnknown) {
			t.Errorf("err = %v, want ErrCreateOutcomeUnknown", out.Err)
		}
		p := out.Pending
		if p.Name != "ci" || p.Email != provisionReq.Email || p.StoreHash != testStoreHash || !p.BeforeKnown ||
			!p.Before.Has(existing.ID) || p.Before.Has(made.Load()) || p.SentAt.IsZero() || p.EndedAt.Before(p.SentAt) {
			t.Errorf("pending %+v (before %s), want the create's, before holding %d and not %d", p, p.Before, existing.ID, made.Load())
		}
		if n := f.countCreatesNamed("ci"); n != 1 {
			t.Errorf("%d creates of ci, want 1", n)
		}
		if !f.has(made.Load()) {
			t.Error("the token made is gone")
		}
		assertNoSecrets(t, out.Err.Error())
	})
}

// A later run reconciles the pending create, kept in state as JSON: once the list shows
// the token, it is the one made.
func TestReconcileOfALostCreateFindsTheTokenOnceListed(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	f.addToken("ci", "owner@example.com")
	var made atomic.Int64
	f.setHook(onCreate(func(f *fakeB2B, w http.ResponseWriter, _ *http.Request, req CreateServerTokenRequest, _ int) bool {
		tok := f.addToken(req.Name, req.Email)
		f.setHidden(tok.ID, true)
		made.Store(tok.ID)
		resetConnection(t, w)
		return true
	}))
	clock := newTestClock()
	out := f.client(t, withAuthToken, lagConfig(clock)).ProvisionServerToken(context.Background(), provisionReq)
	if out.Kind != CreateUnknown {
		t.Fatalf("Provision = %+v, want unknown", out)
	}
	state, err := json.Marshal(out.Pending)
	if err != nil {
		t.Fatal(err)
	}

	// The next run, still within the lag: the token is not listed yet: unknown.
	var pending PendingCreate
	if err := json.Unmarshal(state, &pending); err != nil {
		t.Fatal(err)
	}
	next := f.client(t, withAuthToken, lagConfig(clock)).Store(testStoreHash)
	if got := next.Reconcile(context.Background(), pending, ""); got.Kind != CreateUnknown {
		t.Errorf("Reconcile within the lag = %+v, want unknown", got)
	}

	// Listed now: made.
	f.setHidden(made.Load(), false)
	clock.Advance(time.Minute)
	later := f.client(t, withAuthToken, lagConfig(clock)).Store(testStoreHash)
	got := later.Reconcile(context.Background(), pending, "")
	if !got.Located() || got.Token.ID != made.Load() {
		t.Errorf("Reconcile = %+v, want the token %d", got, made.Load())
	}
	if n := f.countCreatesNamed("ci"); n != 1 {
		t.Errorf("%d creates, want 1: reconciling creates nothing", n)
	}
}

// A lost create that made nothing is None only once two complete listings that started
// after the lag do not show a token of it.
func TestReconcileOfALostCreateThatMadeNothing(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	f.addToken("ci", "owner@example.com") // listed before: not the create's
	f.setHook(onCreate(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ CreateServerTokenRequest, _ int) bool {
		resetConnection(t, w) // nothing made
		return true
	}))
	clock := newTestClock()
	out := f.client(t, withAuthToken, lagConfig(clock)).ProvisionServerToken(context.Background(), provisionReq)
	if out.Kind != CreateUnknown {
		t.Fatalf("Provision = %+v, want unknown while the list may lag", out)
	}
	clock.Advance(time.Minute)
	got := f.client(t, withAuthToken, lagConfig(clock)).Store(testStoreHash).Reconcile(context.Background(), out.Pending, "")
	if got.Kind != CreateNone {
		t.Errorf("Reconcile = %+v, want none", got)
	}

	// A token of the name and email someone made after the listing before the create
	// cannot be told from the create's: it is taken for it (one candidate), never ignored.
	other := f.addToken("ci", "owner@example.com")
	got = f.client(t, withAuthToken, lagConfig(clock)).Store(testStoreHash).Reconcile(context.Background(), out.Pending, "")
	if !got.Located() || got.Token.ID != other.ID {
		t.Errorf("Reconcile = %+v, want the new token %d", got, other.ID)
	}
}

// An earlier run's create whose reply arrived but whose token was not located: its value
// names it.
func TestReconcileWithTheValueOfTheReply(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	before := f.seed(2, "x", "owner@example.com")
	tok := f.addToken("ci", "owner@example.com")
	clock := newTestClock()
	p := PendingCreate{Name: "ci", Email: "owner@example.com", StoreHash: testStoreHash, SentAt: clock.Now(), EndedAt: clock.Now(),
		Before: NewIDSet(slices.Values(before)), BeforeKnown: true}
	clock.Advance(time.Minute)
	got := f.client(t, withAuthToken, lagConfig(clock)).Store(testStoreHash).Reconcile(context.Background(), p, tok.Token)
	if !got.Located() || got.Token.ID != tok.ID {
		t.Errorf("Reconcile = %+v, want %d", got, tok.ID)
	}

	// The value is refused and no other credential is left: no token has it now.
	f.removeToken(tok.ID)
	f2 := f.client(t, lagConfig(clock)).Store(testStoreHash)
	got = f2.Reconcile(context.Background(), p, tok.Token)
	if got.Kind != CreateNone {
		t.Errorf("Reconcile of a refused value = %+v, want none", got)
	}
}

// A create over a connection never made (a TLS handshake that failed, a refused connection)
// made nothing, and no short-lived credential was made for it either.
func TestProvisionNeverConnectedIsNone(t *testing.T) {
	t.Run("TLS", func(t *testing.T) {
		for _, auth := range []bool{false, true} {
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
				t.Error("a request reached the server")
			}))
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshakes are the point
			srv.StartTLS()
			cfg := Config{BaseURL: srv.URL + fakeBasePath, MaxRetries: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond}
			if auth {
				cfg.AuthToken = testAuthToken
			}
			c, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			out := c.ProvisionServerToken(context.Background(), provisionReq)
			if out.Kind != CreateNone || out.Err == nil || out.Token != (ServerToken{}) {
				t.Errorf("auth=%v: Provision = %+v, want none with the error", auth, out)
			}
			if !auth && c.Store(testStoreHash).HasCredential() {
				t.Errorf("a borrowed credential is held after a create that never connected")
			}
			if len(out.Notes) != 0 {
				t.Errorf("auth=%v: notes %v", auth, out.Notes)
			}
			assertNoSecrets(t, out.Err.Error())
			srv.Close()
		}
	})
	t.Run("refused connection for the create", func(t *testing.T) {
		f := newFake(t)
		f.listAuthToken()
		var refuseDials atomic.Bool
		f.setHook(onList(func(*fakeB2B, http.ResponseWriter, *http.Request, int) bool {
			refuseDials.Store(true) // the listing before got through; the create will not
			return false
		}))
		transport := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if refuseDials.Load() {
				return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
			}
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}}
		out := f.client(t, withAuthToken, lagConfig(newTestClock()), func(cfg *Config) { cfg.Transport = transport }).ProvisionServerToken(context.Background(), provisionReq)
		if out.Kind != CreateNone || !errors.Is(out.Err, syscall.ECONNREFUSED) {
			t.Errorf("Provision = %+v, want none with the refused connection", out)
		}
		if n := f.count(http.MethodPost, pathBackendAuth); n != 0 {
			t.Errorf("%d creates reached the server", n)
		}
		if f.count(http.MethodGet, pathBackendTokens) == 0 {
			t.Error("no listing before the create")
		}
	})
}

// A listing before the create that cannot be the whole store (data: [] while the
// auth_token is a token of the store) creates nothing: the new token could not be told.
func TestProvisionWithAnIncompleteListingBeforeCreatesNothing(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	f.setHook(onList(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ int) bool {
		writeJSON(w, http.StatusOK, listReply(nil, 0, 0, MaxPageSize))
		return true
	}))
	out := f.client(t, withAuthToken, lagConfig(newTestClock())).ProvisionServerToken(context.Background(), provisionReq)
	if out.Kind != CreateNone || out.Err == nil || !strings.Contains(out.Err.Error(), "nothing was created") {
		t.Errorf("Provision = %+v, want none: nothing was created", out)
	}
	if n := f.count(http.MethodPost, pathBackendAuth); n != 0 {
		t.Errorf("%d creates sent", n)
	}
}

// A token this client just made is a credential, but a listing that started within the
// list lag of its create need not show it to be complete; one that started later must.
func TestFreshTokenIsRequiredOnlyInListingsStartedAfterTheLag(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	clock := newTestClock()
	s := f.client(t, withAuthToken, lagConfig(clock)).Store(testStoreHash)
	out := s.Provision(context.Background(), provisionReq)
	if !out.Located() {
		t.Fatalf("Provision = %+v", out)
	}
	if got := s.creds.statusOf(out.Token.Token); got == credentialRefused {
		t.Fatalf("the new token's status is %v", got)
	}
	s.creds.accepted(out.Token.Token) // as a listing with it would
	f.setHidden(out.Token.ID, true)   // a replica that does not show it yet

	s.index.changed(0) // a write of this client: the next listing is a new one
	list, err := s.List(context.Background())
	if err != nil || !list.Complete {
		t.Errorf("a listing within the lag = complete %v, %v; want complete without the new token", list.Complete, err)
	}
	clock.Advance(time.Minute)
	s.index.changed(0)
	list, err = s.List(context.Background())
	if err != nil || list.Complete {
		t.Errorf("a listing after the lag = complete %v, %v; want incomplete: it must show the new token", list.Complete, err)
	}
}

// Concurrent creates of one name and email whose tokens have the same value each take a
// token of their own.
func TestConcurrentProvisionsOfOneNameAndValueTakeDistinctTokens(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	const value = "eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6Im93bmVyQGV4YW1wbGUuY29tIiwic3RvcmVfaGFzaCI6ImFiYzEyMyJ9.same"
	f.setHook(onCreate(func(f *fakeB2B, w http.ResponseWriter, _ *http.Request, req CreateServerTokenRequest, _ int) bool {
		tok := f.addToken(req.Name, req.Email)
		f.setToken(tok.ID, value)
		tok.Token = value
		writeCreated(w, tok)
		return true
	}))
	c := f.client(t, withAuthToken, lagConfig(newTestClock()))
	const n = 3
	outs := make([]CreateOutcome, n)
	done := make(chan int)
	for i := range n {
		go func() {
			outs[i] = c.ProvisionServerToken(context.Background(), provisionReq)
			done <- i
		}()
	}
	for range n {
		<-done
	}
	seen := map[int64]bool{}
	for i, out := range outs {
		if !out.Located() || out.Token.Token != value {
			t.Errorf("create %d: %+v, want located", i, out)
			continue
		}
		if seen[out.Token.ID] {
			t.Errorf("create %d took token %d, which another create took", i, out.Token.ID)
		}
		seen[out.Token.ID] = true
		if !f.has(out.Token.ID) {
			t.Errorf("create %d: token %d is not in the store", i, out.Token.ID)
		}
	}
	if got := f.countCreatesNamed(provisionReq.Name); got != n {
		t.Errorf("%d creates, want %d", got, n)
	}
}

// A uniquely named token needs no listing before its create: its name tells it.
func TestProvisionUniquelyNamed(t *testing.T) {
	req := provisionReq
	req.Name = BorrowedNamePrefix + "0a1b2c3d"
	t.Run("reply arrived", func(t *testing.T) {
		f := newFake(t)
		f.listAuthToken()
		out := f.client(t, withAuthToken, lagConfig(newTestClock())).Store(testStoreHash).ProvisionUniquelyNamed(context.Background(), req)
		if !out.Located() || out.Token.Name != req.Name {
			t.Fatalf("ProvisionUniquelyNamed = %+v", out)
		}
		reqs := f.requests()
		if len(reqs) == 0 || reqs[0].Method != http.MethodPost {
			t.Errorf("the create was not the first request: %s", sequence(f))
		}
	})
	t.Run("reply lost, the list lags", func(t *testing.T) {
		f := newFake(t)
		f.listAuthToken()
		f.setHook(onCreate(func(f *fakeB2B, w http.ResponseWriter, _ *http.Request, req CreateServerTokenRequest, _ int) bool {
			f.setHidden(f.addToken(req.Name, req.Email).ID, true)
			resetConnection(t, w)
			return true
		}))
		clock := newTestClock()
		out := f.client(t, withAuthToken, lagConfig(clock)).Store(testStoreHash).ProvisionUniquelyNamed(context.Background(), req)
		if out.Kind != CreateUnknown || !out.Pending.UniqueName || out.Pending.BeforeKnown || !errors.Is(out.Err, ErrCreateOutcomeUnknown) {
			t.Errorf("ProvisionUniquelyNamed = %+v, want unknown with a pending create by name", out)
		}
		made := f.lastToken()
		f.setHidden(made.ID, false)
		clock.Advance(time.Minute)
		got := f.client(t, withAuthToken, lagConfig(clock)).Store(testStoreHash).Reconcile(context.Background(), out.Pending, "")
		if !got.Located() || got.Token.ID != made.ID {
			t.Errorf("Reconcile = %+v, want %d", got, made.ID)
		}
	})
	t.Run("reply lost, no credential to list", func(t *testing.T) {
		f := newFake(t)
		f.setHook(onCreate(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ CreateServerTokenRequest, _ int) bool {
			resetConnection(t, w)
			return true
		}))
		out := f.client(t, lagConfig(newTestClock())).Store(testStoreHash).ProvisionUniquelyNamed(context.Background(), req)
		if out.Kind != CreateUnknown || !errors.Is(out.Err, ErrCreateOutcomeUnknown) || out.Pending.Name != req.Name {
			t.Errorf("ProvisionUniquelyNamed = %+v, want unknown, never none", out)
		}
	})
}

// The API may refuse a token for a moment after it was made: the borrowed credential's
// first refusals are not taken as proof, the listing is made with it once it is accepted,
// and it is deleted after.
func TestProvisionBorrowedCredentialRefusedForAMoment(t *testing.T) {
	f := newFake(t)
	f.addToken("existing", "owner@example.com")
	var mu sync.Mutex
	uses := map[string]int{}
	f.setHook(func(_ *fakeB2B, w http.ResponseWriter, r *http.Request, req fakeRequest, _ int) bool {
		if req.Method != http.MethodGet {
			return false
		}
		mu.Lock()
		uses[r.Header.Get("authToken")]++
		n := uses[r.Header.Get("authToken")]
		mu.Unlock()
		if n <= 2 { // each new value is refused twice before it works
			writeEnvelope(w, http.StatusUnauthorized, http.StatusUnauthorized, map[string]any{"errMsg": "Invalid token."}, "Unauthorized")
			return true
		}
		return false
	})
	out := f.client(t, lagConfig(newTestClock())).ProvisionServerToken(context.Background(), provisionReq)
	if !out.Located() || out.Err != nil || len(out.Notes) != 0 {
		t.Fatalf("Provision = %+v, want located, nothing to note", out)
	}
	if n := len(createsOf(t, f)); n != 2 {
		t.Errorf("%d creates, want the borrowed credential and the token: %s", n, sequence(f))
	}
	for _, tk := range f.visible() {
		if strings.HasPrefix(tk.Name, BorrowedNamePrefix) {
			t.Errorf("the borrowed token %+v was left behind", tk)
		}
	}
}
