package emulator

import "testing"

func TestNameRuleKeep(t *testing.T) {
	for _, c := range []struct {
		rule       NameRule
		name, kept string
	}{
		{NameRule{}, "  a \t b  ", "  a \t b  "},
		{NameRule{Trim: true}, "  a \t b  ", "a \t b"},
		{NameRule{Collapse: true}, "  a \t b  ", " a b "},
		{NameRule{Trim: true, Collapse: true}, "  a \t\n b  ", "a b"},
		{NameRule{MaxRunes: 3}, "çaça", "çaç"},
		{NameRule{MaxRunes: 3}, "abc", "abc"},
	} {
		if got := c.rule.keep(c.name); got != c.kept {
			t.Errorf("%+v keeps %q of %q, want %q", c.rule, got, c.name, c.kept)
		}
	}
}

// A created token's name is what the rule keeps, in the create's reply and in the listing.
func TestNameRuleOnCreate(t *testing.T) {
	f := newFixture(t)
	f.srv.SetNameRule(NameRule{Trim: true, Collapse: true, MaxRunes: 5})
	r := f.do("POST", "/auth/backend", nil, `{"storeHash":"abc123","email":"`+adminEmail+`","password":"`+adminPassword+`","name":" a  bcdefg "}`)
	expectStatus(t, r, 200)
	var made []nameToken
	r.data(t, &made)
	if len(made) != 1 || made[0].Name != "a bcd" {
		t.Fatalf("create replied %s", r.raw)
	}
	if got := f.srv.Tokens()[0].Name; got != "a bcd" {
		t.Fatalf("listed name %q", got)
	}
}

func TestParseNameRule(t *testing.T) {
	for spec, want := range map[string]NameRule{
		"kept": {}, "": {}, "trim": {Trim: true}, "trim,collapse,max=20": {Trim: true, Collapse: true, MaxRunes: 20},
	} {
		if got, err := ParseNameRule(spec); err != nil || got != want {
			t.Errorf("ParseNameRule(%q) = %+v, %v; want %+v", spec, got, err, want)
		}
	}
	for _, spec := range []string{"max=0", "max=x", "upper", "trim,"} {
		if _, err := ParseNameRule(spec); err == nil {
			t.Errorf("ParseNameRule(%q) accepted", spec)
		}
	}
}
