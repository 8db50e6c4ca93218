package b2b

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var provisionReq = CreateServerTokenRequest{StoreHash: testStoreHash, Email: "owner@example.com", Password: testPassword, Name: "ci"}

// sequence is the method and path of every request, in order.
func sequence(f *fakeB2B) string {
	var parts []string
	for _, r := range f.requests() {
		parts = append(parts, r.Method+" "+r.Path)
	}
	return strings.Join(parts, ", ")
}

// getsAfterPOST counts the list requests sent after the create.
func getsAfterPOST(f *fakeB2B) int {
	n, posted := 0, false
	for _, r := range f.requests() {
		switch {
		case r.Method == http.MethodPost:
			posted = true
		case posted && r.Method == http.MethodGet:
			n++
		}
	}
	return n
}

func decodeCreate(t *testing.T, body []byte) CreateServerTokenRequest {
	var req CreateServerTokenRequest
	if err := json.Unmarshal(body, &req); err != nil {
		t.Errorf("create body: %v", err)
	}
	return req
}

func TestProvisionFindsIDByTokenValue(t *testing.T) {
	tests := []struct {
		name         string
		authToken    bool
		wantSequence string
	}{
		// 302 tokens before the create, 306 after: two pages each. The fake lists oldest
		// first, so the head (first page) does not show the new token and a complete
		// listing follows it.
		{"with the client's authToken", true, "GET /backend/tokens, GET /backend/tokens, POST /auth/backend, GET /backend/tokens, GET /backend/tokens, GET /backend/tokens"},
		{"with the new token", false, "POST /auth/backend, GET /backend/tokens, GET /backend/tokens, GET /backend/tokens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			// other tokens with the same name and email, before and after ours in the list
			f.addToken("ci", "owner@example.com")
			f.seed(300, "other", "x@example.com")
			f.addToken("ci", "owner@example.com")
			c := f.client(t, func(cfg *Config) {
				if tt.authToken {
					withAuthToken(cfg)
				}
			})
			f.setHook(onCreate(func(f *fakeB2B, _ http.ResponseWriter, _ *http.Request, _ CreateServerTokenRequest, _ int) bool {
				f.seed(2, "later", "x@example.com") // ours is not the last in the list
				f.addToken("ci", "owner@example.com")
				return false
			}))
			got, err := c.ProvisionServerToken(context.Background(), provisionReq)
			if err != nil {
				t.Fatal(err)
			}
			// the fake's create adds the token after the hook's four
			want := f.lastToken()
			if got != want {
				t.Errorf("provisioned %+v, want %+v", got, want)
			}
			if seq := sequence(f); seq != tt.wantSequence {
				t.Errorf("requests %s, want %s", seq, tt.wantSequence)
			}
			if got := f.count(http.MethodPost, "/auth/backend"); got != 1 {
				t.Errorf("%d POSTs, want 1", got)
			}
			wantAuth := testAuthToken
			if !tt.authToken {
				wantAuth = want.Token
			}
			for _, r := range f.requests() {
				if r.Method == http.MethodGet && r.Header.Get("authToken") != wantAuth {
					t.Errorf("listed with authToken %q, want %q", r.Header.Get("authToken"), wantAuth)
				}
				if r.Method == http.MethodPost && r.Header.Get("authToken") != "" {
					t.Error("the create sent an authToken")
				}
			}
		})
	}
}

// hideCreated makes the fake's create store the token hidden, and show it from the
// showOn-th listing after the create on (never when showOn is 0).
func hideCreated(showOn int) fakeHook {
	var created atomic.Int64
	var listings atomic.Int32
	create := onCreate(func(f *fakeB2B, w http.ResponseWriter, _ *http.Request, req CreateServerTokenRequest, _ int) bool {
		tok := f.addToken(req.Name, req.Email)
		f.setHidden(tok.ID, true)
		created.Store(tok.ID)
		writeCreated(w, tok)
		return true
	})
	return func(f *fakeB2B, w http.ResponseWriter, r *http.Request, req fakeRequest, n int) bool {
		if id := created.Load(); id != 0 && r.Method == http.MethodGet && r.URL.Query().Get("offset") == "0" {
			if listed := listings.Add(1); showOn > 0 && int(listed) >= showOn {
				f.setHidden(id, false)
			}
		}
		return create(f, w, r, req, n)
	}
}

