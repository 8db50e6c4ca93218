package b2b

import (
	"slices"
	"testing"
)

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

// A token listed with the name itself is the create's candidate before any that only looks
// like the name cut short.
func TestCandidatesPreferTheNameItself(t *testing.T) {
	p := PendingCreate{Name: "ci-token-of-prod-v2", Email: "a@example.com"}
	none := func(int64) bool { return false }
	other := ServerToken{ID: 7, Name: "ci-token-of-prod", Email: "a@example.com"}
	own := ServerToken{ID: 8, Name: "ci-token-of-prod-v2", Email: "a@example.com"}
	if got := candidatesOf(p, "", slices.Values([]ServerToken{other, own}), none); len(got) != 1 || got[0].ID != own.ID {
		t.Fatalf("candidates %v, want only the token of the name itself", got)
	}
	if got := candidatesOf(p, "", slices.Values([]ServerToken{other}), none); len(got) != 1 || got[0].ID != other.ID {
		t.Fatalf("candidates %v, want the name cut short when nothing has the name itself", got)
	}
}

// An API that cuts names keeps none longer than its cut: a listed name that begins the one
// sent is a cut of it only while the listing shows no longer name, and the name the reply
// gave is the name kept whatever else is listed.
func TestACutIsAsLongAsTheLongestListedName(t *testing.T) {
	p := PendingCreate{Name: "x-pipeline-token-v2", Email: "a@example.com"}
	none := func(int64) bool { return false }
	others := ServerToken{ID: 7, Name: "x-pipeline-token", Email: "a@example.com"} // another pipeline's, 16 code points
	longer := ServerToken{ID: 3, Name: "a-much-longer-name-of-a-token", Email: "b@example.com"}
	if got := candidatesOf(p, "", slices.Values([]ServerToken{longer, others}), none); len(got) != 0 {
		t.Fatalf("candidates %v, want none: the list keeps a longer name, so %q is no cut", got, others.Name)
	}
	if got := candidatesOf(p, "", slices.Values([]ServerToken{others}), none); len(got) != 1 {
		t.Fatalf("candidates %v, want the cut when no listed name is longer", got)
	}
	p.KeptName = "x-pipeline-token"
	if got := candidatesOf(p, "", slices.Values([]ServerToken{longer, others}), none); len(got) != 1 || got[0].ID != others.ID {
		t.Fatalf("candidates %v, want the token of the name the reply gave", got)
	}
	if keptAmong("x-pipeline-token-v2", "x-pipeline-token", longestName(slices.Values([]ServerToken{longer}))) {
		t.Error("keptAmong took a name shorter than the longest listed for a cut")
	}
}
