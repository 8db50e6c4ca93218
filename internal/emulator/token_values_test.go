package emulator

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestDocumentedClaimsRepeatValues(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.TokenValues = DocumentedClaims })
	first, second := f.create("a"), f.create("b")
	if first != second {
		t.Fatalf("two tokens of one user differ:\n%s\n%s", first, second)
	}
	// The payload is exactly the documented one, in its order.
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(first, ".")[1])
	if want := `{"email":"admin@example.com","store_hash":"abc123","db":"default"}`; err != nil || string(payload) != want {
		t.Fatalf("payload %s, want %s", payload, want)
	}
	decodeJWT(t, f.srv, first)
	if owner := f.srv.AddToken("o", "owner@example.com").Token; owner == first {
		t.Fatal("tokens of two users share a value")
	}
	items := listItems(t, f.list(first, ""))
	if len(items) != 3 || items[1].Token != first || items[2].Token != first {
		t.Fatalf("items %+v", items)
	}
}

// A value authenticates while any token with it exists.
func TestRepeatedValueOutlivesOneOfItsTokens(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.TokenValues = DocumentedClaims })
	value := f.create("a")
	f.create("b")
	f.create("c")
	expectStatus(t, f.do("DELETE", "/auth/backend", hdr{"authToken": value}, `{"id": 1}`), 200)
	if items := listItems(t, f.list(value, "")); len(items) != 2 {
		t.Fatalf("items %+v", items)
	}
	if !f.srv.RemoveToken(3) {
		t.Fatal("RemoveToken(3) = false")
	}
	if items := listItems(t, f.list(value, "")); len(items) != 1 || items[0].ID != 2 {
		t.Fatalf("items %+v", items)
	}
	expectStatus(t, f.do("DELETE", "/auth/backend", hdr{"authToken": value}, `{"id": 2}`), 200)
	expectUnauthorized(t, f.list(value, ""), 401, msgInvalidToken)
	// A new token of the same user brings the value back.
	if again := f.create("d"); again != value {
		t.Fatal("the value changed")
	}
	expectStatus(t, f.list(value, ""), 200)
}

func TestSetTokenValues(t *testing.T) {
	f := newFixture(t)
	unique := f.create("u")
	f.srv.SetTokenValues(DocumentedClaims)
	a, b := f.create("a"), f.create("b")
	if a != b || a == unique {
		t.Fatal("documented values should repeat, and differ from the unique one")
	}
	if claims := decodeJWT(t, f.srv, a); len(claims) != 3 {
		t.Fatalf("claims %v", claims)
	}
	f.srv.SetTokenValues(UniqueValues)
	if c, d := f.create("c"), f.create("d"); c == d || c == a {
		t.Fatal("unique values repeat")
	}
	expectStatus(t, f.list(unique, ""), 200)
	defer func() {
		if recover() == nil {
			t.Fatal("an unknown mode should panic")
		}
	}()
	f.srv.SetTokenValues(TokenValueMode(5))
}

func TestTokenValueModeNames(t *testing.T) {
	for _, m := range []TokenValueMode{UniqueValues, DocumentedClaims} {
		if got, err := ParseTokenValueMode(m.String()); err != nil || got != m {
			t.Fatalf("%v: %v %v", m, got, err)
		}
	}
	if _, err := ParseTokenValueMode("random"); err == nil {
		t.Fatal("random accepted")
	}
	if TokenValueMode(7).String() != "TokenValueMode(7)" {
		t.Fatal(TokenValueMode(7).String())
	}
	if (Options{TokenValues: TokenValueMode(7)}).Validate() == nil {
		t.Fatal("Validate accepted an unknown mode")
	}
}
