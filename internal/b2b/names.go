package b2b

import (
	"iter"
	"strings"
	"unicode/utf8"
)

// minCutName is the fewest code points an API that cuts names short keeps of one: a listed
// name that begins a longer name sent, and is at least this long, is what the API kept of it;
// a shorter one is another token's name.
const minCutName = 16

// NameKeptAs reports whether a token listed with the name listed may be one made with
// name: the name itself, or the name cut short. Names are checked at plan against what
// trimming or collapsing whitespace would change, so a cut is all an API is left to do.
func NameKeptAs(name, listed string) bool {
	switch {
	case listed == name:
		return true
	case len(listed) >= len(name) || !strings.HasPrefix(name, listed):
		return false
	}
	return utf8.RuneCountInString(listed) >= minCutName && utf8.RuneStart(name[len(listed)])
}

// namedAs reports whether a token listed with the name listed may be the one p made: the
// name the create's reply gave counts too.
func (p PendingCreate) namedAs(listed string) bool {
	return p.KeptName != "" && listed == p.KeptName || NameKeptAs(p.Name, listed)
}

// longestName is the most code points of a name the tokens show: an API that cuts names
// keeps none longer than its cut, so a shorter listed name is no cut (keptAmong).
func longestName(tokens iter.Seq[ServerToken]) int {
	longest := 0
	for t := range tokens {
		longest = max(longest, utf8.RuneCountInString(t.Name))
	}
	return longest
}

// keptAmong reports whether listed, in a listing whose longest name is longest code points,
// is name as the API kept it: the name itself, or name cut as long as the longest.
func keptAmong(name, listed string, longest int) bool {
	return listed == name || NameKeptAs(name, listed) && utf8.RuneCountInString(listed) >= longest
}
