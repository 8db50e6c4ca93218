package b2b

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// credentialsSent names the credential of every list and delete f received, in order:
// "access" for X-Auth-Token (with X-Store-Hash), else the authToken value.
func credentialsSent(t *testing.T, f *fakeB2B) []string {
	t.Helper()
	var out []string
	for _, r := range f.requests() {
		if r.Method == http.MethodPost {
			continue
		}
		auth, access, store := r.Header.Get("authToken"), r.Header.Get("X-Auth-Token"), r.Header.Get("X-Store-Hash")
		switch {
		case auth != "" && (access != "" || store != ""):
			t.Errorf("%s %s sent authToken with X-Auth-Token or X-Store-Hash", r.Method, r.Path)
		case access != "":
			if store != testStoreHash {
				t.Errorf("X-Auth-Token sent with X-Store-Hash %q", store)
			}
			out = append(out, "access")
		default:
			out = append(out, auth)
		}
	}
	return out
}

func TestStoreIsOnePerHash(t *testing.T) {
	f := newFake(t)
	c := f.client(t)
	if first, again := c.Store("a"), c.Store("a"); first != again {
		t.Error("two views of store a")
	}
	if c.Store("a") == c.Store("b") || c.Store("a").index == c.Store("b").index {
		t.Error("stores a and b share a view or a token index")
	}
	if got := c.Store("a").Hash(); got != "a" {
		t.Errorf("Hash() = %q", got)
	}
}

// Credentials are tried in order: the access token, the configured auth_token, then the
// tokens the run learned. One the API refuses is dropped for the run, and the call goes on
// with the next; when none is left, the last refusal names the credential.
func TestStoreCredentialsInOrder(t *testing.T) {
	for _, accessRefusal := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		t.Run("access token refused with "+http.StatusText(accessRefusal), func(t *testing.T) {
			f := newFake(t)
			f.setAccessStatus(accessRefusal)
			toks := f.seed(3, "x", "o@example.com")
			own := toks[0].Token
			f.refuse(testAuthToken, http.StatusUnauthorized) // revoked
			c := f.client(t, func(cfg *Config) {
				cfg.AccessToken, cfg.AuthToken, cfg.StoreHash = testAccessToken, testAuthToken, testStoreHash
			})
			s := c.Store(testStoreHash)
			if !s.AddToken(own) {
				t.Fatal("AddToken refused a token of the store")
			}
			list, err := s.List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !list.Complete || len(list.Tokens) != 3 {
				t.Errorf("complete %v, %d tokens", list.Complete, len(list.Tokens))
			}
			if got, want := strings.Join(credentialsSent(t, f), " "), "access "+testAuthToken+" "+own; got != want {
				t.Errorf("credentials sent %q, want %q", got, want)
			}
			if !s.Refused(testAccessToken) || !s.Refused(testAuthToken) || s.Refused(own) || !s.HasCredential() {
				t.Errorf("Refused: access %v, auth %v, own %v; HasCredential %v", s.Refused(testAccessToken), s.Refused(testAuthToken), s.Refused(own), s.HasCredential())
			}

			// Dropped for the run: the delete goes straight to the token that works.
			if err := s.Delete(context.Background(), toks[2].ID); err != nil {
				t.Fatal(err)
			}
			if got := credentialsSent(t, f); got[len(got)-1] != own || len(got) != 4 {
				t.Errorf("credentials sent %v, want the delete sent with the own token only", got)
			}

			// The last one refused: the error is that refusal, naming its source.
			f.refuse(own, http.StatusUnauthorized)
			err = s.Delete(context.Background(), toks[1].ID)
			apiErr := asAPIError(t, err)
			if !IsUnauthorized(err) || apiErr.Credential != SourceOwnToken || !strings.Contains(err.Error(), "(credential refused: "+SourceOwnToken+")") {
				t.Errorf("err = %v (credential %q), want the own token's 401", err, apiErr.Credential)
			}
			if s.HasCredential() || !s.Refused(own) {
				t.Errorf("HasCredential %v, Refused(own) %v after every credential was refused", s.HasCredential(), s.Refused(own))
			}
			sent := len(f.requests())
			_, err = s.List(context.Background())
			if !errors.Is(err, ErrNoAuthToken) {
				t.Errorf("err = %v, want ErrNoAuthToken once none is left", err)
			}
			if n := len(f.requests()); n != sent {
				t.Errorf("%d requests sent without a credential", n-sent)
			}
		})
	}
}