// assertProvisioned checks that a provision returned the fake's newest token, whole, and
// listed the store listings times after its create to find it.
func assertProvisioned(t *testing.T, f *fakeB2B, got ServerToken, err error, listings int) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if want := f.lastToken(); got != want {
		t.Errorf("provisioned %+v, want %+v", got, want)
	}
	if n := getsAfterPOST(f); n != listings {
		t.Errorf("%d listings after the create, want %d", n, listings)
	}
}

func TestProvisionPollsUntilTheNewTokenIsListed(t *testing.T) {
	forEachCredential(t, func(t *testing.T, f *fakeB2B, credential func(*Config)) {
		f.seed(3, "ci", "owner@example.com")
		f.setHook(hideCreated(3))
		c := f.client(t, credential, func(cfg *Config) { cfg.LocateAttempts = 5 })
		got, err := c.ProvisionServerToken(context.Background(), provisionReq)
		assertProvisioned(t, f, got, err, 3)
	})
}

func TestProvisionOfATokenNeverListedReturnsItsValueWithoutID(t *testing.T) {
	forEachCredential(t, func(t *testing.T, f *fakeB2B, credential func(*Config)) {
		f.setHook(hideCreated(0))
		c := f.client(t, credential, func(cfg *Config) { cfg.LocateAttempts = 4 })
		got, err := c.ProvisionServerToken(context.Background(), provisionReq)
		if !errors.Is(err, ErrTokenNotLocated) {
			t.Fatalf("err = %v, want ErrTokenNotLocated", err)
		}
		if !strings.Contains(err.Error(), "after 4 listings") {
			t.Errorf("err %q does not say how often it listed", err)
		}
		created := f.lastToken()
		want := ServerToken{Name: "ci", Email: "owner@example.com", StoreHash: testStoreHash, Token: created.Token}
		if got != want || got.Token == "" || got.ID != 0 {
			t.Errorf("returned %+v, want the token value without an id: %+v", got, want)
		}
		if n := getsAfterPOST(f); n != 4 {
			t.Errorf("%d listings after the create, want 4", n)
		}
		if n := f.count(http.MethodPost, "/auth/backend"); n != 1 {
			t.Errorf("%d POSTs, want 1", n)
		}
		assertNoSecrets(t, err.Error())
		if strings.Contains(err.Error(), created.Token) {
			t.Errorf("err %q holds the token", err)
		}
	})
}

func TestProvisionWhoseListingsAreRefusedReturnsTheTokenValue(t *testing.T) {
	f := newFake(t)
	f.setHook(func(_ *fakeB2B, w http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
		if r.Method == http.MethodGet {
			// the brand-new token is not accepted yet
			writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Invalid token."})
			return true
		}
		return false
	})
	c := f.client(t)
	got, err := c.ProvisionServerToken(context.Background(), provisionReq)
	if !errors.Is(err, ErrTokenNotLocated) {
		t.Fatalf("err = %v, want ErrTokenNotLocated", err)
	}
	if !IsUnauthorized(err) {
		t.Errorf("err = %v, want it to carry the 401", err)
	}
	if got.Token != f.lastToken().Token || got.ID != 0 {
		t.Errorf("returned %+v, want the token value", got)
	}
	// A token created in this run that the API refuses is skipped for the call, not
	// dropped: it may be accepted a moment later.
	if s := c.Store(testStoreHash); s.Refused(got.Token) || !s.HasCredential() {
		t.Errorf("the new token was dropped: Refused %v, HasCredential %v", s.Refused(got.Token), s.HasCredential())
	}
}

