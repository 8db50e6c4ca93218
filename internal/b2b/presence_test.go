package b2b

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// storeOf is the store of a client of f with the configured auth_token, which f lists.
func storeOf(t *testing.T, f *fakeB2B) *Store {
	t.Helper()
	return f.client(t, withAuthToken).Store(testStoreHash)
}

// onList hands every GET /backend/tokens to answer (n counts them from 1), and leaves the
// rest to the fake.
func onList(answer func(f *fakeB2B, w http.ResponseWriter, r *http.Request, n int) bool) fakeHook {
	return func(f *fakeB2B, w http.ResponseWriter, r *http.Request, req fakeRequest, n int) bool {
		if req.Method != http.MethodGet || req.Path != pathBackendTokens {
			return false
		}
		return answer(f, w, r, n)
	}
}

func writeHTML(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, "<html><body><h1>401 Authorization Required</h1><hr>nginx</body></html>")
}

func TestFindTokenOnAPage(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	tokens := f.seed(3, "ci", "owner@example.com")
	s := storeOf(t, f)
	p := s.Find(context.Background(), tokens[1].ID, "")
	if p.Kind != Present || p.Token != tokens[1] {
		t.Fatalf("Find = %+v, want present %+v", p, tokens[1])
	}
	// A second read is served by the page already read.
	before := f.count(http.MethodGet, pathBackendTokens)
	if p := s.Find(context.Background(), tokens[2].ID, ""); p.Kind != Present {
		t.Errorf("Find = %+v", p)
	}
	if n := f.count(http.MethodGet, pathBackendTokens) - before; n != 0 {
		t.Errorf("%d more listings for a token on a page already read", n)
	}
}

// A page that shows a token proves it exists, even while no listing is complete (the
// auth_token, a credential the API accepts, is not listed: a stale replica).
func TestFindPresentFromAnyPageWhileListingsAreIncomplete(t *testing.T) {
	f := newFake(t)
	auth := f.listAuthToken()
	tokens := f.seed(30, "ci", "owner@example.com")
	f.setMaxLimit(10)
	f.setHidden(auth.ID, true)
	s := storeOf(t, f)
	for _, tk := range []ServerToken{tokens[25], tokens[3]} {
		if p := s.Find(context.Background(), tk.ID, ""); p.Kind != Present || p.Token.ID != tk.ID {
			t.Errorf("Find(%d) = %+v, want present", tk.ID, p)
		}
	}
	list, err := s.List(context.Background())
	if err != nil || list.Complete {
		t.Errorf("List = complete %v, %v; want an incomplete listing (the auth_token is not shown)", list.Complete, err)
	}
}

// Absence needs two complete listings: one listing that does not show the token is not
// enough, as a list may show a token late.
func TestFindAbsentOnlyAfterTwoCompleteListings(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	tokens := f.seed(3, "ci", "owner@example.com")
	gone := tokens[1]
	f.removeToken(gone.ID)
	s := storeOf(t, f)
	p := s.Find(context.Background(), gone.ID, "")
	if p.Kind != Absent || p.Revoked || p.Err != nil {
		t.Fatalf("Find = %+v, want absent", p)
	}
	if n := f.count(http.MethodGet, pathBackendTokens); n < 3 {
		t.Errorf("%d list requests, want a page and two complete listings", n)
	}

	// The token is hidden from the page read and the first listing, and shown by the
	// second: it is present, never absent.
	f2 := newFake(t)
	f2.listAuthToken()
	late := f2.seed(3, "ci", "owner@example.com")[2]
	f2.setHidden(late.ID, true)
	var lists atomic.Int32
	f2.setHook(onList(func(f *fakeB2B, _ http.ResponseWriter, _ *http.Request, n int) bool {
		lists.Store(int32(n))
		if n == 3 {
			f.setHidden(late.ID, false) // the scan's page and the first listing did not show it
		}
		return false
	}))
	if p := storeOf(t, f2).Find(context.Background(), late.ID, ""); p.Kind != Present || lists.Load() != 3 {
		t.Errorf("Find = %+v after %d list requests, want present after 3: the confirming listing shows it", p, lists.Load())
	}
}

