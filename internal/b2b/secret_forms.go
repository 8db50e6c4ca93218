package b2b

import (
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"slices"
	"strings"
	"unicode/utf16"
)

// SecretForms are the forms in which a server may echo the secrets back, longest first, so
// that replacing each in turn leaves none of them (a shorter form is never replaced inside a
// longer one first). Empty secrets have none. For each secret:
//   - as it is;
//   - JSON-escaped as the client's request body carries it (encoding/json: `"` and `\`
//     escaped, <, > and & as \u003c \u003e \u0026, control characters, U+2028 and U+2029
//     as \uXXXX), and as a json.Encoder with SetEscapeHTML(false) writes it;
//   - JSON-escaped as other servers write it: only `"`, `\` and control characters (a
//     JavaScript server), or every non-ASCII character as \uXXXX too (Python's json.dumps,
//     which a Django server uses);
//   - URL-encoded, as a query (url.QueryEscape: a space is +) and as a path segment
//     (url.PathEscape: a space is %20);
//   - HTML-escaped, as Go writes it (html.EscapeString: &#34; &#39;) and as Python and Django
//     do (&quot; &#x27;);
//   - each JSON-escaped form JSON-escaped once more: a server that echoes the request body
//     inside its JSON reply, relayed by a gateway that wraps the reply it relays in a JSON
//     string of its own.
func SecretForms(secrets ...string) []string {
	var forms []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		goHTML := html.EscapeString(s)
		forms = append(forms, s, goHTML,
			strings.NewReplacer("&#34;", "&quot;", "&#39;", "&#x27;").Replace(goHTML),
			url.QueryEscape(s), url.PathEscape(s))
		inJSON := []string{goJSON(s, true), goJSON(s, false), jsonEscape(s, false), jsonEscape(s, true)}
		for _, f := range inJSON {
			forms = append(forms, f, goJSON(f, true), goJSON(f, false), jsonEscape(f, false))
		}
	}
	slices.SortFunc(forms, func(a, b string) int {
		if n := len(b) - len(a); n != 0 {
			return n
		}
		return strings.Compare(a, b)
	})
	return slices.Compact(slices.DeleteFunc(forms, func(f string) bool { return f == "" }))
}

// ScrubSecrets replaces every form of every secret in text (see [SecretForms]) with
// "(redacted)". Secrets shorter than 4 bytes are left: they would match ordinary text.
func ScrubSecrets(text string, secrets []string) string {
	long := slices.DeleteFunc(slices.Clone(secrets), func(s string) bool { return len(s) < minSecretLength })
	for _, f := range SecretForms(long...) {
		text = strings.ReplaceAll(text, f, "(redacted)")
	}
	return text
}

// goJSON is s as encoding/json writes it inside a JSON string, with or without its HTML
// escaping.
func goJSON(s string, escapeHTML bool) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	if enc.Encode(s) != nil {
		return ""
	}
	quoted := strings.TrimSuffix(b.String(), "\n")
	return quoted[1 : len(quoted)-1]
}

// jsonEscape is s inside a JSON string as JavaScript's JSON.stringify writes it (only `"`,
// `\` and control characters escaped), or, with asciiOnly, as Python's json.dumps does
// (every character past ASCII as \uXXXX, in UTF-16).
func jsonEscape(s string, asciiOnly bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20, asciiOnly && r > 0x7f && r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		case asciiOnly && r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, hi, lo)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
