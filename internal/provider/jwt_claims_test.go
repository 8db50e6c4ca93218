package provider

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// jwtOf assembles a token from a raw payload text.
func jwtOf(payload string) string {
	return b64(`{"alg":"HS256","typ":"JWT"}`) + "." + b64(payload) + ".c2ln"
}

func TestJWTClaims_decodesThePayloadWithoutCheckingTheSignature(t *testing.T) {
	// The storefront token of BigCommerce's documentation.
	const documented = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6IjEyM0AxMi5jb20iLCJiY19jdXN0b21lcl9pZCI6MzEzLCJzdG9yZV9oYXNoIjoiaW1rOHp6N2ppcCIsImRiIjoiZGVmYXVsdCIsImJjX2NoYW5uZWxfaWQiOjEsImV4cCI6MTY5MDg1NDI5Mn0.97rY-1aGDFKtLbIePR5g202AHZJ0x2kDjmyzGVGK45"
	claims, err := jwtClaims(documented)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"email": "123@12.com", "bc_customer_id": json.Number("313"), "store_hash": "imk8zz7jip",
		"db": "default", "bc_channel_id": json.Number("1"), "exp": json.Number("1690854292"),
	}
	if len(claims) != len(want) {
		t.Errorf("claims %v, want %v", claims, want)
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if claims[k] != want[k] {
			t.Errorf("claim %s = %#v, want %#v", k, claims[k], want[k])
		}
	}

	for name, token := range map[string]string{
		"padded payload":          b64(`{}`) + "." + base64.URLEncoding.EncodeToString([]byte(`{"a":1}`)) + ".sig",
		"surrounding whitespace":  "\n " + jwtOf(`{"a":1}`) + "\n",
		"empty signature":         b64(`{}`) + "." + b64(`{"a":1}`) + ".",
		"big number keeps digits": jwtOf(`{"a":123456789012345678901234567890}`),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := jwtClaims(token); err != nil {
				t.Errorf("jwtClaims: %v", err)
			}
		})
	}
	big, _ := jwtClaims(jwtOf(`{"a":123456789012345678901234567890}`))
	if big["a"] != json.Number("123456789012345678901234567890") {
		t.Errorf("big number decoded as %#v", big["a"])
	}
}

func TestJWTClaims_notAJWTSaysWhyWithoutEchoingTheValue(t *testing.T) {
	const secretish = "S3cret-part"
	tests := map[string]struct{ token, reason string }{
		"empty":                {"", "it has 1 dot-separated part(s), a JWT has 3"},
		"one part":             {secretish, "it has 1 dot-separated part(s), a JWT has 3"},
		"two parts":            {"a." + secretish, "it has 2 dot-separated part(s), a JWT has 3"},
		"four parts":           {jwtOf(`{}`) + "." + secretish, "it has 4 dot-separated part(s)"},
		"payload not base64":   {"a." + secretish + "!.c", "payload (the second part) is not base64url-encoded"},
		"payload not JSON":     {"a." + b64(secretish) + ".c", "payload (the second part) is not a JSON object"},
		"payload an array":     {jwtOf(`["` + secretish + `"]`), "is not a JSON object"},
		"payload a string":     {jwtOf(`"` + secretish + `"`), "is not a JSON object"},
		"payload null":         {jwtOf(`null`), "is not a JSON object"},
		"payload trailing":     {jwtOf(`{"a":1} {"b":2}`), "has data after the JSON object"},
		"standard base64 (+/)": {"a." + base64.RawStdEncoding.EncodeToString([]byte(`{"k":"??>"}`)) + ".c", "not base64url-encoded"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := jwtClaims(tt.token)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "the value is not a JWT: ") || !strings.Contains(msg, tt.reason) {
				t.Errorf("error %q, want it to say it is not a JWT because %q", msg, tt.reason)
			}
			if strings.Contains(msg, secretish) || strings.Contains(msg, b64(secretish)) {
				t.Errorf("error %q echoes the value", msg)
			}
		})
	}
}

func TestJWTExpiresAt_isTheExpClaimInRFC3339OrNull(t *testing.T) {
	tests := map[string]struct {
		token string
		want  types.String
	}{
		"integer exp":          {jwtOf(`{"exp":1690854292}`), types.StringValue("2023-08-01T01:44:52Z")},
		"fractional exp":       {jwtOf(`{"exp":1690854292.75}`), types.StringValue("2023-08-01T01:44:52Z")},
		"exponent notation":    {jwtOf(`{"exp":1.690854292e9}`), types.StringValue("2023-08-01T01:44:52Z")},
		"no exp (S2S token)":   {jwtOf(`{"email":"a@example.com","store_hash":"abc123","db":"default"}`), types.StringNull()},
		"exp not a number":     {jwtOf(`{"exp":"tomorrow"}`), types.StringNull()},
		"exp out of range":     {jwtOf(`{"exp":1e300}`), types.StringNull()},
		"not a JWT":            {"opaque-token", types.StringNull()},
		"exp null":             {jwtOf(`{"exp":null}`), types.StringNull()},
		"exp before the epoch": {jwtOf(`{"exp":-1}`), types.StringValue("1969-12-31T23:59:59Z")},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := jwtExpiresAt(tt.token); !got.Equal(tt.want) {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