// A token that was just created may be refused as a credential for a moment; listing with
// it keeps polling instead of giving up on the first 401.
func TestProvisionPollsPastANewTokenRefusedForAMoment(t *testing.T) {
	f := newFake(t)
	refusals := 2
	f.setHook(func(_ *fakeB2B, w http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
		if r.Method == http.MethodGet && refusals > 0 {
			refusals--
			writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Invalid token."})
			return true
		}
		return false
	})
	c := f.client(t, func(cfg *Config) { cfg.LocateAttempts = 4 })
	got, err := c.ProvisionServerToken(context.Background(), provisionReq)
	assertProvisioned(t, f, got, err, 3)
}

// Ctrl-C while the list does not show the new token yet ends the wait for the next
// listing at once, and the token's value is returned, so that it is never orphaned.
func TestProvisionCancelledWhileLocatingReturnsTheTokenValue(t *testing.T) {
	forEachCredential(t, func(t *testing.T, f *fakeB2B, credential func(*Config)) {
		c := f.client(t, credential, func(cfg *Config) { cfg.LocateWait = 10 * time.Second })
		ctx, cancel := context.WithCancel(context.Background())
		var posted atomic.Bool
		hide := hideCreated(0)
		f.setHook(func(f *fakeB2B, w http.ResponseWriter, r *http.Request, req fakeRequest, n int) bool {
			switch {
			case r.Method == http.MethodPost:
				posted.Store(true)
			case r.Method == http.MethodGet && posted.Load():
				time.AfterFunc(5*time.Millisecond, cancel) // during the first listing after the create
			}
			return hide(f, w, r, req, n)
		})
		start := time.Now()
		got, err := c.ProvisionServerToken(ctx, provisionReq)
		if elapsed := time.Since(start); elapsed > time.Second {
			t.Errorf("took %v, want the 10 s wait cut short", elapsed)
		}
		if !errors.Is(err, ErrTokenNotLocated) || !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want ErrTokenNotLocated and context.Canceled", err)
		}
		if got.Token == "" || got.Token != f.lastToken().Token {
			t.Errorf("returned %+v, want the token value", got)
		}
		if n := getsAfterPOST(f); n != 1 {
			t.Errorf("%d listings after the create, want 1", n)
		}
	})
}

// lostReply decides how the create's reply is lost after the server did (or did not) act.
type lostReply func(t *testing.T, w http.ResponseWriter, r *http.Request)

// stallTimeout is the RequestTimeout of the tests whose create stalls. The other requests of
// those tests must answer within it, so it is not a few milliseconds: tests run under -race
// on busy machines.
const stallTimeout = 500 * time.Millisecond

// lostReplyCase is a way of losing the create's reply, named for its subtest.
type lostReplyCase struct {
	name string
	lose lostReply
}

var lostReplies = []lostReplyCase{
	{"500", func(_ *testing.T, w http.ResponseWriter, _ *http.Request) { writeStatus(w, 500) }},
	{"503", func(_ *testing.T, w http.ResponseWriter, _ *http.Request) { writeStatus(w, 503) }},
	{"reset", func(t *testing.T, w http.ResponseWriter, _ *http.Request) { resetConnection(t, w) }},
	{"timeout", func(_ *testing.T, _ http.ResponseWriter, r *http.Request) { stall(r) }},
	{"200 HTML", func(_ *testing.T, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html>welcome</html>")
	}},
}

// forEachLostReply runs test as a subtest for each of lostReplies, each with a fake of its
// own.
func forEachLostReply(t *testing.T, test func(t *testing.T, f *fakeB2B, lr lostReplyCase)) {
	t.Helper()
	for _, lr := range lostReplies {
		t.Run(lr.name, func(t *testing.T) { test(t, newFake(t), lr) })
	}
}

// reconcilePrefix names the short-lived tokens a reconciliation borrows.
const reconcilePrefix = "terraform-b2b-reconcile-"

