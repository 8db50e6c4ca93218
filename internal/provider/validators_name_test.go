package provider

import (
	"context"
	"strings"
	"testing"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

// validateString runs validators on value as Terraform does at plan time, at attribute p.
func validateString(validators []validator.String, p path.Path, value basetypes.StringValue) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, v := range validators {
		req := validator.StringRequest{Path: p, PathExpression: p.Expression(), ConfigValue: value}
		resp := &validator.StringResponse{}
		v.ValidateString(context.Background(), req, resp)
		diags.Append(resp.Diagnostics...)
	}
	return diags
}

// nameCase is a value and, when it is refused, a phrase of the one error it draws.
type nameCase struct {
	name, value, wantError string
}

// checkNameCases checks that each case draws no error, or exactly one, with path p, that
// contains its phrase and, for a rule about what the API keeps, says why.
func checkNameCases(t *testing.T, validators []validator.String, p path.Path, cases []nameCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			diags := validateString(validators, p, types.StringValue(tc.value))
			if tc.wantError == "" {
				if diags.HasError() {
					t.Fatalf("%q refused: %s", tc.value, diagsText(diags))
				}
				return
			}
			if diags.ErrorsCount() != 1 {
				t.Fatalf("%q: want one error, got %d: %s", tc.value, diags.ErrorsCount(), diagsText(diags))
			}
			d, ok := diags[0].(diag.DiagnosticWithPath)
			if !ok || !d.Path().Equal(p) {
				t.Errorf("%q: the error has no path %s: %v", tc.value, p, diags[0])
			}
			text := diagsText(diags)
			if !strings.Contains(text, tc.wantError) {
				t.Errorf("%q: the error does not say %q: %s", tc.value, tc.wantError, text)
			}
			if tc.value != "" && !strings.Contains(text, "the provider finds a token by the name the list shows") {
				t.Errorf("%q: the error does not say why: %s", tc.value, text)
			}
		})
	}
}

const (
	wantEmpty    = "string length must be at least 1"
	wantEdges    = "must not begin or end with a space: the API may trim or collapse whitespace"
	wantRuns     = "must not contain two or more spaces in a row: the API may trim or collapse whitespace"
	wantChars    = "must not contain a control character"
	wantTooLong  = "must be at most 255 characters (Unicode code points)"
	wantStart    = "must not begin with a space: the API may trim or collapse whitespace"
	wantPrefixTL = "must be at most 247 characters (Unicode code points)"
)

func TestNameValid_serverTokenName(t *testing.T) {
	t.Parallel()
	checkNameCases(t, serverTokenNameValidators(), path.Root("name"), []nameCase{
		{"plain", "ci-pipeline", ""},
		{"one character", "x", ""},
		{"single spaces inside", "ERP sync for store abc", ""},
		{"letters beyond ASCII", "Zugangsschlüssel für 名前", ""},
		{"emoji", "deploy 🔑", ""},
		{"255 characters of two bytes each", strings.Repeat("é", 255), ""},
		{"empty", "", wantEmpty},
		{"leading space", " ci", wantEdges},
		{"trailing space", "ci ", wantEdges},
		{"only a space", " ", wantEdges},
		{"two spaces inside", "ci  pipeline", wantRuns},
		{"three spaces inside", "ci   pipeline", wantRuns},
		{"tab", "ci\tpipeline", wantChars},
		{"trailing newline from a heredoc", "ci-pipeline\n", wantChars},
		{"carriage return", "ci\r\npipeline", wantChars},
		{"no-break space", "ci\u00a0pipeline", wantChars},
		{"em space", "ci\u2003pipeline", wantChars},
		{"ideographic space", "ci\u3000pipeline", wantChars},
		{"byte order mark", "\ufeffci", wantChars},
		{"NUL", "ci\x00", wantChars},
		{"DEL", "ci\x7f", wantChars},
		{"C1 control", "ci\u0085pipeline", wantChars},
		{"256 characters", strings.Repeat("a", 256), wantTooLong},
		{"256 characters of two bytes each", strings.Repeat("é", 256), wantTooLong},
	})
}

