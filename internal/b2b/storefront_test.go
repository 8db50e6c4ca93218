package b2b

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const testCustomerJWT = "eyJhbGciOiJIUzI1NiJ9.eyJjdXN0b21lciI6eyJpZCI6N319.customer-S3cret-sig"

// serveStorefront answers the three storefront endpoints with reply (an envelope's data),
// and everything else as the fake does.
func serveStorefront(data any) fakeHook {
	return func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, req fakeRequest, _ int) bool {
		switch req.Path {
		case pathCustomerStorefrontToken, pathCredentialsToken, pathStorefrontFromJWT:
			writeEnvelope(w, http.StatusOK, 200, data, "SUCCESS")
			return true
		}
		return false
	}
}

// only returns the single request f received, failing the test otherwise.
func only(t *testing.T, f *fakeB2B) fakeRequest {
	t.Helper()
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("want 1 request, got %d: %s", len(reqs), sequence(f))
	}
	return reqs[0]
}

// assertHeaders checks which credential headers r carries: want maps a header to its
// value, and every other credential header must be absent.
func assertHeaders(t *testing.T, r fakeRequest, want map[string]string) {
	t.Helper()
	for _, h := range []string{"authToken", "X-Auth-Token", "X-Store-Hash"} {
		if got := r.Header.Get(h); got != want[h] {
			t.Errorf("header %s = %q, want %q", h, got, want[h])
		}
	}
}

func TestCustomerStorefrontTokenPrefersTheAccessToken(t *testing.T) {
	tests := []struct {
		name string
		cfg  func(*Config)
		want map[string]string
	}{
		{"access token and store hash", func(c *Config) {
			c.AccessToken, c.StoreHash = testAccessToken, testStoreHash
		}, map[string]string{"X-Auth-Token": testAccessToken, "X-Store-Hash": testStoreHash}},
		{"access token wins over authToken", func(c *Config) {
			c.AccessToken, c.StoreHash, c.AuthToken = testAccessToken, testStoreHash, testAuthToken
		}, map[string]string{"X-Auth-Token": testAccessToken, "X-Store-Hash": testStoreHash}},
		{"authToken alone, never with X-Store-Hash", func(c *Config) {
			c.AuthToken, c.StoreHash = testAuthToken, testStoreHash
		}, map[string]string{"authToken": testAuthToken}},
		{"access token without store hash falls back to authToken", func(c *Config) {
			c.AccessToken, c.AuthToken = testAccessToken, testAuthToken
		}, map[string]string{"authToken": testAuthToken}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.setHook(serveStorefront(map[string]any{"token": []string{"eyJ.sf.sig"}}))
			got, err := f.client(t, tt.cfg).CustomerStorefrontToken(context.Background(), CustomerStorefrontTokenRequest{CustomerID: 7})
			if err != nil {
				t.Fatal(err)
			}
			if got.Token != "eyJ.sf.sig" {
				t.Errorf("token %q", got.Token)
			}
			r := only(t, f)
			if r.Method != http.MethodPost || r.Path != "/auth/customers/storefront" {
				t.Errorf("sent %s %s", r.Method, r.Path)
			}
			assertHeaders(t, r, tt.want)
		})
	}
}

func TestCustomerStorefrontTokenWithoutCredentialSendsNothing(t *testing.T) {
	tests := []struct {
		name string
		cfg  func(*Config)
	}{
		{"nothing", func(*Config) {}},
		{"access token without its store", func(c *Config) { c.AccessToken = testAccessToken }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			_, err := f.client(t, tt.cfg).CustomerStorefrontToken(context.Background(), CustomerStorefrontTokenRequest{CustomerID: 7})
			if !errors.Is(err, ErrNoStorefrontCredential) {
				t.Fatalf("error %v, want ErrNoStorefrontCredential", err)
			}
			if apiErr := asAPIError(t, err); apiErr.Path != "/auth/customers/storefront" {
				t.Errorf("error names path %q", apiErr.Path)
			}
			if n := len(f.requests()); n != 0 {
				t.Errorf("sent %d requests without a credential", n)
			}
		})
	}
}