// A well-formed empty listing (data: [], totalCount 0) while the configured auth_token is a
// token of the store cannot be the whole store: the token is unknown, never absent.
func TestFindEmptyListingWithAuthTokenIsUnknown(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	tok := f.addToken("ci", "owner@example.com")
	f.setHook(onList(func(_ *fakeB2B, w http.ResponseWriter, r *http.Request, _ int) bool {
		writeJSON(w, http.StatusOK, listReply(nil, 0, 0, 250))
		return true
	}))
	s := storeOf(t, f)
	p := s.Find(context.Background(), tok.ID, "")
	if p.Kind != PresenceUnknown || p.Why == "" || p.Revoked {
		t.Errorf("Find = %+v, want unknown with why", p)
	}
	values, p := s.FindValue(context.Background(), tok.Token)
	if p.Kind != PresenceUnknown || len(values) != 0 || p.Revoked {
		t.Errorf("FindValue = %v, %+v; want unknown", values, p)
	}
}

// A listing that does not show a token the API accepted as a credential in this run (the
// resource's own) is a stale replica, not the whole store: the token is unknown, not absent.
func TestFindListingWithoutAnAcceptedOwnTokenIsUnknown(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	tok := f.addToken("ci", "owner@example.com")
	s := storeOf(t, f)
	s.AddToken(tok.Token, "")
	s.creds.accepted(tok.Token) // an earlier read of the run listed with it
	f.setHidden(tok.ID, true)
	p := s.Find(context.Background(), tok.ID, tok.Token)
	if p.Kind != PresenceUnknown || p.Why == "" {
		t.Errorf("Find = %+v, want unknown: the listings do not show a valid credential", p)
	}
	f.setHidden(tok.ID, false)
	next := storeOf(t, f) // the next run
	next.AddToken(tok.Token, "")
	if p := next.Find(context.Background(), tok.ID, tok.Token); p.Kind != Present {
		t.Errorf("Find once listed = %+v, want present", p)
	}
}

// A gateway's HTML 401 proves nothing about any credential: unknown, never absent or
// revoked, and no credential is marked refused.
func TestFindGatewayHTML401IsUnknown(t *testing.T) {
	for _, own := range []bool{false, true} {
		f := newFake(t)
		f.listAuthToken()
		tok := f.addToken("ci", "owner@example.com")
		f.setHook(onList(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ int) bool {
			writeHTML(w, http.StatusUnauthorized)
			return true
		}))
		s := storeOf(t, f)
		value := ""
		if own {
			value = tok.Token
			s.AddToken(value, "")
		}
		p := s.Find(context.Background(), tok.ID, value)
		if p.Kind != PresenceUnknown || p.Revoked || p.Err == nil {
			t.Errorf("own=%v: Find = %+v, want unknown with the error", own, p)
		}
		if IsCredentialRefused(p.Err) || IsUnauthorized(p.Err) {
			t.Errorf("own=%v: err %v taken for the API's refusal", own, p.Err)
		}
		if got := s.creds.statusOf(testAuthToken); got != credentialUnknown {
			t.Errorf("own=%v: auth_token status %v after a gateway page", own, got)
		}
		if got := s.RefusedConfigured(); len(got) != 0 {
			t.Errorf("own=%v: RefusedConfigured = %v", own, got)
		}
		if !s.HasConfiguredCredential() {
			t.Errorf("own=%v: the auth_token is no longer tried after a gateway page", own)
		}
	}
}

// The API itself refuses every credential, the token's own value among them: the token is
// gone (revoked). Without its own value, nothing proves that.
func TestFindRevokedWhenTheAPIRefusesEveryCredentialTheOwnOneAmongThem(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	tok := f.addToken("ci", "owner@example.com")
	f.refuse(testAuthToken, http.StatusUnauthorized)
	f.removeToken(tok.ID) // its value is refused from now on
	s := storeOf(t, f)
	s.AddToken(tok.Token, "") // as the provider does with a resource's own token before Find
	p := s.Find(context.Background(), tok.ID, tok.Token)
	if p.Kind != Absent || !p.Revoked {
		t.Errorf("Find with own = %+v, want absent, revoked", p)
	}
	if got := s.RefusedConfigured(); len(got) != 1 || got[0] != SourceAuthToken {
		t.Errorf("RefusedConfigured = %v, want [auth_token]", got)
	}

	f2 := newFake(t)
	f2.listAuthToken()
	tok2 := f2.addToken("ci", "owner@example.com")
	f2.refuse(testAuthToken, http.StatusUnauthorized)
	s2 := storeOf(t, f2)
	p = s2.Find(context.Background(), tok2.ID, "")
	if p.Kind != PresenceUnknown || p.Revoked || !IsCredentialRefused(p.Err) {
		t.Errorf("Find without own = %+v, want unknown with the refusal", p)
	}
	var apiErr *Error
	if !errors.As(p.Err, &apiErr) || apiErr.Credential != SourceAuthToken {
		t.Errorf("err %v does not name the credential refused", p.Err)
	}
}