// loseCreate records the tokens that record returns, then loses the reply. The creates of
// the tokens a reconciliation borrows are answered as usual.
func loseCreate(t *testing.T, lose lostReply, record func(f *fakeB2B, req CreateServerTokenRequest)) fakeHook {
	return onCreate(func(f *fakeB2B, w http.ResponseWriter, r *http.Request, req CreateServerTokenRequest, _ int) bool {
		if strings.HasPrefix(req.Name, reconcilePrefix) {
			return false
		}
		if record != nil {
			record(f, req)
		}
		lose(t, w, r)
		return true
	})
}

// lostCreateClient is a client for a lostReplies case: a short request timeout only when
// the create stalls.
func lostCreateClient(t *testing.T, f *fakeB2B, auth bool, lostName string) *Client {
	return f.client(t, func(cfg *Config) {
		if auth {
			withAuthToken(cfg)
		}
		cfg.MaxRetries = 3
		cfg.LocateAttempts = 3
		if lostName == "timeout" {
			cfg.RequestTimeout = stallTimeout
		}
	})
}

func TestLostCreateAdoptsTheOneNewTokenOfItsNameAndEmail(t *testing.T) {
	forEachLostReply(t, func(t *testing.T, f *fakeB2B, lr lostReplyCase) {
		// same name and email, but there before the create: never adopted
		f.addToken("ci", "owner@example.com")
		f.addToken("ci", "owner@example.com")
		f.setHook(loseCreate(t, lr.lose, func(f *fakeB2B, req CreateServerTokenRequest) {
			// concurrent creates by others, with another name or email
			f.addToken("ci", "someone-else@example.com")
			f.addToken("ci-2", req.Email)
			f.addToken(req.Name, req.Email)
		}))
		c := lostCreateClient(t, f, true, lr.name)
		got, err := c.ProvisionServerToken(context.Background(), provisionReq)
		if err != nil {
			t.Fatalf("err = %v, want the new token adopted", err)
		}
		// The handler's goroutine added ours last; read it through the fake's lock.
		if ours := f.lastToken(); got != ours {
			t.Errorf("adopted %+v, want %+v", got, ours)
		}
		if n := f.count(http.MethodPost, "/auth/backend"); n != 1 {
			t.Errorf("%d POSTs, want exactly 1", n)
		}
		if n := getsAfterPOST(f); n != 1 {
			t.Errorf("%d listings after the create, want 1", n)
		}
	})
}

func TestLostCreateAdoptsANewTokenListedLate(t *testing.T) {
	f := newFake(t)
	var ours ServerToken
	var listings atomic.Int32
	lose := loseCreate(t, lostReplies[0].lose, func(f *fakeB2B, req CreateServerTokenRequest) {
		ours = f.addToken(req.Name, req.Email)
		f.setHidden(ours.ID, true)
	})
	f.setHook(func(f *fakeB2B, w http.ResponseWriter, r *http.Request, req fakeRequest, n int) bool {
		if r.Method == http.MethodGet && listings.Add(1) == 3 { // the second listing after the create
			f.setHidden(ours.ID, false)
		}
		return lose(f, w, r, req, n)
	})
	c := lostCreateClient(t, f, true, "")
	got, err := c.ProvisionServerToken(context.Background(), provisionReq)
	if err != nil {
		t.Fatal(err)
	}
	if got != ours {
		t.Errorf("adopted %+v, want %+v", got, ours)
	}
	if n := getsAfterPOST(f); n != 2 {
		t.Errorf("%d listings after the create, want 2", n)
	}
}

func TestLostCreateThatMadeNothingReturnsTheCreatesError(t *testing.T) {
	forEachLostReply(t, func(t *testing.T, f *fakeB2B, lr lostReplyCase) {
		f.addToken("ci", "owner@example.com")
		f.setHook(loseCreate(t, lr.lose, nil))
		c := lostCreateClient(t, f, true, lr.name)
		got, err := c.ProvisionServerToken(context.Background(), provisionReq)
		if err == nil {
			t.Fatalf("no error, got %+v", got)
		}
		if got != (ServerToken{}) {
			t.Errorf("returned %+v, want nothing", got)
		}
		// the create's own error, not a locate error
		apiErr := asAPIError(t, err)
		if apiErr.Method != http.MethodPost || apiErr.Path != "/auth/backend" {
			t.Errorf("err = %v, want the create's error", err)
		}
		if errors.Is(err, ErrTokenNotLocated) || errors.Is(err, ErrAmbiguousCreate) || errors.Is(err, ErrCreateOutcomeUnknown) {
			t.Errorf("err = %v, want the create's error only", err)
		}
		if n := f.count(http.MethodPost, "/auth/backend"); n != 1 {
			t.Errorf("%d POSTs, want exactly 1", n)
		}
		if n := getsAfterPOST(f); n != 3 {
			t.Errorf("%d listings after the create, want LocateAttempts = 3", n)
		}
	})
}

