package emulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"
)

var storeHeaders = hdr{"X-Auth-Token": storeToken, "X-Store-Hash": "abc123"}

func num(n int64) json.Number { return json.Number(fmt.Sprint(n)) }

func expectClaims(t *testing.T, got map[string]any, want map[string]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("claims %v, want keys %v", got, keys(want))
	}
	for k, v := range want {
		if fmt.Sprint(got[k]) != fmt.Sprint(v) {
			t.Errorf("claim %s = %v, want %v", k, got[k], v)
		}
	}
}

func TestCustomerStorefrontToken(t *testing.T) {
	f := newFixture(t)
	exp := f.clock.Now().Add(24 * time.Hour).Unix()

	r := f.do("POST", "/auth/customers/storefront", storeHeaders, `{"customerId": 7}`)
	expectStatus(t, r, 200)
	var d struct{ Token []string }
	r.data(t, &d)
	if len(d.Token) != 1 || r.env.Meta.Message != "SUCCESS" {
		t.Fatalf("reply %s", r.raw)
	}
	expectClaims(t, decodeJWT(t, f.srv, d.Token[0]), map[string]any{
		"email": "buyer@example.com", "bc_customer_id": 7, "store_hash": "abc123", "db": "default", "bc_channel_id": 1, "exp": exp,
	})

	for _, body := range []string{
		`{"customerId": 8, "channelId": 2, "customerAccessToken": {"value": "cat", "expires_at": "2024-12-31T00:00:00.0Z"}}`,
		`{"customerId": 8, "channelId": 2, "customerAccessToken": {"value": "cat", "expiresAt": 1735603200}}`,
	} {
		r = f.do("POST", "/auth/customers/storefront", storeHeaders, body)
		expectStatus(t, r, 200)
		r.data(t, &d)
		if c := decodeJWT(t, f.srv, d.Token[0]); fmt.Sprint(c["bc_channel_id"]) != "2" || fmt.Sprint(c["bc_customer_id"]) != "8" {
			t.Fatalf("claims %v", c)
		}
	}

	expectError(t, f.do("POST", "/auth/customers/storefront", storeHeaders, `{"customerId": 404}`), 404, "Customer not found.", "Not Found Error")
	// Customer 8 belongs to channel 2 only.
	expectError(t, f.do("POST", "/auth/customers/storefront", storeHeaders, `{"customerId": 8}`), 404, "Customer not found.", "Not Found Error")
	expectError(t, f.do("POST", "/auth/customers/storefront", storeHeaders, `{"channelId": 1}`), 400,
		map[string][]string{"customerId": {"This field is required."}}, "Parameter Error")
	expectError(t, f.do("POST", "/auth/customers/storefront", storeHeaders, `{"customerId": "7", "channelId": "x", "customerAccessToken": "cat"}`), 400,
		map[string][]string{"customerId": {msgNotInteger}, "channelId": {msgNotInteger}, "customerAccessToken": {msgNotObject}}, "Parameter Error")
}

