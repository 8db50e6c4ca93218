package emulator

import "testing"

func TestParseCustomerJWT(t *testing.T) {
	cases := []struct {
		tok   string
		id    int64
		store string
		ok    bool
	}{
		{customerJWT(`{"customer":{"id":42,"email":"a@b.c","group_id":"0"},"store_hash":"s1","operation":"current_customer"}`), 42, "s1", true},
		{customerJWT(`{"customer":{"id":1}}`), 1, "", true},
		{customerJWT(`{"customer":{"id":1}}`) + "==", 1, "", true},
		{customerJWT(`{"customer":{"id":1.5}}`), 0, "", false},
		{customerJWT(`{"customer":{}}`), 0, "", false},
		{customerJWT(`{"customer":{"id":1},"store_hash":7}`), 0, "", false},
		{customerJWT(`not json`), 0, "", false},
		{"x.%%%.y", 0, "", false},
		{"only.two", 0, "", false},
	}
	for _, c := range cases {
		id, store, err := parseCustomerJWT(c.tok)
		if (err == nil) != c.ok || id != c.id || store != c.store {
			t.Errorf("%q: %d %q %v", c.tok, id, store, err)
		}
	}
}

func TestSecretsDifferPerServer(t *testing.T) {
	a, b := New(Options{}), New(Options{})
	claims := map[string]string{"x": "y"}
	if a.sign(claims) == b.sign(claims) {
		t.Fatal("two servers share a signing secret")
	}
	tok := a.AddToken("n", "e@example.com").Token
	decodeJWT(t, a, tok)
}