// A 403 in the envelope to an S2S token is a scope or a route, not the token's refusal: the
// token is not revoked when its own value gets one.
func TestFindEnvelope403OfTheOwnValueIsNotRevocation(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	tok := f.addToken("ci", "owner@example.com")
	f.refuse(testAuthToken, http.StatusUnauthorized)
	f.refuse(tok.Token, http.StatusForbidden)
	s := storeOf(t, f)
	s.AddToken(tok.Token, "")
	p := s.Find(context.Background(), tok.ID, tok.Token)
	if p.Kind != PresenceUnknown || p.Revoked || IsCredentialRefused(p.Err) {
		t.Errorf("Find = %+v, want unknown", p)
	}
	if got := s.creds.statusOf(tok.Token); got == credentialRefused {
		t.Error("the own value is taken for refused after a 403")
	}
	if out, err := s.Delete(context.Background(), tok.ID, tok.Token); err == nil || out.Gone {
		t.Errorf("Delete = %+v, %v; want an error, not gone", out, err)
	}
}

// A read without a token of its own and without a configured credential sends nothing.
func TestFindWithoutConfiguredCredentialSendsNothing(t *testing.T) {
	f := newFake(t)
	tok := f.addToken("ci", "owner@example.com")
	s := f.client(t).Store(testStoreHash)
	s.AddToken(fakeJWT(testStoreHash, 99), "") // a token another read learned
	p := s.Find(context.Background(), tok.ID, "")
	if p.Kind != PresenceUnknown || !errors.Is(p.Err, ErrNoCredential) {
		t.Errorf("Find = %+v, want ErrNoCredential", p)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	// With its own value, the token lists the store itself.
	s = f.client(t).Store(testStoreHash)
	if !s.AddToken(tok.Token, "") {
		t.Fatal("AddToken refused the token")
	}
	if p := s.Find(context.Background(), tok.ID, tok.Token); p.Kind != Present {
		t.Errorf("Find with own = %+v, want present", p)
	}
	if reqs := f.requests(); len(reqs) == 0 || reqs[0].Header.Get("authToken") != tok.Token {
		t.Errorf("the listing did not authenticate with the token's own value")
	}
}

func TestDeleteOutcomes(t *testing.T) {
	t.Run("deleted", func(t *testing.T) {
		f := newFake(t)
		f.listAuthToken()
		tok := f.addToken("ci", "owner@example.com")
		s := storeOf(t, f)
		if p := s.Find(context.Background(), tok.ID, ""); p.Kind != Present {
			t.Fatalf("Find = %+v", p)
		}
		out, err := s.Delete(context.Background(), tok.ID, tok.Token)
		if err != nil || out.Gone || out.Revoked {
			t.Fatalf("Delete = %+v, %v; want deleted", out, err)
		}
		if f.has(tok.ID) {
			t.Error("the fake still holds the token")
		}
		// The page that showed it no longer proves it exists.
		if p := s.Find(context.Background(), tok.ID, ""); p.Kind != Absent {
			t.Errorf("Find after delete = %+v, want absent", p)
		}
		// The delete authenticated with the configured auth_token first.
		dels := f.requestsTo(http.MethodDelete, pathBackendAuth)
		if len(dels) != 1 || dels[0].Header.Get("authToken") != testAuthToken {
			t.Errorf("deletes %d, first with %q", len(dels), dels[0].Header.Get("authToken"))
		}
	})
	t.Run("already gone", func(t *testing.T) {
		f := newFake(t)
		f.listAuthToken()
		out, err := storeOf(t, f).Delete(context.Background(), 4242, "")
		if err != nil || !out.Gone || out.Revoked {
			t.Errorf("Delete = %+v, %v; want gone (the API's 404)", out, err)
		}
	})
	t.Run("revoked", func(t *testing.T) {
		f := newFake(t)
		f.listAuthToken()
		tok := f.addToken("ci", "owner@example.com")
		f.refuse(testAuthToken, http.StatusUnauthorized)
		f.removeToken(tok.ID)
		out, err := storeOf(t, f).Delete(context.Background(), tok.ID, tok.Token)
		if err != nil || !out.Gone || !out.Revoked {
			t.Errorf("Delete = %+v, %v; want gone, revoked", out, err)
		}
	})
	t.Run("refused configured credential without own value is an error", func(t *testing.T) {
		f := newFake(t)
		f.listAuthToken()
		tok := f.addToken("ci", "owner@example.com")
		f.refuse(testAuthToken, http.StatusUnauthorized)
		out, err := storeOf(t, f).Delete(context.Background(), tok.ID, "")
		if err == nil || out.Gone || !IsCredentialRefused(err) {
			t.Errorf("Delete = %+v, %v; want the refusal, not gone", out, err)
		}
		if !f.has(tok.ID) {
			t.Error("the token is gone")
		}
	})
	t.Run("HTML 401 is not success", func(t *testing.T) {
		f := newFake(t)
		f.listAuthToken()
		tok := f.addToken("ci", "owner@example.com")
		f.setHook(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, req fakeRequest, _ int) bool {
			if req.Method == http.MethodDelete {
				writeHTML(w, http.StatusUnauthorized)
				return true
			}
			return false
		})
		s := storeOf(t, f)
		out, err := s.Delete(context.Background(), tok.ID, tok.Token)
		if err == nil || out.Gone || out.Revoked || IsCredentialRefused(err) {
			t.Errorf("Delete = %+v, %v; want an error that is neither success nor revocation", out, err)
		}
		if !f.has(tok.ID) {
			t.Error("the token is gone")
		}
		if got := s.creds.statusOf(tok.Token); got == credentialRefused {
			t.Error("the token's own value is taken for refused after a gateway page")
		}
		if !strings.Contains(err.Error(), "401") {
			t.Errorf("err %q does not say 401", err)
		}
	})
}