func TestCredentialsToken(t *testing.T) {
	f := newFixture(t)
	now := f.clock.Now().Unix()
	body := map[string]any{"storeHash": "abc123", "email": "buyer@example.com", "password": "buyer-pw", "channelId": 1, "name": "sf"}

	for _, h := range []hdr{nil, storeHeaders} {
		r := f.do("POST", "/auth/customers", h, mustJSON(body))
		expectStatus(t, r, 200)
		var d map[string]string
		r.data(t, &d)
		if len(d) != 2 || d["name"] != "sf" {
			t.Fatalf("data %s", r.env.Data)
		}
		expectClaims(t, decodeJWT(t, f.srv, d["token"]), map[string]any{
			"email": "buyer@example.com", "store_hash": "abc123", "db": "default", "name": "sf",
			"channel_ids": []any{num(1)}, "token_type": 3, "nbf": now, "exp": now + 86400,
		})
	}

	body["beginAt"], body["endAt"] = 1000, 2001
	r := f.do("POST", "/auth/customers", nil, mustJSON(body))
	var d nameToken
	r.data(t, &d)
	if c := decodeJWT(t, f.srv, d.Token); fmt.Sprintf("%v %v", c["nbf"], c["exp"]) != "1000 2001" {
		t.Fatalf("claims %v", c)
	}

	expectStatus(t, f.do("POST", "/auth/customers", hdr{"X-Auth-Token": storeToken}, mustJSON(body)), 500)
	expectUnauthorized(t, f.do("POST", "/auth/customers", hdr{"X-Auth-Token": "x", "X-Store-Hash": "abc123"}, mustJSON(body)), 401, "Invalid token.")

	bad := "The email or password you have entered is incorrect. Please try again."
	for k, v := range map[string]any{"password": "nope", "email": "nobody@example.com", "storeHash": "zzz"} {
		b := map[string]any{"storeHash": "abc123", "email": "buyer@example.com", "password": "buyer-pw", "channelId": 1, "name": "sf"}
		b[k] = v
		expectError(t, f.do("POST", "/auth/customers", nil, mustJSON(b)), 400, bad, "API logic error")
	}
	// Customer 8 cannot log in on channel 1.
	b := map[string]any{"storeHash": "abc123", "email": "second@example.com", "password": "second-pw", "channelId": 1, "name": "sf"}
	expectError(t, f.do("POST", "/auth/customers", nil, mustJSON(b)), 400, bad, "API logic error")

	expectError(t, f.do("POST", "/auth/customers", nil, `{"storeHash":"abc123","email":"buyer@example.com","password":"buyer-pw","beginAt":"soon"}`), 400,
		map[string][]string{"channelId": {msgRequired}, "name": {msgRequired}, "beginAt": {msgNotInteger}}, "Parameter Error")
}

func customerJWT(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"typ":"JWT","alg":"HS256"}`)) + "." + enc([]byte(payload)) + ".c2lnbmF0dXJl"
}

func TestStorefrontFromJWT(t *testing.T) {
	f := newFixture(t)
	good := customerJWT(`{"customer":{"id":7,"email":"buyer@example.com","group_id":"0"},"store_hash":"abc123","operation":"current_customer"}`)

	r := f.do("GET", "/auth/storefront?jwtToken="+url.QueryEscape(good), nil, "")
	expectStatus(t, r, 200)
	var d map[string]string
	r.data(t, &d)
	if len(d) != 1 {
		t.Fatalf("data %s", r.env.Data)
	}
	expectClaims(t, decodeJWT(t, f.srv, d["token"]), map[string]any{
		"email": "buyer@example.com", "bc_customer_id": 7, "store_hash": "abc123", "db": "default", "bc_channel_id": 1,
		"exp": f.clock.Now().Add(24 * time.Hour).Unix(),
	})

	second := customerJWT(`{"customer":{"id":8}}`)
	r = f.do("GET", "/auth/storefront?channelId=2&jwtToken="+second, hdr{"X-Store-Hash": "abc123"}, "")
	expectStatus(t, r, 200)
	r.data(t, &d)
	if c := decodeJWT(t, f.srv, d["token"]); fmt.Sprint(c["bc_channel_id"]) != "2" {
		t.Fatalf("claims %v", c)
	}

	expectError(t, f.do("GET", "/auth/storefront", nil, ""), 400, map[string][]string{"jwtToken": {msgRequired}}, "Parameter Error")
	expectError(t, f.do("GET", "/auth/storefront?jwtToken="+good+"&channelId=x", nil, ""), 400, "channelId must be an integer", "Parameter Error")
	for _, tok := range []string{
		"not-a-jwt",
		"a.b.c",
		customerJWT(`{"customer":{"id":"7"}}`),
		customerJWT(`{"customer":{"id":999}}`),
		customerJWT(`{"store_hash":"abc123"}`),
		customerJWT(`{"customer":{"id":7},"store_hash":"otherstore"}`),
		second, // channel 1 by default: customer 8 is not on it
	} {
		expectError(t, f.do("GET", "/auth/storefront?jwtToken="+url.QueryEscape(tok), nil, ""), 400, "Invalid JWT token.", "API logic error")
	}
}
