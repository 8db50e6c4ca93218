package provider

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// testJWT makes a JWT with claims and a made-up signature, which nobody here checks.
func testJWT(t *testing.T, claims any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"typ":"JWT","alg":"HS256"}`)) + "." + enc(payload) + "." + enc([]byte("signature"))
}

// customerLoginJWT is a BigCommerce "current customer" JWT for the customer id.
func customerLoginJWT(t *testing.T, customerID int64) string {
	return testJWT(t, map[string]any{
		"customer":   map[string]any{"id": customerID, "email": customerEmail, "group_id": "0"},
		"store_hash": testStoreHash,
		"operation":  "current_customer",
		"iss":        "bc/apps",
	})
}

// jwtTokenConfig is a b2b_storefront_token_by_jwt for jwt with the extra arguments.
func jwtTokenConfig(jwt string, extra ...string) string {
	return hclBlock(`ephemeral "b2b_storefront_token_by_jwt" "x"`, append([]string{fmt.Sprintf("jwt_token = %q", jwt)}, extra...)...)
}

var echoJWTResults = echoAttributes("ephemeral.b2b_storefront_token_by_jwt.x", "token", "expires_at")

// storefrontQuery checks the query of a GET /auth/storefront. It names the parameters but
// not their values: the JWT is a secret.
func storefrontQuery(c emulator.Call, want url.Values) error {
	got, err := url.ParseQuery(c.RawQuery)
	if err != nil {
		return err
	}
	if got.Encode() != want.Encode() {
		return fmt.Errorf("query has %d parameter(s) %v, want %v", len(got), parameterNames(got), parameterNames(want))
	}
	return nil
}

// parameterNames lists a query's parameters as "name=…", in name order.
func parameterNames(v url.Values) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(v)) {
		out = append(out, k+"=…")
	}
	return out
}

func TestAccEphemeralStorefrontTokenByJWT_sendsChannelAndStoreHash(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, withCustomers)
	authArg, _ := env.bootstrapAuthToken()
	jwt := customerLoginJWT(t, storefrontCustomer.ID)
	env.testEphemeral(t, resource.TestStep{
		// The provider's auth_token is never sent with X-Store-Hash, nor to this endpoint.
		Config: env.provider(authArg) + jwtTokenConfig(jwt, "channel_id = 2") + echoJWTResults,
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(echoAddr, echoed("token"), tokenWithClaims(map[string]any{
				"bc_customer_id": 42, "bc_channel_id": 2, "email": customerEmail,
			})),
			expiresAtOfToken{},
			onlyEcho{},
			secretAbsentFromState{jwt},
		},
		Check: func(*terraform.State) error {
			return env.checkCalls("GET /auth/storefront", func(c emulator.Call) error {
				if err := credentialHeaders(c, map[string]string{"X-Store-Hash": testStoreHash}); err != nil {
					return err
				}
				return storefrontQuery(c, url.Values{"jwtToken": {jwt}, "channelId": {"2"}})
			})
		},
	})
}

func TestAccEphemeralStorefrontTokenByJWT_sendsNoChannelWhenUnset(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, withCustomers)
	jwt := customerLoginJWT(t, storefrontCustomer.ID)
	env.testEphemeral(t, resource.TestStep{
		Config: env.provider() + jwtTokenConfig(jwt) + echoJWTResults,
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(echoAddr, echoed("token"), tokenWithClaims(map[string]any{"bc_customer_id": 42, "bc_channel_id": 1})),
			expiresAtOfToken{},
			onlyEcho{},
		},
		Check: func(*terraform.State) error {
			return env.checkCalls("GET /auth/storefront", func(c emulator.Call) error {
				return storefrontQuery(c, url.Values{"jwtToken": {jwt}})
			})
		},
	})
}

func TestAccEphemeralStorefrontTokenByJWT_refusesInvalidConfigurationBeforeTheAPI(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, withCustomers)
	unknownCustomer := customerLoginJWT(t, 999)
	env.testEphemeral(t, resource.TestStep{
		Config:      env.provider() + jwtTokenConfig("") + echoJWTResults,
		ExpectError: regexp.MustCompile(`Attribute jwt_token string length must be at least 1`),
	}, resource.TestStep{
		Config:      env.provider() + jwtTokenConfig("x.y.z", "channel_id = 0") + echoJWTResults,
		ExpectError: regexp.MustCompile(`Attribute channel_id value must be at least 1`),
	}, resource.TestStep{
		Config:      env.provider() + jwtTokenConfig(unknownCustomer) + echoJWTResults,
		ExpectError: regexp.MustCompile(`GET /auth/storefront: HTTP 400 Bad Request: Invalid JWT token\.`),
	})
	if n := env.emu.CallCount("GET /auth/storefront"); n != 1 {
		t.Errorf("want only the unknown customer's JWT to reach the API, got %d calls", n)
	}
}