// Two tokens of one value: both are found, deleting one leaves the value working, and only
// once no token has it (and the API refuses it) is it absent.
func TestFindValueWithTwoTokensOfOneValue(t *testing.T) {
	f := newFake(t)
	f.listAuthToken()
	a := f.addToken("ci", "owner@example.com")
	b := f.addToken("ci", "owner@example.com")
	f.addToken("other", "owner@example.com")
	f.locked(func() {
		for i := range f.tokens {
			if f.tokens[i].ID == b.ID {
				f.tokens[i].Token = a.Token
			}
		}
	})
	s := storeOf(t, f)
	tokens, p := s.FindValue(context.Background(), a.Token)
	if p.Kind != Present || len(tokens) != 2 || tokens[0].ID != a.ID || tokens[1].ID != b.ID {
		t.Fatalf("FindValue = %v, %+v; want both tokens", candidateIDs(tokens), p)
	}

	// Delete one: the other still has the value, which the API still accepts.
	if out, err := s.Delete(context.Background(), a.ID, a.Token); err != nil || out.Gone {
		t.Fatalf("Delete = %+v, %v", out, err)
	}
	f.locked(func() { delete(f.refused, a.Token) })
	tokens, p = s.FindValue(context.Background(), a.Token)
	if p.Kind != Present || len(tokens) != 1 || tokens[0].ID != b.ID {
		t.Errorf("FindValue after one delete = %v, %+v; want the other token", candidateIDs(tokens), p)
	}

	// Delete the other from outside the run: the value is refused, and absent is proven.
	f.removeToken(b.ID)
	s2 := storeOf(t, f)
	tokens, p = s2.FindValue(context.Background(), a.Token)
	if p.Kind != Absent || !p.Revoked || len(tokens) != 0 {
		t.Errorf("FindValue after both are gone = %v, %+v; want absent, revoked", candidateIDs(tokens), p)
	}
}