// The prefix's rules are the name's, less the suffix's 8 characters, except that one space at
// the end is allowed: the random suffix follows it.
func TestNameValid_ephemeralServerTokenNamePrefix(t *testing.T) {
	t.Parallel()
	cases := []nameCase{
		{"plain", "ci-", ""},
		{"one character", "x", ""},
		{"one trailing space", "ci run ", ""},
		{"247 characters", strings.Repeat("é", 247), ""},
		{"empty", "", wantEmpty},
		{"leading space", " ci-", wantStart},
		{"only a space", " ", wantStart},
		{"two trailing spaces", "ci  ", wantRuns},
		{"two spaces inside", "ci  run-", wantRuns},
		{"trailing tab", "ci\t", wantChars},
		{"trailing newline", "ci-\n", wantChars},
		{"no-break space", "ci\u00a0", wantChars},
		{"248 characters", strings.Repeat("a", 248), wantPrefixTL},
	}
	checkNameCases(t, serverTokenNamePrefixValidators(), path.Root("name_prefix"), cases)

	// What a valid prefix makes is a valid name.
	for _, tc := range cases {
		if tc.wantError != "" {
			continue
		}
		name := tc.value + "3f9a0c1e"
		if diags := validateString(serverTokenNameValidators(), path.Root("name"), types.StringValue(name)); diags.HasError() {
			t.Errorf("prefix %q makes the name %q, which is refused: %s", tc.value, name, diagsText(diags))
		}
	}
}

// Every control character and every whitespace character but the space is refused; every
// other character is allowed.
func TestNameValid_everyCharacter(t *testing.T) {
	t.Parallel()
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue // surrogates are no characters of a UTF-8 string
		}
		refuse := unicode.IsControl(r) || unicode.IsSpace(r) && r != ' ' || r == '\ufeff'
		if got := !nameCharsPattern.MatchString("a" + string(r) + "b"); got != refuse {
			t.Errorf("U+%04X: refused %v, want %v", r, got, refuse)
		}
	}
}

func TestNameValid_nullAndUnknownPass(t *testing.T) {
	t.Parallel()
	for _, validators := range [][]validator.String{serverTokenNameValidators(), serverTokenNamePrefixValidators()} {
		for _, v := range []basetypes.StringValue{types.StringNull(), types.StringUnknown()} {
			if diags := validateString(validators, path.Root("name"), v); diags.HasError() {
				t.Errorf("%v refused: %s", v, diagsText(diags))
			}
		}
	}
}

func TestDurationBetween_listLag(t *testing.T) {
	t.Parallel()
	validators := []validator.String{durationBetween(listLagBounds)}
	for _, tc := range []struct {
		value string
		ok    bool
	}{
		{"1s", true}, {"30s", true}, {"1h", true}, {"60m", true},
		{"999ms", false}, {"0s", false}, {"-30s", false}, {"1h0m1s", false}, {"24h", false},
		{"soon", true}, // not a duration: the attribute's type, timetypes.GoDurationType, refuses it
	} {
		diags := validateString(validators, path.Root("list_lag"), types.StringValue(tc.value))
		if diags.HasError() == tc.ok {
			t.Errorf("%q: errors %v, want ok %v", tc.value, diagsText(diags), tc.ok)
			continue
		}
		if !tc.ok && !strings.Contains(diagsText(diags), `list_lag must be a Go duration from 1s to 1h; got "`+tc.value+`"`) {
			t.Errorf("%q: %s", tc.value, diagsText(diags))
		}
	}
	for _, v := range []basetypes.StringValue{types.StringNull(), types.StringUnknown()} {
		if diags := validateString(validators, path.Root("list_lag"), v); diags.HasError() {
			t.Errorf("%v refused: %s", v, diagsText(diags))
		}
	}
}
