package provider

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
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

func jwtTokenConfig(jwt string, extra ...string) string {
	body := fmt.Sprintf("  jwt_token = %q\n", jwt)
	for _, line := range extra {
		body += "  " + line + "\n"
	}
	return "ephemeral \"b2b_storefront_token_by_jwt\" \"x\" {\n" + body + "}\n"
}

const echoJWTResults = `{
    token      = ephemeral.b2b_storefront_token_by_jwt.x.token
    expires_at = ephemeral.b2b_storefront_token_by_jwt.x.expires_at
  }`

// storefrontQuery checks the query of a GET /auth/storefront.
func storefrontQuery(c emulator.Call, want url.Values) error {
	got, err := url.ParseQuery(c.RawQuery)
	if err != nil {
		return err
	}
	if got.Encode() != want.Encode() {
		return fmt.Errorf("query has %d parameter(s) %v, want %v", len(got), keys(got), keys(want))
	}
	return nil
}

func keys(v url.Values) []string {
	var out []string
	for k := range v {
		out = append(out, k+"=…")
	}
	return out
}

func TestAccEphemeralStorefrontTokenByJWT_channelAndStoreHash(t *testing.T) {
	env := newAccEnv(t, withCustomers)
	authArg, _ := env.bootstrapAuthToken()
	jwt := customerLoginJWT(t, storefrontCustomer.ID)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersions,
		ProtoV6ProviderFactories: env.echoFactories(),
		Steps: []resource.TestStep{{
			// The provider's auth_token is never sent with X-Store-Hash, nor to this endpoint.
			Config: env.provider(authArg) + jwtTokenConfig(jwt, "channel_id = 2") + echoConfig(echoJWTResults),
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
		}},
	})
}

func TestAccEphemeralStorefrontTokenByJWT_noChannelSendsNone(t *testing.T) {
	env := newAccEnv(t, withCustomers)
	jwt := customerLoginJWT(t, storefrontCustomer.ID)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersions,
		ProtoV6ProviderFactories: env.echoFactories(),
		Steps: []resource.TestStep{{
			Config: env.provider() + jwtTokenConfig(jwt) + echoConfig(echoJWTResults),
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
		}},
	})
}

func TestAccEphemeralStorefrontTokenByJWT_errors(t *testing.T) {
	env := newAccEnv(t, withCustomers)
	echo := echoConfig(echoJWTResults)
	unknownCustomer := customerLoginJWT(t, 999)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersions,
		ProtoV6ProviderFactories: env.echoFactories(),
		Steps: []resource.TestStep{{
			Config:      env.provider() + jwtTokenConfig("") + echo,
			ExpectError: regexp.MustCompile(`Attribute jwt_token string length must be at least 1`),
		}, {
			Config:      env.provider() + jwtTokenConfig("x.y.z", "channel_id = 0") + echo,
			ExpectError: regexp.MustCompile(`Attribute channel_id value must be at least 1`),
		}, {
			Config:      env.provider() + jwtTokenConfig(unknownCustomer) + echo,
			ExpectError: regexp.MustCompile(`GET /auth/storefront: HTTP 400 Bad Request: Invalid JWT token\.`),
		}},
	})
	if n := env.emu.CallCount("GET /auth/storefront"); n != 1 {
		t.Errorf("want only the unknown customer's JWT to reach the API, got %d calls", n)
	}
}
