package b2b

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// escapedPassword is a password that every escaping changes: a quote, a backslash, HTML's
// three, an apostrophe, a line separator, a letter past ASCII and one past the BMP.
const escapedPassword = `Pa"ss<w>rd&\x'` + "\u2028é\U0001F600"

// A server that echoes the request body shows the password as encoding/json escaped it;
// others echo it as their own JSON writer, URL-encoded or HTML-escaped. No form reaches an
// error.
func TestErrorsScrubEveryEscapedFormOfASecret(t *testing.T) {
	const password = escapedPassword
	goJSONNoHTML := func([]byte) string {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(password)
		return b.String()
	}
	echoes := map[string]func(body []byte) string{
		"raw body (JSON-escaped, HTML-escaped)": func(body []byte) string { return string(body) },
		"as sent":                               func([]byte) string { return password },
		"JSON without HTML escaping":            goJSONNoHTML,
		// JSON.stringify escapes neither HTML nor U+2028; Python's json.dumps escapes every
		// character past ASCII, in UTF-16.
		"JSON as JavaScript writes it": func([]byte) string { return `"Pa\"ss<w>rd&\\x'` + "\u2028é\U0001F600" + `"` },
		"JSON as Python writes it":     func([]byte) string { return `"Pa\"ss<w>rd&\\x'\u2028\u00e9\ud83d\ude00"` },
		// A gateway that relays the echoing server's reply inside a JSON string of its own:
		// the body's escapes escaped once more.
		"raw body inside a gateway's JSON string": func(body []byte) string { return goJSON(string(body), true) },
		"JSON as JavaScript writes it, twice":     func([]byte) string { return jsonEscape(jsonEscape(password, false), false) },
		"query-escaped":                           func([]byte) string { return url.QueryEscape(password) },
		"path-escaped":                            func([]byte) string { return url.PathEscape(password) },
		"HTML-escaped as Go does":                 func([]byte) string { return html.EscapeString(password) },
		"HTML-escaped as Django does": func([]byte) string {
			return "Pa&quot;ss&lt;w&gt;rd&amp;\\x&#x27;\u2028é\U0001F600"
		},
	}
	for name, echo := range echoes {
		t.Run(name, func(t *testing.T) {
			var shown string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				shown = echo(body)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				msg, _ := json.Marshal("invalid credentials for " + shown)
				category, _ := json.Marshal("Bad Request: " + shown)
				_, _ = w.Write([]byte(`{"code":400,"data":{"errMsg":` + string(msg) + `},"meta":{"message":` + string(category) + `}}`))
			}))
			defer srv.Close()
			c, err := New(Config{BaseURL: srv.URL, StoreHash: "abc123", NoRetries: true})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.CreateServerToken(context.Background(), CreateServerTokenRequest{
				StoreHash: "abc123", Email: "owner@example.com", Password: password, Name: "ci"})
			if err == nil {
				t.Fatal("the create succeeded")
			}
			if !strings.Contains(shown, "Pa") || strings.Contains(shown, "(redacted)") {
				t.Fatalf("the server echoed %q: the test proves nothing", shown)
			}
			for _, form := range append(SecretForms(password), strings.Trim(strings.TrimSpace(shown), `"`)) {
				if strings.Contains(err.Error(), form) {
					t.Errorf("the error shows the password as %q: %v", form, err)
				}
			}
			if strings.Count(err.Error(), "(redacted)") != 2 {
				t.Errorf("the error does not show where the password was, in the message and the category: %v", err)
			}
		})
	}
}

// The provider's scrub is ScrubSecrets too: every form of every secret goes, the longest
// first, and secrets too short to tell from ordinary text stay.
func TestScrubSecretsTakesEveryFormLongestFirst(t *testing.T) {
	const token = "tok-<1>"
	text := "password " + url.QueryEscape(escapedPassword) + ", token " + goJSON(token, true) +
		" in " + goJSON(escapedPassword+token, true) + "; pin abc, key abc"
	got := ScrubSecrets(text, []string{escapedPassword, token, escapedPassword + token, "abc", ""})
	if want := "password (redacted), token (redacted) in (redacted); pin abc, key abc"; got != want {
		t.Errorf("ScrubSecrets = %q\nwant          %q", got, want)
	}
}

func TestSecretFormsAreLongestFirstAndDistinct(t *testing.T) {
	forms := SecretForms("plain-value", "", escapedPassword)
	seen := map[string]bool{}
	for i, f := range forms {
		if f == "" || seen[f] {
			t.Errorf("form %d %q is empty or repeated", i, f)
		}
		seen[f] = true
		if i > 0 && len(f) > len(forms[i-1]) {
			t.Errorf("form %q is longer than the one before it, %q", f, forms[i-1])
		}
	}
	for _, want := range []string{"plain-value", escapedPassword, goJSON(escapedPassword, true), goJSON(escapedPassword, false),
		jsonEscape(escapedPassword, true), url.QueryEscape(escapedPassword), url.PathEscape(escapedPassword), html.EscapeString(escapedPassword)} {
		if !seen[want] {
			t.Errorf("no form %q", want)
		}
	}
	if len(SecretForms("")) != 0 {
		t.Error("an empty secret has forms")
	}
}
