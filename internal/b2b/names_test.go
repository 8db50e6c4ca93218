package b2b

import "testing"

func TestNameKeptAs(t *testing.T) {
	for _, c := range []struct {
		name, listed string
		kept         bool
	}{
		{"ci-token", "ci-token", true},
		{"a-name-the-api-cuts-short", "a-name-the-api-cuts-", true},
		{"a-name-the-api-cuts-short", "a-name-the-api-", false},            // 15 code points: another token's name
		{"ci-token-alpha", "ci-token", false},                              // too short to be a cut
		{"a-name-the-api-cuts-short", "a-name-the-api-cuts-shortX", false}, // longer
		{"çççççççççççççççççç", "çççççççççççççççç", true},                   // cut between code points
		{"a-name-the-api-cuts-short", "b-name-the-api-cuts-", false},
	} {
		if got := NameKeptAs(c.name, c.listed); got != c.kept {
			t.Errorf("NameKeptAs(%q, %q) = %v, want %v", c.name, c.listed, got, c.kept)
		}
	}
	if NameKeptAs("ççççççççççççççççç", "ççççççççççççççç\xc3") {
		t.Error("a cut inside a code point is not what an API keeps")
	}
	p := PendingCreate{Name: "short-name-cut", KeptName: "short"}
	if !p.namedAs("short") || p.namedAs("shor") {
		t.Error("the name the create's reply gave tells its token")
	}
}