func TestLostCreateWithSeveralNewTokensIsAmbiguous(t *testing.T) {
	forEachLostReply(t, func(t *testing.T, f *fakeB2B, lr lostReplyCase) {
		f.seed(3, "other", "owner@example.com")
		var mine []ServerToken
		f.setHook(loseCreate(t, lr.lose, func(f *fakeB2B, req CreateServerTokenRequest) {
			mine = append(mine, f.addToken(req.Name, req.Email), f.addToken(req.Name, req.Email))
		}))
		c := lostCreateClient(t, f, true, lr.name)
		got, err := c.ProvisionServerToken(context.Background(), provisionReq)
		if !errors.Is(err, ErrAmbiguousCreate) {
			t.Fatalf("err = %v, want ErrAmbiguousCreate", err)
		}
		if got != (ServerToken{}) {
			t.Errorf("returned %+v, want nothing", got)
		}
		if want := fmt.Sprintf("(ids %d, %d)", mine[0].ID, mine[1].ID); !strings.Contains(err.Error(), want) {
			t.Errorf("err %q does not name the ids %s", err, want)
		}
		if !strings.Contains(err.Error(), "POST /auth/backend") {
			t.Errorf("err %q does not name the create", err)
		}
		for _, tok := range mine {
			if strings.Contains(err.Error(), tok.Token) {
				t.Errorf("err %q holds a token value", err)
			}
		}
		assertNoSecrets(t, err.Error())
		if n := f.count(http.MethodPost, "/auth/backend"); n != 1 {
			t.Errorf("%d POSTs, want exactly 1", n)
		}
	})
}

// Without any credential of the store before the create, there is no listing to tell new
// tokens from old. After a lost reply the reconciliation borrows a credential: a short-lived
// token made with the same user credentials, used to list and deleted afterwards. The
// error names every token that may be the one, by id, and wraps the create's error.
func TestLostCreateWithoutCredentialBorrowsOneAndNamesTheCandidates(t *testing.T) {
	forEachLostReply(t, func(t *testing.T, f *fakeB2B, lr lostReplyCase) {
		older := f.addToken("ci", "OWNER@example.com") // same name and email, there before
		f.seed(2, "other", "owner@example.com")
		var made ServerToken
		f.setHook(loseCreate(t, lr.lose, func(f *fakeB2B, req CreateServerTokenRequest) {
			made = f.addToken(req.Name, req.Email)
		}))
		c := lostCreateClient(t, f, false, lr.name)
		got, err := c.ProvisionServerToken(context.Background(), provisionReq)
		if !errors.Is(err, ErrCreateOutcomeUnknown) {
			t.Fatalf("err = %v, want ErrCreateOutcomeUnknown", err)
		}
		if got != (ServerToken{}) {
			t.Errorf("returned %+v", got)
		}
		var apiErr *Error
		if !errors.As(err, &apiErr) || apiErr.Method != http.MethodPost || apiErr.Path != "/auth/backend" {
			t.Errorf("err = %v, want it to carry the create's error", err)
		}
		if want := fmt.Sprintf("id %d, %d", older.ID, made.ID); !strings.Contains(err.Error(), want) {
			t.Errorf("err %q does not name the candidates (%s)", err, want)
		}
		assertNoSecrets(t, err.Error())

		// exactly one create of the token, one of the borrowed token
		var borrowed CreateServerTokenRequest
		var creates []string
		for _, r := range f.requests() {
			if r.Method == http.MethodPost {
				cr := decodeCreate(t, r.Body)
				creates = append(creates, cr.Name)
				if cr.Name != "ci" {
					borrowed = cr
				}
			}
		}
		if len(creates) != 2 || creates[0] != "ci" || !regexp.MustCompile("^"+reconcilePrefix+"[0-9a-f]{8}$").MatchString(borrowed.Name) {
			t.Fatalf("creates %v, want ci then one %s<hex>", creates, reconcilePrefix)
		}
		if borrowed.Email != provisionReq.Email || borrowed.Password != provisionReq.Password || borrowed.StoreHash != provisionReq.StoreHash {
			t.Errorf("borrowed with %+v, want the request's user credentials", borrowed)
		}
		// listed with the borrowed token, which is deleted afterwards
		var borrowedToken ServerToken
		for _, tok := range f.visible() {
			if tok.Name == borrowed.Name {
				borrowedToken = tok
			}
		}
		if borrowedToken.ID != 0 {
			t.Errorf("the borrowed token %d was not deleted", borrowedToken.ID)
		}
		var lists, deletes int
		for _, r := range f.requests() {
			switch r.Method {
			case http.MethodGet:
				lists++
			case http.MethodDelete:
				deletes++
			}
		}
		if lists == 0 || deletes != 1 {
			t.Errorf("requests %s, want listings with the borrowed token and its delete", sequence(f))
		}
		if !f.has(made.ID) || !f.has(older.ID) {
			t.Error("a token other than the borrowed one was deleted")
		}
	})
}

