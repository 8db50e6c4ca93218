package b2b

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestListedTokensGiveBackWhatWasListed(t *testing.T) {
	in := []ServerToken{
		{ID: 7, Name: "ci", Email: "a@example.com", StoreHash: "abc", Token: "v1", EventChannel: "ch"},
		{ID: 3, Name: "", Email: "", StoreHash: "", Token: "", EventChannel: ""},
		{ID: 9, Name: "Ünïcode name ✓", Email: "B@Example.com", StoreHash: "abc", Token: "v1"},
		{ID: 5, Name: "ci", Email: "a@example.com", StoreHash: "other", Token: "v2", EventChannel: "ch"},
	}
	list := newTokenList(in)
	if got := list.Tokens(); !reflect.DeepEqual(got, in) {
		t.Fatalf("Tokens() = %+v\nwant %+v", got, in)
	}
	if list.Len() != len(in) || list.newestID() != 9 || !list.hasIDAbove(8) || list.hasIDAbove(9) {
		t.Errorf("Len %d, newestID %d", list.Len(), list.newestID())
	}
	if tok, ok := list.ByID(5); !ok || tok != in[3] {
		t.Errorf("ByID(5) = %+v, %v", tok, ok)
	}
	if got := list.WithValue("v1"); len(got) != 2 || got[0].ID != 7 || got[1].ID != 9 {
		t.Errorf("WithValue(v1) = %+v", got)
	}
	if !list.shows("") || list.shows("v3") {
		t.Error("shows")
	}
	copied := list.Tokens()
	copied[0].Name = "changed"
	if tok, _ := list.ByID(7); tok.Name != "ci" {
		t.Error("a copy of the tokens changed the listing")
	}
}

// With the documented claims every token of one user is one string: the listing keeps it
// once, and each email, store hash and event channel once, whatever the store's size.
func TestListedTokensKeepARepeatedValueOnce(t *testing.T) {
	value := "eyJhbGciOiJIUzI1NiJ9." + strings.Repeat("x", 200)
	var in []ServerToken
	for i := range 1000 {
		in = append(in, ServerToken{ID: int64(i + 1), Name: fmt.Sprintf("t-%04d", i), Email: "a@example.com",
			StoreHash: "abc", Token: value, EventChannel: "ch"})
	}
	l := newTokenList(in).tokens
	if want := len(value) + 1000*len("t-0000"); len(l.text) != want {
		t.Errorf("text of %d bytes, want %d (the value once, the names)", len(l.text), want)
	}
	if len(l.words) != 3 {
		t.Errorf("%d words kept, want 3: %q", len(l.words), l.words)
	}
	if got := newTokenList(in).Tokens(); !reflect.DeepEqual(got, in) {
		t.Error("the tokens read back differ")
	}
}
