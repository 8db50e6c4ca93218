package emulator

import (
	"strings"
	"testing"
)

func TestSeedTokensOption(t *testing.T) {
	f := newFixture(t, func(o *Options) {
		o.Tokens = []SeedToken{
			{Name: "first", Email: adminEmail},
			{ID: 40, Name: "forty", Email: "owner@example.com"},
			{Name: "next", Email: adminEmail},
			{ID: 7, Name: "seven", Email: adminEmail},
		}
	})
	toks := f.srv.Tokens()
	var got []string
	for _, tok := range toks {
		got = append(got, tok.Name)
		claims := decodeJWT(t, f.srv, tok.Token)
		if claims["store_hash"] != "abc123" || claims["email"] != tok.Email || tok.CreatedAt != f.clock.Now() {
			t.Fatalf("token %+v, claims %v", tok, claims)
		}
	}
	if strings.Join(got, ",") != "first,seven,forty,next" || toks[0].ID != 1 || toks[1].ID != 7 || toks[2].ID != 40 || toks[3].ID != 41 {
		t.Fatalf("tokens %+v", toks)
	}
	// Seeded tokens authenticate, are listed at once, and ids go on after the highest.
	items := listItems(t, f.list(toks[1].Token, ""))
	if len(items) != 4 || items[0].ID != 41 {
		t.Fatalf("items %+v", items)
	}
	if tok := f.srv.AddToken("later", adminEmail); tok.ID != 42 {
		t.Fatalf("next id %d", tok.ID)
	}
}

func TestOptionsValidate(t *testing.T) {
	bad := map[string]Options{
		"negative id":  {Tokens: []SeedToken{{ID: -1, Name: "n", Email: "e@x.io"}}},
		"repeated id":  {Tokens: []SeedToken{{ID: 3, Name: "a", Email: "e@x.io"}, {ID: 3, Name: "b", Email: "e@x.io"}}},
		"next taken":   {Tokens: []SeedToken{{Name: "a", Email: "e@x.io"}, {ID: 1, Name: "b", Email: "e@x.io"}}},
		"no name":      {Tokens: []SeedToken{{Email: "e@x.io"}}},
		"no email":     {Tokens: []SeedToken{{Name: "n", Email: " "}}},
		"unknown list": {ListOrder: ListOrder(9)},
	}
	for name, o := range bad {
		if err := o.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	good := Options{Tokens: []SeedToken{{ID: 1, Name: "a", Email: "e@x.io"}, {Name: "b", Email: "e@x.io"}}, ListOrder: OldestFirst}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		msg, _ := recover().(string)
		if !strings.Contains(msg, "already taken") {
			t.Fatalf("New should panic on invalid options, got %q", msg)
		}
	}()
	New(bad["repeated id"])
}