// When no credential can be borrowed either, the error still says a token may exist, and
// names the borrowed one that may exist too.
func TestLostCreateWithNoCredentialToBorrowSaysATokenMayExist(t *testing.T) {
	f := newFake(t)
	f.setHook(onCreate(func(f *fakeB2B, w http.ResponseWriter, _ *http.Request, req CreateServerTokenRequest, n int) bool {
		if n == 1 {
			f.addToken(req.Name, req.Email)
		}
		writeStatus(w, http.StatusBadGateway) // every create's reply is lost
		return true
	}))
	c := lostCreateClient(t, f, false, "")
	_, err := c.ProvisionServerToken(context.Background(), provisionReq)
	if !errors.Is(err, ErrCreateOutcomeUnknown) || !strings.Contains(err.Error(), "no credential of the store could be had") {
		t.Errorf("err = %v, want ErrCreateOutcomeUnknown for want of a credential", err)
	}
	// The borrowed token's own create lost its reply too: the error names it, to delete.
	if err == nil || !strings.Contains(err.Error(), `a short-lived token named "terraform-b2b-reconcile-`) {
		t.Errorf("err = %v, want the name of the short-lived token that may exist", err)
	}
	if n := f.count(http.MethodGet, "/backend/tokens"); n != 0 {
		t.Errorf("%d listings without a credential", n)
	}
}

func TestProvisionOfARefusedCreateListsNothingAfterIt(t *testing.T) {
	tests := []struct {
		name       string
		auth       bool
		password   string
		hook       fakeHook
		wantStatus int
		wantSeq    string
	}{
		{"bad credentials with authToken", true, "wrong", nil, 400, "GET /backend/tokens, POST /auth/backend"},
		{"bad credentials without authToken", false, "wrong", nil, 400, "POST /auth/backend"},
		{"rate limited", true, testPassword, onCreate(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ CreateServerTokenRequest, _ int) bool {
			writeStatus(w, 429)
			return true
		}), 429, "GET /backend/tokens, POST /auth/backend, POST /auth/backend, POST /auth/backend, POST /auth/backend"},
		{"listing before the create fails (not a refusal): no create", true, testPassword, func(_ *fakeB2B, w http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
			if r.Method == http.MethodGet {
				writeStatus(w, 503)
				return true
			}
			return false
		}, 503, "GET /backend/tokens, GET /backend/tokens, GET /backend/tokens, GET /backend/tokens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.setHook(tt.hook)
			c := lostCreateClient(t, f, tt.auth, "")
			req := provisionReq
			req.Password = tt.password
			got, err := c.ProvisionServerToken(context.Background(), req)
			if got != (ServerToken{}) {
				t.Errorf("returned %+v", got)
			}
			if s := asAPIError(t, err).Status(); s != tt.wantStatus {
				t.Errorf("err = %v, want HTTP %d", err, tt.wantStatus)
			}
			if seq := sequence(f); seq != tt.wantSeq {
				t.Errorf("requests %s, want %s", seq, tt.wantSeq)
			}
		})
	}
}