func TestCustomerStorefrontTokenSendsTheDocumentedBody(t *testing.T) {
	tests := []struct {
		name string
		req  CustomerStorefrontTokenRequest
		want string
	}{
		{"customer only", CustomerStorefrontTokenRequest{CustomerID: 999},
			`{"customerId":999}`},
		{"channel and customer access token, expires_at as the spec names it",
			CustomerStorefrontTokenRequest{CustomerID: 999, ChannelID: 2, CustomerAccessToken: &CustomerAccessToken{Value: "cat", ExpiresAt: "2024-12-31T00:00:00Z"}},
			`{"customerId":999,"channelId":2,"customerAccessToken":{"value":"cat","expires_at":"2024-12-31T00:00:00Z"}}`},
		{"customer access token without expiry",
			CustomerStorefrontTokenRequest{CustomerID: 1, ChannelID: 1, CustomerAccessToken: &CustomerAccessToken{Value: "cat"}},
			`{"customerId":1,"channelId":1,"customerAccessToken":{"value":"cat"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.setHook(serveStorefront(map[string]any{"token": []string{"eyJ.sf.sig"}}))
			if _, err := f.client(t, withAuthToken).CustomerStorefrontToken(context.Background(), tt.req); err != nil {
				t.Fatal(err)
			}
			r := only(t, f)
			if got := string(r.Body); got != tt.want {
				t.Errorf("body %s\nwant %s", got, tt.want)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestCustomerStorefrontTokenAcceptsAnArrayOfOneOrAString(t *testing.T) {
	tests := []struct {
		name    string
		data    any
		want    string
		wantErr string
	}{
		{"array of one, as documented", map[string]any{"token": []string{"eyJ.a.b"}}, "eyJ.a.b", ""},
		{"plain string", map[string]any{"token": "eyJ.a.b"}, "eyJ.a.b", ""},
		{"two tokens", map[string]any{"token": []string{"eyJ.a.b", "eyJ.c.d"}}, "", "expected one token, got 2"},
		{"empty array", map[string]any{"token": []string{}}, "", "expected one token, got 0"},
		{"no token", map[string]any{}, "", "the reply holds no token"},
		{"number", map[string]any{"token": 3}, "", "neither a string nor an array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.setHook(serveStorefront(tt.data))
			got, err := f.client(t, withAuthToken).CustomerStorefrontToken(context.Background(), CustomerStorefrontTokenRequest{CustomerID: 1})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				if apiErr := asAPIError(t, err); apiErr.Path != "/auth/customers/storefront" {
					t.Errorf("error names path %q", apiErr.Path)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Token != tt.want {
				t.Errorf("token %q, want %q", got.Token, tt.want)
			}
		})
	}
}

func TestCredentialsTokenSendsTheAccessTokenOnlyForItsStore(t *testing.T) {
	begin, end := int64(1000), int64(1721930486)
	tests := []struct {
		name     string
		cfg      func(*Config)
		req      CredentialsTokenRequest
		wantBody string
		want     map[string]string
	}{
		{"no access token: no credential, even with an authToken", withAuthToken,
			CredentialsTokenRequest{StoreHash: testStoreHash, Email: "axe@example.com", Password: testPassword, ChannelID: 1, Name: "test"},
			`{"storeHash":"abc123","email":"axe@example.com","password":"` + testPassword + `","channelId":1,"name":"test"}`,
			map[string]string{}},
		{"access token of this store", func(c *Config) { c.AccessToken, c.StoreHash = testAccessToken, testStoreHash },
			CredentialsTokenRequest{StoreHash: testStoreHash, Email: "axe@example.com", Password: testPassword, ChannelID: 2, Name: "test", BeginAt: &begin, EndAt: &end},
			`{"storeHash":"abc123","email":"axe@example.com","password":"` + testPassword + `","channelId":2,"name":"test","beginAt":1000,"endAt":1721930486}`,
			map[string]string{"X-Auth-Token": testAccessToken, "X-Store-Hash": testStoreHash}},
		{"access token of another store is not sent", func(c *Config) { c.AccessToken, c.StoreHash = testAccessToken, "other1" },
			CredentialsTokenRequest{StoreHash: testStoreHash, Email: "axe@example.com", Password: testPassword, ChannelID: 1, Name: "test"},
			`{"storeHash":"abc123","email":"axe@example.com","password":"` + testPassword + `","channelId":1,"name":"test"}`,
			map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.setHook(serveStorefront(map[string]any{"name": "test9", "token": "eyJ.cred.sig"}))
			got, err := f.client(t, tt.cfg).CredentialsToken(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if got != (StorefrontToken{Name: "test9", Token: "eyJ.cred.sig"}) {
				t.Errorf("got %+v", got)
			}
			r := only(t, f)
			if r.Method != http.MethodPost || r.Path != "/auth/customers" {
				t.Errorf("sent %s %s", r.Method, r.Path)
			}
			if got := string(r.Body); got != tt.wantBody {
				t.Errorf("body %s\nwant %s", got, tt.wantBody)
			}
			assertHeaders(t, r, tt.want)
		})
	}
}

func TestCredentialsTokenNameFromRequestWhenReplyHasNone(t *testing.T) {
	f := newFake(t)
	f.setHook(serveStorefront(map[string]any{"token": "eyJ.cred.sig"}))
	got, err := f.client(t).CredentialsToken(context.Background(), CredentialsTokenRequest{StoreHash: testStoreHash, Email: "a@example.com", Password: testPassword, ChannelID: 1, Name: "mine"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "mine" {
		t.Errorf("name %q, want the requested one", got.Name)
	}
}

func TestCredentialsTokenBadLoginNeverShowsPassword(t *testing.T) {
	f := newFake(t)
	f.setHook(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
		writeEnvelope(w, http.StatusBadRequest, 400, map[string]any{"errMsg": "The email or password you have entered is incorrect. Please try again."}, "API logic error")
		return true
	})
	_, err := f.client(t).CredentialsToken(context.Background(), CredentialsTokenRequest{StoreHash: testStoreHash, Email: "a@example.com", Password: testPassword, ChannelID: 1, Name: "mine"})
	apiErr := asAPIError(t, err)
	if apiErr.StatusCode != 400 || !strings.Contains(err.Error(), "POST /auth/customers: HTTP 400") || !strings.Contains(err.Error(), "incorrect") {
		t.Errorf("error %q", err)
	}
	assertNoSecrets(t, err.Error())
	if n := len(f.requests()); n != 1 {
		t.Errorf("a 400 was sent %d times", n)
	}
}

func TestStorefrontFromJWTSendsTheJWTInTheQueryAndOnlyTheStoreHash(t *testing.T) {
	tests := []struct {
		name      string
		cfg       func(*Config)
		channelID int64
		wantQuery url.Values
		want      map[string]string
	}{
		{"store hash known, no channel", func(c *Config) { c.StoreHash, c.AuthToken = testStoreHash, testAuthToken },
			0, url.Values{"jwtToken": {testCustomerJWT}}, map[string]string{"X-Store-Hash": testStoreHash}},
		{"access token configured: still only the store hash", func(c *Config) { c.StoreHash, c.AccessToken = testStoreHash, testAccessToken },
			3, url.Values{"jwtToken": {testCustomerJWT}, "channelId": {"3"}}, map[string]string{"X-Store-Hash": testStoreHash}},
		{"no store hash: no header at all", withAuthToken,
			1, url.Values{"jwtToken": {testCustomerJWT}, "channelId": {"1"}}, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.setHook(serveStorefront(map[string]any{"token": "eyJ.fromjwt.sig"}))
			got, err := f.client(t, tt.cfg).StorefrontFromJWT(context.Background(), StorefrontFromJWTRequest{JWTToken: testCustomerJWT, ChannelID: tt.channelID})
			if err != nil {
				t.Fatal(err)
			}
			if got.Token != "eyJ.fromjwt.sig" {
				t.Errorf("token %q", got.Token)
			}
			r := only(t, f)
			if r.Method != http.MethodGet || r.Path != "/auth/storefront" || len(r.Body) != 0 {
				t.Errorf("sent %s %s with body %q", r.Method, r.Path, r.Body)
			}
			q, _ := url.ParseQuery(r.Query)
			if q.Encode() != tt.wantQuery.Encode() {
				t.Errorf("query %s, want %s", q.Encode(), tt.wantQuery.Encode())
			}
			assertHeaders(t, r, tt.want)
		})
	}
}

func TestStorefrontFromJWTErrorNeverShowsTheJWT(t *testing.T) {
	f := newFake(t)
	f.setHook(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ int) bool {
		writeEnvelope(w, http.StatusBadRequest, 400, map[string]any{"errMsg": "Invalid JWT token."}, "API logic error")
		return true
	})
	_, err := f.client(t).StorefrontFromJWT(context.Background(), StorefrontFromJWTRequest{JWTToken: testCustomerJWT})
	if err == nil || !strings.Contains(err.Error(), "GET /auth/storefront: HTTP 400") || !strings.Contains(err.Error(), "Invalid JWT token.") {
		t.Fatalf("error %v", err)
	}
	if strings.Contains(err.Error(), "customer-S3cret-sig") || strings.Contains(err.Error(), "jwtToken") {
		t.Errorf("error %q shows the JWT", err)
	}
	assertNoSecrets(t, err.Error())
}

// The storefront endpoints only mint short-lived tokens, so they are resent after a
// server error, unlike the create of a server token.
func TestStorefrontEndpointsAreResentAfterAServerError(t *testing.T) {
	calls := []struct {
		path string
		send func(*Client) error
	}{
		{pathCustomerStorefrontToken, func(c *Client) error {
			_, err := c.CustomerStorefrontToken(context.Background(), CustomerStorefrontTokenRequest{CustomerID: 1})
			return err
		}},
		{pathCredentialsToken, func(c *Client) error {
			_, err := c.CredentialsToken(context.Background(), CredentialsTokenRequest{StoreHash: testStoreHash, Email: "a@example.com", Password: testPassword, ChannelID: 1, Name: "n"})
			return err
		}},
		{pathStorefrontFromJWT, func(c *Client) error {
			_, err := c.StorefrontFromJWT(context.Background(), StorefrontFromJWTRequest{JWTToken: testCustomerJWT})
			return err
		}},
	}
	for _, cl := range calls {
		t.Run(cl.path, func(t *testing.T) {
			f := newFake(t)
			f.setHook(func(_ *fakeB2B, w http.ResponseWriter, _ *http.Request, _ fakeRequest, n int) bool {
				if n == 1 {
					writeStatus(w, http.StatusServiceUnavailable)
					return true
				}
				writeEnvelope(w, http.StatusOK, 200, map[string]any{"token": "eyJ.x.y"}, "SUCCESS")
				return true
			})
			if err := cl.send(f.client(t, withAuthToken)); err != nil {
				t.Fatal(err)
			}
			if n := len(f.requests()); n != 2 {
				t.Errorf("want the 503 resent once, got %d requests", n)
			}
		})
	}
}