// A 403 refuses the access token, which these endpoints may not know, but is no refusal
// of an S2S token: that one stays, and the error is returned as it is.
func TestStoreS2STokenForbiddenIsNotDropped(t *testing.T) {
	f := newFake(t)
	f.refuse(testAuthToken, http.StatusForbidden)
	own := f.seed(1, "x", "o@example.com")[0].Token
	c := f.client(t, func(cfg *Config) { withAuthToken(cfg); cfg.StoreHash = testStoreHash })
	s := c.Store(testStoreHash)
	if !s.AddToken(own) {
		t.Fatal("AddToken refused a token of the store")
	}
	_, err := s.List(context.Background())
	if got := asAPIError(t, err); got.StatusCode != http.StatusForbidden || got.Credential != "" {
		t.Errorf("err = %v, want the 403 as it is", err)
	}
	if s.Refused(testAuthToken) || !s.HasCredential() {
		t.Errorf("Refused(auth) %v, HasCredential %v", s.Refused(testAuthToken), s.HasCredential())
	}
	if got := credentialsSent(t, f); len(got) != 1 {
		t.Errorf("credentials sent %v, want only the auth_token", got)
	}
}

func TestStoreAccessTokenOnlyForTheClientsStore(t *testing.T) {
	f := newFake(t)
	f.setAccessStatus(0)
	c := f.client(t, func(cfg *Config) { cfg.AccessToken, cfg.StoreHash = testAccessToken, testStoreHash })
	if !c.Store(testStoreHash).HasCredential() {
		t.Error("the access token is no credential of its own store")
	}
	other := c.Store("otherstore")
	if other.HasCredential() {
		t.Error("the access token is a credential of another store")
	}
	if _, err := other.List(context.Background()); !errors.Is(err, ErrNoAuthToken) {
		t.Errorf("err = %v, want ErrNoAuthToken", err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}

// The configured auth_token serves only the store its JWT's store_hash claim names; a token
// without the claim serves the client's store, or any store when the client has none.
func TestAuthTokenServesOnlyTheStoreItsClaimNames(t *testing.T) {
	claimed := fakeJWT("storeA", 9001)
	tests := []struct {
		name          string
		authToken     string
		clientStore   string
		storeA, other bool
	}{
		{"claim names store A", claimed, "", true, false},
		{"claim names store A, client store B", claimed, "storeB", true, false},
		{"no claim, client store A", testAuthToken, "storeA", true, false},
		{"no claim, no client store", testAuthToken, "", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			c := f.client(t, func(cfg *Config) { cfg.AuthToken, cfg.StoreHash = tt.authToken, tt.clientStore })
			if got := c.Store("storeA").HasCredential(); got != tt.storeA {
				t.Errorf("store A has a credential: %v, want %v", got, tt.storeA)
			}
			if got := c.Store("storeC").HasCredential(); got != tt.other {
				t.Errorf("store C has a credential: %v, want %v", got, tt.other)
			}
			if !tt.other {
				_, err := c.Store("storeC").List(context.Background())
				if !errors.Is(err, ErrNoAuthToken) {
					t.Errorf("err = %v, want ErrNoAuthToken", err)
				}
				if n := len(f.requests()); n != 0 {
					t.Errorf("%d requests: the auth_token was sent to a store it does not belong to", n)
				}
			}
		})
	}
}

func TestAddTokenRefusesATokenOfAnotherStore(t *testing.T) {
	f := newFake(t)
	c := f.client(t)
	s := c.Store("storeA")
	if s.AddToken(fakeJWT("storeB", 1)) {
		t.Error("AddToken took a token whose claim names store B")
	}
	if s.AddToken("") {
		t.Error("AddToken took an empty token")
	}
	if s.HasCredential() {
		t.Error("store A has a credential")
	}
	if !s.AddToken(fakeJWT("storeA", 2)) || !s.HasCredential() {
		t.Error("AddToken refused a token of store A")
	}
}

func TestTokenStoreHashReadsTheJWTClaim(t *testing.T) {
	payload := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name  string
		token string
		want  string
		ok    bool
	}{
		{"S2S token", fakeJWT("abc123", 1), "abc123", true},
		{"padded payload", "h." + base64.URLEncoding.EncodeToString([]byte(`{"store_hash":"x1"}`)) + ".s", "x1", true},
		{"no claim", "h." + payload(`{"email":"a@b.c"}`) + ".s", "", false},
		{"empty claim", "h." + payload(`{"store_hash":""}`) + ".s", "", false},
		{"claim not a string", "h." + payload(`{"store_hash":7}`) + ".s", "", false},
		{"payload not JSON", "h." + payload(`store_hash`) + ".s", "", false},
		{"payload not base64", "h.!!!.s", "", false},
		{"two parts", "h." + payload(`{"store_hash":"x"}`), "", false},
		{"opaque token", testAuthToken, "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := TokenStoreHash(tt.token)
			if got != tt.want || ok != tt.ok {
				t.Errorf("TokenStoreHash = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// A listing is evidence of absence only when an S2S token the run learned, which made it,
// is in it: a listing that does not show its own credential is not of that store, or not
// whole.
func TestListingCompleteOnlyWhenItShowsTheTokenThatMadeIt(t *testing.T) {
	tests := []struct {
		name     string
		auth     bool
		learned  func(f *fakeB2B) string
		complete bool
	}{
		{"made with the configured auth_token, which is taken as given", true, nil, true},
		{"made with a learned token that it shows", false, func(f *fakeB2B) string { return f.lastToken().Token }, true},
		{"made with a learned token that it does not show", false, func(*fakeB2B) string { return fakeJWT(testStoreHash, 777) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.seed(3, "x", "o@example.com")
			c := f.client(t, func(cfg *Config) {
				if tt.auth {
					withAuthToken(cfg)
				}
			})
			s := c.Store(testStoreHash)
			if tt.learned != nil {
				s.AddToken(tt.learned(f))
			}
			list, err := s.List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if list.Complete != tt.complete || len(list.Tokens) != 3 {
				t.Errorf("complete %v (%d tokens), want %v", list.Complete, len(list.Tokens), tt.complete)
			}
		})
	}
}

// The client's own calls are those of its default store: they share its token index and
// its credentials.
func TestClientCallsUseTheDefaultStore(t *testing.T) {
	f := newFake(t)
	f.setAccessStatus(http.StatusForbidden)
	toks := f.seed(2, "x", "o@example.com")
	c := f.client(t, func(cfg *Config) {
		cfg.AccessToken, cfg.AuthToken, cfg.StoreHash = testAccessToken, testAuthToken, testStoreHash
	})
	if _, err := c.ListServerTokens(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Store(testStoreHash).List(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteServerToken(context.Background(), toks[0].ID); err != nil {
		t.Fatal(err)
	}
	// One listing for both reads; the access token, refused once, is not tried again.
	if got, want := strings.Join(credentialsSent(t, f), " "), "access "+testAuthToken+" "+testAuthToken; got != want {
		t.Errorf("credentials sent %q, want %q", got, want)
	}
	if !c.Store(testStoreHash).Refused(testAccessToken) {
		t.Error("the default store does not know the access token was refused")
	}
}

// A provision is for the store the request names: the auth_token of another store is never
// sent there, and the new token lists it.
func TestProvisionUsesTheRequestsStore(t *testing.T) {
	f := newFake(t)
	authA := fakeJWT("storeA", 9001)
	c := f.client(t, func(cfg *Config) { cfg.AuthToken = authA })
	req := provisionReq
	req.StoreHash = "storeB"
	got, err := c.ProvisionServerToken(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if want := f.lastToken(); got != want {
		t.Errorf("provisioned %+v, want %+v", got, want)
	}
	sent := credentialsSent(t, f)
	if len(sent) == 0 {
		t.Fatal("no listing after the create")
	}
	for _, cr := range sent {
		if cr != got.Token {
			t.Errorf("store B listed with %q, want only its new token", cr)
		}
	}
	if c.Store("storeB").Refused(authA) || c.Store("storeA").HasCredential() != true {
		t.Error("the stores' credentials were mixed up")
	}
}

// A created token whose claim names another store is no credential of the store it was
// created for: it is returned, never sent.
func TestCreatedTokenOfAnotherStoreIsNoCredential(t *testing.T) {
	f := newFake(t)
	f.setHook(onCreate(func(f *fakeB2B, w http.ResponseWriter, _ *http.Request, req CreateServerTokenRequest, _ int) bool {
		writeCreated(w, f.addStoreToken("elsewhere", req.Name, req.Email))
		return true
	}))
	c := f.client(t)
	got, err := c.ProvisionServerToken(context.Background(), provisionReq)
	if !errors.Is(err, ErrTokenNotLocated) || !errors.Is(err, ErrNoAuthToken) {
		t.Errorf("err = %v, want ErrTokenNotLocated for want of a credential", err)
	}
	if got.Token != f.lastToken().Token || got.ID != 0 {
		t.Errorf("returned %+v, want the value without an id", got)
	}
	if seq := sequence(f); seq != "POST /auth/backend" {
		t.Errorf("requests %s: the token was sent to a store it does not belong to", seq)
	}
}