func TestProvisionNameFromRequestWhenReplyHasNone(t *testing.T) {
	f := newFake(t)
	f.setHook(onCreate(func(f *fakeB2B, w http.ResponseWriter, _ *http.Request, req CreateServerTokenRequest, _ int) bool {
		tok := f.addToken(req.Name, req.Email)
		f.setHidden(tok.ID, true)
		writeEnvelope(w, 200, 200, map[string]string{"token": tok.Token}, "SUCCESS")
		return true
	}))
	c := f.client(t, withAuthToken)
	got, err := c.ProvisionServerToken(context.Background(), provisionReq)
	if !errors.Is(err, ErrTokenNotLocated) {
		t.Fatalf("err = %v, want ErrTokenNotLocated", err)
	}
	want := ServerToken{Name: "ci", Email: "owner@example.com", StoreHash: testStoreHash, Token: f.lastToken().Token}
	if got != want {
		t.Errorf("returned %+v, want %+v", got, want)
	}
}

func TestJoinIDsListsSortedIDsWithoutReorderingItsArgument(t *testing.T) {
	tokens := []ServerToken{{ID: 12}, {ID: 3}, {ID: 7}}
	if got := joinIDs(tokens); got != "3, 7, 12" {
		t.Errorf("joinIDs = %q, want sorted ids", got)
	}
	if got := tokenIDs(tokens); fmt.Sprint(got) != "[12 3 7]" {
		t.Errorf("joinIDs reordered its argument: %v", got)
	}
}

// A credential refused by the listing before the create is dropped for the run, and the
// create goes ahead without a before-listing; the new token then lists the store.
func TestProvisionRefusedCredentialIsDroppedAndCreateGoesAhead(t *testing.T) {
	tests := []struct {
		name   string
		config func(*Config)
		refuse func(*fakeB2B)
		first  string // the credential the listing before the create sends
	}{
		{"auth_token revoked (401)", withAuthToken, func(f *fakeB2B) { f.refuse(testAuthToken, http.StatusUnauthorized) }, testAuthToken},
		{"access token unknown to the endpoint (401)", func(cfg *Config) {
			cfg.AccessToken, cfg.StoreHash = testAccessToken, testStoreHash
		}, func(f *fakeB2B) { f.setAccessStatus(http.StatusUnauthorized) }, "access"},
		{"access token forbidden on the endpoint (403)", func(cfg *Config) {
			cfg.AccessToken, cfg.StoreHash = testAccessToken, testStoreHash
		}, func(f *fakeB2B) { f.setAccessStatus(http.StatusForbidden) }, "access"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.seed(2, "other", "x@example.com")
			tt.refuse(f)
			c := f.client(t, tt.config)
			got, err := c.ProvisionServerToken(context.Background(), provisionReq)
			if err != nil {
				t.Fatal(err)
			}
			if want := f.lastToken(); got != want {
				t.Errorf("provisioned %+v, want %+v", got, want)
			}
			if seq := sequence(f); !strings.HasPrefix(seq, "GET /backend/tokens, POST /auth/backend, GET /backend/tokens") {
				t.Errorf("requests %s, want the refused listing, the create, then listings", seq)
			}
			sent := credentialsSent(t, f)
			if sent[0] != tt.first {
				t.Errorf("first listing with %q, want %q", sent[0], tt.first)
			}
			for _, cr := range sent[1:] {
				if cr != got.Token {
					t.Errorf("listed with %q after the refusal, want only the new token", cr)
				}
			}
		})
	}
}

