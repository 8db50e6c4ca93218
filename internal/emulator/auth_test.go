package emulator

import "testing"

func TestAuthTokenWithStoreHashIsRefused(t *testing.T) {
	f := newFixture(t)
	tok := f.create("t")
	both := hdr{"authToken": tok, "X-Store-Hash": "abc123"}
	cases := []struct{ method, path, body string }{
		{"POST", "/auth/backend", createBody("x")},
		{"GET", "/backend/tokens", ""},
		{"DELETE", "/auth/backend", `{"id": 1}`},
		{"POST", "/auth/customers/storefront", `{"customerId": 7}`},
		{"POST", "/auth/customers", `{}`},
		{"GET", "/auth/storefront?jwtToken=x", ""},
	}
	for _, c := range cases {
		r := f.do(c.method, c.path, both, c.body)
		expectError(t, r, 400, "authToken must not be sent with X-Store-Hash", "Parameter Error")
	}
	if _, ok := f.srv.Token(1); !ok || len(f.srv.Tokens()) != 1 {
		t.Fatal("a refused request changed the tokens")
	}
}

func TestAccessTokenRules(t *testing.T) {
	f := newFixture(t)
	body := `{"customerId": 7}`
	cases := []struct {
		name   string
		h      hdr
		status int
	}{
		{"no store hash", hdr{"X-Auth-Token": storeToken}, 500},
		{"wrong store hash", hdr{"X-Auth-Token": storeToken, "X-Store-Hash": "other"}, 500},
		{"unknown token", hdr{"X-Auth-Token": "nope", "X-Store-Hash": "abc123"}, 401},
		{"valid", hdr{"X-Auth-Token": storeToken, "X-Store-Hash": "abc123"}, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.do("POST", "/auth/customers/storefront", c.h, body)
			if c.status == 401 {
				expectUnauthorized(t, r, 401, "Invalid token.")
				return
			}
			expectStatus(t, r, c.status)
		})
	}
	// The same rules hold on POST /auth/backend, where the header is optional.
	r := f.do("POST", "/auth/backend", hdr{"X-Auth-Token": storeToken}, createBody("x"))
	expectStatus(t, r, 500)
	r = f.do("POST", "/auth/backend", hdr{"X-Auth-Token": "nope", "X-Store-Hash": "abc123"}, createBody("x"))
	expectUnauthorized(t, r, 401, "Invalid token.")
	r = f.do("POST", "/auth/backend", hdr{"X-Auth-Token": storeToken, "X-Store-Hash": "abc123"}, createBody("x"))
	expectStatus(t, r, 200)
	if n := len(f.srv.Tokens()); n != 1 {
		t.Fatalf("%d tokens, want only the one from the valid request", n)
	}
}

func TestAuthTokenRules(t *testing.T) {
	f := newFixture(t)
	tok := f.create("t")
	gone := f.create("gone")
	if !f.srv.RemoveToken(2) {
		t.Fatal("RemoveToken(2) = false")
	}
	for _, route := range []struct{ method, path, body string }{
		{"GET", "/backend/tokens", ""},
		{"DELETE", "/auth/backend", `{"id": 1}`},
	} {
		expectUnauthorized(t, f.do(route.method, route.path, nil, route.body), 401, msgNoCredentials)
		// By default X-Auth-Token is not a credential for the S2S endpoints.
		r := f.do(route.method, route.path, hdr{"X-Auth-Token": storeToken, "X-Store-Hash": "abc123"}, route.body)
		expectUnauthorized(t, r, 403, "You do not have permission to perform this action.")
		expectUnauthorized(t, f.do(route.method, route.path, hdr{"authToken": "garbage"}, route.body), 401, "Invalid token.")
		expectUnauthorized(t, f.do(route.method, route.path, hdr{"authToken": gone}, route.body), 401, "Invalid token.")
	}
	// A token of another store (same user, other hash) is not valid here.
	other := New(Options{StoreHash: "zzz999"}).AddToken("x", adminEmail).Token
	expectUnauthorized(t, f.list(other, ""), 401, "Invalid token.")

	expectStatus(t, f.list(tok, ""), 200)
	// POST /auth/backend ignores authToken, even a bad one.
	expectStatus(t, f.do("POST", "/auth/backend", hdr{"authToken": "garbage"}, createBody("x")), 200)
	// POST /auth/customers/storefront takes authToken when there is no X-Auth-Token.
	expectStatus(t, f.do("POST", "/auth/customers/storefront", hdr{"authToken": tok}, `{"customerId": 7}`), 200)
	expectUnauthorized(t, f.do("POST", "/auth/customers/storefront", hdr{"authToken": "bad"}, `{"customerId": 7}`), 401, "Invalid token.")
	expectUnauthorized(t, f.do("POST", "/auth/customers/storefront", nil, `{"customerId": 7}`), 401, msgNoCredentials)
}

func TestAccessTokenOnS2SEndpoints(t *testing.T) {
	f := newFixture(t)
	auth := f.create("keeper")
	f.srv.AddToken("victim", adminEmail)
	valid := hdr{"X-Auth-Token": storeToken, "X-Store-Hash": "abc123"}
	wrong := hdr{"X-Auth-Token": "nope", "X-Store-Hash": "abc123"}
	noHash := hdr{"X-Auth-Token": storeToken}
	list := func(h hdr) *response { return f.do("GET", "/backend/tokens", h, "") }
	del := func(h hdr) *response { return f.do("DELETE", "/auth/backend", h, `{"id": 2}`) }

	for _, mode := range []bool{false, true} {
		f.srv.SetAccessTokenListsTokens(mode)
		expectUnauthorized(t, list(wrong), 401, "Invalid token.")
		expectUnauthorized(t, del(wrong), 401, "Invalid token.")
		expectStatus(t, list(noHash), 500)
		expectStatus(t, del(noHash), 500)
	}

	f.srv.SetAccessTokenListsTokens(false)
	expectUnauthorized(t, list(valid), 403, "You do not have permission to perform this action.")
	expectUnauthorized(t, del(valid), 403, "You do not have permission to perform this action.")
	if _, ok := f.srv.Token(2); !ok {
		t.Fatal("a refused delete deleted the token")
	}
	// authToken, when sent, is the credential; a stray X-Auth-Token does not matter.
	expectStatus(t, list(hdr{"authToken": auth, "X-Auth-Token": "nope"}), 200)

	f.srv.SetAccessTokenListsTokens(true)
	if items := listItems(t, list(valid)); len(items) != 2 {
		t.Fatalf("items %+v", items)
	}
	expectStatus(t, del(valid), 200)
	if _, ok := f.srv.Token(2); ok {
		t.Fatal("token 2 still there")
	}
}

func TestAccessTokenListsTokensOption(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.AccessTokenListsTokens = true })
	f.srv.AddToken("t", adminEmail)
	r := f.do("GET", "/backend/tokens", hdr{"X-Auth-Token": storeToken, "X-Store-Hash": "abc123"}, "")
	if items := listItems(t, r); len(items) != 1 {
		t.Fatalf("items %+v", items)
	}
}
