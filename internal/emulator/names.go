package emulator

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

var whitespaceRun = regexp.MustCompile(`\s+`)

// NameRule is what POST /auth/backend keeps of a token's name. BigCommerce documents none; an
// API may trim a name, collapse its whitespace, or cut it short, and then lists (and replies
// with) what it kept. The zero rule keeps a name byte for byte.
type NameRule struct {
	Trim     bool // drop whitespace at either end
	Collapse bool // turn each run of whitespace into one space
	MaxRunes int  // cut a longer name to this many code points; 0: no limit
}

// SetNameRule applies rule to the names of the tokens created through the API from now on.
func (s *Server) SetNameRule(rule NameRule) {
	s.mu.Lock()
	s.nameRule = rule
	s.mu.Unlock()
}

// keep returns what the rule keeps of name.
func (r NameRule) keep(name string) string {
	if r.Collapse {
		name = whitespaceRun.ReplaceAllString(name, " ")
	}
	if r.Trim {
		name = strings.TrimSpace(name)
	}
	if r.MaxRunes > 0 && utf8.RuneCountInString(name) > r.MaxRunes {
		name = string([]rune(name)[:r.MaxRunes])
	}
	return name
}

// ParseNameRule reads a NameRule: "kept" (the zero rule), or a comma-separated list of trim,
// collapse and max=N.
func ParseNameRule(spec string) (NameRule, error) {
	var r NameRule
	if spec == "kept" || spec == "" {
		return r, nil
	}
	for part := range strings.SplitSeq(spec, ",") {
		switch n, isMax := strings.CutPrefix(part, "max="); {
		case part == "trim":
			r.Trim = true
		case part == "collapse":
			r.Collapse = true
		case isMax:
			v, err := strconv.Atoi(n)
			if err != nil || v < 1 {
				return NameRule{}, fmt.Errorf("name rule %q: max wants a positive number of code points", spec)
			}
			r.MaxRunes = v
		default:
			return NameRule{}, fmt.Errorf("name rule %q: want kept, or trim, collapse and max=N, comma-separated", spec)
		}
	}
	return r, nil
}
