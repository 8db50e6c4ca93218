package provider

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// Fuzz targets of JWT decoding. `go test` runs them on their seeds (f.Add and
// testdata/fuzz/); `go test -fuzz=FuzzJWTClaims -fuzztime=60s ./internal/provider/` explores.

// notJWTMessage is every error text jwtClaims may produce: fixed reasons only, so that an
// error can never echo the token.
var notJWTMessage = regexp.MustCompile(`^the value is not a JWT: (` +
	`it has [0-9]+ dot-separated part\(s\), a JWT has 3 \(header\.payload\.signature\)` +
	`|its payload \(the second part\) is not base64url-encoded` +
	`|its payload \(the second part\) is not a JSON object` +
	`|its payload \(the second part\) has data after the JSON object)$`)

func addJWTSeeds(f *testing.F) {
	for _, s := range []string{
		"eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6IjEyM0AxMi5jb20iLCJiY19jdXN0b21lcl9pZCI6MzEzLCJzdG9yZV9oYXNoIjoiaW1rOHp6N2ppcCIsImRiIjoiZGVmYXVsdCIsImJjX2NoYW5uZWxfaWQiOjEsImV4cCI6MTY5MDg1NDI5Mn0.97rY-1aGDFKtLbIePR5g202AHZJ0x2kDjmyzGVGK45",
		jwtOf(`{"email":"a@example.com","store_hash":"abc123","db":"default"}`),
		jwtOf(`{"exp":1.690854292e9,"nbf":-1,"channel_ids":[1,2,{"x":null}],"big":123456789012345678901234567890}`),
		jwtOf(`{"exp":1e300}`),
		jwtOf(`{"a":1} {"b":2}`),
		jwtOf(`{"a":1}   `),
		jwtOf(`{"\u00e9":"\ud800"}`),
		jwtOf(`null`),
		jwtOf(`[]`),
		"a.b.c", "..", "", "a.!.c", "opaque-token", " \n" + jwtOf(`{}`) + "\t",
		b64(`{}`) + "." + base64.URLEncoding.EncodeToString([]byte(`{"a":1}`)) + ".sig",
	} {
		f.Add(s)
	}
}

// FuzzJWTClaims: jwtClaims and jwtExpiresAt never panic; an error is one of the fixed
// "not a JWT" texts; decoded claims are a JSON object whose re-encoding decodes to the same
// claims; and the token_claims conversion of claims never panics.
func FuzzJWTClaims(f *testing.F) {
	addJWTSeeds(f)
	f.Fuzz(func(t *testing.T, token string) {
		expiresAt := jwtExpiresAt(token)
		claims, err := jwtClaims(token)
		if err != nil {
			var notJWT *notJWTError
			if !errors.As(err, &notJWT) || !notJWTMessage.MatchString(err.Error()) {
				t.Fatalf("error %T %q is not one of the fixed not-a-JWT texts", err, err)
			}
			if !expiresAt.IsNull() {
				t.Fatalf("expires_at %s for a value that is not a JWT", expiresAt)
			}
			return
		}
		if claims == nil {
			t.Fatal("nil claims without an error")
		}
		assertClaimsRoundTrip(t, claims)
		_, _ = claimValue(claims)
	})
}

// FuzzJWTClaimsPayload builds a JWT around an arbitrary payload: a payload that is one JSON
// object decodes to exactly the claims that JSON holds (numbers as written), anything else
// is refused as not a JWT.
func FuzzJWTClaimsPayload(f *testing.F) {
	for _, p := range []string{
		`{}`, `{"email":"a@example.com","bc_customer_id":313,"exp":1690854292}`,
		`{"n":-0.5e-3,"s":"\u2028","a":[true,false,null],"o":{"k":{}}}`,
		`{"dup":1,"dup":2}`, `{"a":1}{"b":2}`, `{"a":1} `, `[1]`, `"x"`, `null`, `{`, ``,
		"{\"bad utf8\":\"\xff\"}",
	} {
		f.Add([]byte(p), true)
		f.Add([]byte(p), false)
	}
	f.Fuzz(func(t *testing.T, payload []byte, padded bool) {
		encoded := base64.RawURLEncoding.EncodeToString(payload)
		if padded {
			encoded = base64.URLEncoding.EncodeToString(payload)
		}
		token := b64(`{"alg":"HS256","typ":"JWT"}`) + "." + encoded + ".c2ln"
		claims, err := jwtClaims(token)

		want, isObject := decodeOneObject(payload)
		if !isObject {
			if err == nil {
				t.Fatalf("payload %q is not one JSON object, but decoded to %v", payload, claims)
			}
			if !notJWTMessage.MatchString(err.Error()) {
				t.Fatalf("error %q is not one of the fixed not-a-JWT texts", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("payload %q is a JSON object, but: %v", payload, err)
		}
		if !reflect.DeepEqual(claims, want) {
			t.Fatalf("claims %#v, want %#v", claims, want)
		}
		assertClaimsRoundTrip(t, claims)
		if _, err := claimValue(claims); err != nil && !strings.Contains(err.Error(), "number") {
			t.Fatalf("claims of a JSON object cannot be converted: %v", err)
		}
		_ = jwtExpiresAt(token)
	})
}

// decodeOneObject is the reference decoding: exactly one JSON object, numbers kept as text.
func decodeOneObject(payload []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil || v == nil {
		return nil, false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, false
	}
	return v, true
}

// assertClaimsRoundTrip re-encodes claims and decodes them again: the same claims.
func assertClaimsRoundTrip(t *testing.T, claims map[string]any) {
	t.Helper()
	encoded, err := json.Marshal(claims)
	if err != nil {
		t.Fatalf("claims %#v do not encode: %v", claims, err)
	}
	again, ok := decodeOneObject(encoded)
	if !ok {
		t.Fatalf("re-encoded claims %s do not decode", encoded)
	}
	if !reflect.DeepEqual(again, claims) {
		t.Fatalf("claims %#v re-decode as %#v", claims, again)
	}
}
