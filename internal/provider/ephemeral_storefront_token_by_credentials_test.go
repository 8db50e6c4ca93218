package provider

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

func credentialsTokenConfig(extra ...string) string {
	body := fmt.Sprintf("  email      = %q\n  password   = %q\n  channel_id = 1\n  name       = \"storefront-ci\"\n", customerEmail, customerPassword)
	for _, line := range extra {
		body += "  " + line + "\n"
	}
	return "ephemeral \"b2b_storefront_token_by_credentials\" \"x\" {\n" + body + "}\n"
}

// The password is an argument; only the results are echoed, so that state would show the
// password only if the provider put it there.
const echoCredentialsResults = `{
    token      = ephemeral.b2b_storefront_token_by_credentials.x.token
    expires_at = ephemeral.b2b_storefront_token_by_credentials.x.expires_at
    store_hash = ephemeral.b2b_storefront_token_by_credentials.x.store_hash
  }`

func TestAccEphemeralStorefrontTokenByCredentials_validityWindowAndNoCredential(t *testing.T) {
	env := newAccEnv(t, withCustomers)
	authArg, _ := env.bootstrapAuthToken()
	begin, end := int64(1700000000), int64(2000000000)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersions,
		ProtoV6ProviderFactories: env.echoFactories(),
		Steps: []resource.TestStep{{
			// An auth_token in the provider is not sent: this endpoint takes none.
			Config: env.provider(authArg) +
				credentialsTokenConfig(fmt.Sprintf("begin_at = %d", begin), fmt.Sprintf("end_at = %d", end)) +
				echoConfig(echoCredentialsResults),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(echoAddr, echoed("token"), tokenWithClaims(map[string]any{
					"email": customerEmail, "name": "storefront-ci", "store_hash": testStoreHash,
					"channel_ids": []any{float64(1)}, "nbf": float64(begin), "exp": float64(end),
				})),
				statecheck.ExpectKnownValue(echoAddr, echoed("expires_at"),
					knownvalue.StringExact(time.Unix(end, 0).UTC().Format(time.RFC3339))),
				statecheck.ExpectKnownValue(echoAddr, echoed("store_hash"), knownvalue.StringExact(testStoreHash)),
				onlyEcho{},
				secretAbsentFromState{customerPassword},
			},
			Check: func(*terraform.State) error {
				return env.checkCalls("POST /auth/customers", func(c emulator.Call) error {
					if err := credentialHeaders(c, nil); err != nil {
						return err
					}
					return jsonBody(c, fmt.Sprintf(`{"storeHash":%q,"email":%q,"password":%q,"channelId":1,"name":"storefront-ci","beginAt":%d,"endAt":%d}`,
						testStoreHash, customerEmail, customerPassword, begin, end))
				})
			},
		}},
	})
}

func TestAccEphemeralStorefrontTokenByCredentials_accessToken(t *testing.T) {
	env := newAccEnv(t, withCustomers)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersions,
		ProtoV6ProviderFactories: env.echoFactories(),
		Steps: []resource.TestStep{{
			Config: env.provider(fmt.Sprintf("access_token = %q", storeLevelAccessToken)) +
				credentialsTokenConfig(fmt.Sprintf("store_hash = %q", testStoreHash)) +
				echoConfig(echoCredentialsResults),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(echoAddr, echoed("token"), tokenWithClaims(map[string]any{"email": customerEmail, "token_type": float64(3)})),
				expiresAtOfToken{},
				onlyEcho{},
				secretAbsentFromState{customerPassword},
			},
			Check: func(*terraform.State) error {
				return env.checkCalls("POST /auth/customers", func(c emulator.Call) error {
					if err := credentialHeaders(c, map[string]string{"X-Auth-Token": storeLevelAccessToken, "X-Store-Hash": testStoreHash}); err != nil {
						return err
					}
					return jsonBody(c, fmt.Sprintf(`{"storeHash":%q,"email":%q,"password":%q,"channelId":1,"name":"storefront-ci"}`,
						testStoreHash, customerEmail, customerPassword))
				})
			},
		}},
	})
}

func TestAccEphemeralStorefrontTokenByCredentials_errors(t *testing.T) {
	env := newAccEnv(t, withCustomers)
	echo := echoConfig(echoCredentialsResults)
	config := func(args string) string {
		return env.provider() + "ephemeral \"b2b_storefront_token_by_credentials\" \"x\" {\n" + args + "\n}\n" + echo
	}
	valid := fmt.Sprintf("email = %q\npassword = %q\nchannel_id = 1\nname = \"n\"\n", customerEmail, customerPassword)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersions,
		ProtoV6ProviderFactories: env.echoFactories(),
		Steps: []resource.TestStep{{
			Config:      config(`email = "not-an-email"` + "\n" + `password = "p"` + "\nchannel_id = 1\nname = \"n\""),
			ExpectError: regexp.MustCompile(`Attribute email must be an email address`),
		}, {
			Config:      config(fmt.Sprintf("email = %q\npassword = \"p\"\nchannel_id = 1\nname = \"\"", customerEmail)),
			ExpectError: regexp.MustCompile(`Attribute name string length must be at least 1`),
		}, {
			Config:      config(valid + `store_hash = "ABC-123"`),
			ExpectError: regexp.MustCompile(`Attribute store_hash must be a BigCommerce store hash`),
		}, {
			Config:      config(fmt.Sprintf("email = %q\npassword = \"p\"\nchannel_id = 0\nname = \"n\"", customerEmail)),
			ExpectError: regexp.MustCompile(`Attribute channel_id value must be at least 1`),
		}, {
			Config:      config(valid + "begin_at = 2000\nend_at = 1000"),
			ExpectError: regexp.MustCompile(`Attribute end_at value must be at least sum of`),
		}, {
			Config:      config(fmt.Sprintf("email = %q\npassword = \"Wrong-S3cret\"\nchannel_id = 1\nname = \"n\"", customerEmail)),
			ExpectError: regexp.MustCompile(`(?s)POST /auth/customers: HTTP 400 Bad Request: The email or password you\s+have\s+entered\s+is\s+incorrect`),
		}},
	})
	if n := env.emu.CallCount("POST /auth/customers"); n != 1 {
		t.Errorf("want only the wrong password to reach the API, got %d calls", n)
	}
}

func TestAccEphemeralStorefrontTokenByCredentials_missingStoreHash(t *testing.T) {
	env := newAccEnv(t, withCustomers)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersions,
		ProtoV6ProviderFactories: env.echoFactories(),
		Steps: []resource.TestStep{{
			Config:      fmt.Sprintf("provider \"b2b\" {\n  api_url = %q\n}\n", env.url) + credentialsTokenConfig() + echoConfig(echoCredentialsResults),
			ExpectError: regexp.MustCompile(`(?s)Missing store hash.*store_hash`),
		}},
	})
}