// Emails compare case-insensitively: BigCommerce may store the email in another case than
// the request's.
func TestLostCreateAdoptsATokenWhoseEmailDiffersInCase(t *testing.T) {
	f := newFake(t)
	f.addToken("ci", "owner@example.com")
	var made ServerToken
	f.setHook(loseCreate(t, lostReplies[1].lose, func(f *fakeB2B, req CreateServerTokenRequest) {
		made = f.addToken(req.Name, strings.ToUpper(req.Email))
	}))
	c := lostCreateClient(t, f, true, "")
	got, err := c.ProvisionServerToken(context.Background(), provisionReq)
	if err != nil {
		t.Fatalf("err = %v, want the new token adopted", err)
	}
	if got != made {
		t.Errorf("adopted %+v, want %+v", got, made)
	}
}

// The listing that tells which tokens existed before a create is at most 15 s old: a token
// someone else created since an older listing would be taken for the lost one.
func TestListingBeforeTheCreateIsAtMost15SecondsOld(t *testing.T) {
	for _, age := range []time.Duration{time.Second, reconcileFreshness + time.Second} {
		t.Run("cached listing "+age.String()+" old", func(t *testing.T) {
			f := newFake(t)
			f.seed(2, "other", "x@example.com")
			c := f.client(t, withAuthToken)
			s := c.Store(provisionReq.StoreHash)
			if _, err := s.List(context.Background()); err != nil {
				t.Fatal(err)
			}
			ageCachedListing(s.index, age)
			// someone else creates a token with the same name and email
			theirs := f.addToken("ci", "owner@example.com")
			f.setHook(loseCreate(t, lostReplies[1].lose, nil)) // the create makes nothing
			got, err := c.ProvisionServerToken(context.Background(), provisionReq)
			fresh := age <= reconcileFreshness
			if fresh {
				// A recent listing is reused as it is (the test made it stale on
				// purpose): it does not show theirs, which is adopted.
				if err != nil || got != theirs {
					t.Errorf("got %+v, %v; want the recent listing reused", got, err)
				}
				if seq := sequence(f); !strings.HasPrefix(seq, "GET /backend/tokens, POST") {
					t.Errorf("requests %s, want no new listing before the create", seq)
				}
				return
			}
			if err == nil || got != (ServerToken{}) {
				t.Fatalf("got %+v, %v; want the create's error, not someone else's token", got, err)
			}
			if e := asAPIError(t, err); e.Method != http.MethodPost || e.Status() != http.StatusServiceUnavailable {
				t.Errorf("err = %v, want the create's 503", err)
			}
			if seq := sequence(f); !strings.HasPrefix(seq, "GET /backend/tokens, GET /backend/tokens, POST") {
				t.Errorf("requests %s, want a fresh listing before the create", seq)
			}
		})
	}
}

// A lost reply whose reconciliation cannot list says that a token may exist, and its name.
func TestLostCreateWhoseListingFailsSaysATokenMayExist(t *testing.T) {
	f := newFake(t)
	var posted atomic.Bool
	f.setHook(func(f *fakeB2B, w http.ResponseWriter, r *http.Request, _ fakeRequest, _ int) bool {
		switch {
		case r.Method == http.MethodPost:
			posted.Store(true)
			f.addToken("ci", "owner@example.com")
			writeStatus(w, http.StatusBadGateway)
			return true
		case posted.Load():
			writeStatus(w, http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	c := lostCreateClient(t, f, true, "")
	_, err := c.ProvisionServerToken(context.Background(), provisionReq)
	if !errors.Is(err, ErrCreateOutcomeUnknown) || !strings.Contains(err.Error(), `"ci"`) {
		t.Errorf("err = %v, want ErrCreateOutcomeUnknown naming the token", err)
	}
	if n := f.count(http.MethodPost, "/auth/backend"); n != 1 {
		t.Errorf("%d POSTs, want 1", n)
	}
}
