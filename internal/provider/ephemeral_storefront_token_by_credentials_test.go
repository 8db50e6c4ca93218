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

// credentialsTokenConfig is a valid b2b_storefront_token_by_credentials with the extra
// arguments.
func credentialsTokenConfig(extra ...string) string {
	return hclBlock(`ephemeral "b2b_storefront_token_by_credentials" "x"`, append([]string{
		fmt.Sprintf("email      = %q", customerEmail),
		fmt.Sprintf("password   = %q", customerPassword),
		"channel_id = 1",
		`name       = "storefront-ci"`,
	}, extra...)...)
}

// The password is an argument; only the results are echoed.
var echoCredentialsResults = echoAttributes("ephemeral.b2b_storefront_token_by_credentials.x", "token", "expires_at", "store_hash")

func TestAccEphemeralStorefrontTokenByCredentials_sendsValidityWindowAndNoCredential(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, withCustomers)
	authArg, _ := env.bootstrapAuthToken()
	begin, end := int64(1700000000), int64(2000000000)
	env.testEphemeral(t, resource.TestStep{
		// An auth_token in the provider is not sent: this endpoint takes none.
		Config: env.provider(authArg) +
			credentialsTokenConfig(fmt.Sprintf("begin_at = %d", begin), fmt.Sprintf("end_at = %d", end)) +
			echoCredentialsResults,
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
	})
}

func TestAccEphemeralStorefrontTokenByCredentials_sendsAccessTokenWithStoreHash(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, withCustomers)
	env.testEphemeral(t, resource.TestStep{
		Config: env.provider(fmt.Sprintf("access_token = %q", storeLevelAccessToken)) +
			credentialsTokenConfig(fmt.Sprintf("store_hash = %q", testStoreHash)) +
			echoCredentialsResults,
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
	})
}

func TestAccEphemeralStorefrontTokenByCredentials_refusesInvalidConfigurationBeforeTheAPI(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, withCustomers)
	config := func(args ...string) string {
		return env.provider() + hclBlock(`ephemeral "b2b_storefront_token_by_credentials" "x"`, args...) + echoCredentialsResults
	}
	validWith := func(extra ...string) string {
		return env.provider() + credentialsTokenConfig(extra...) + echoCredentialsResults
	}
	email := fmt.Sprintf("email = %q", customerEmail)
	env.testEphemeral(t, resource.TestStep{
		Config:      config(`email = "not-an-email"`, `password = "p"`, "channel_id = 1", `name = "n"`),
		ExpectError: regexp.MustCompile(`Attribute email must be an email address`),
	}, resource.TestStep{
		Config:      config(email, `password = "p"`, "channel_id = 1", `name = ""`),
		ExpectError: regexp.MustCompile(`Attribute name string length must be at least 1`),
	}, resource.TestStep{
		Config:      validWith(`store_hash = "ABC-123"`),
		ExpectError: regexp.MustCompile(`Attribute store_hash must be a BigCommerce store hash`),
	}, resource.TestStep{
		Config:      config(email, `password = "p"`, "channel_id = 0", `name = "n"`),
		ExpectError: regexp.MustCompile(`Attribute channel_id value must be at least 1`),
	}, resource.TestStep{
		Config:      validWith("begin_at = 2000", "end_at = 1000"),
		ExpectError: regexp.MustCompile(`Attribute end_at value must be at least sum of`),
	}, resource.TestStep{
		Config:      config(email, `password = "Wrong-S3cret"`, "channel_id = 1", `name = "n"`),
		ExpectError: regexp.MustCompile(`(?s)POST /auth/customers: HTTP 400 Bad Request: The email or password you\s+have\s+entered\s+is\s+incorrect`),
	})
	if n := env.emu.CallCount("POST /auth/customers"); n != 1 {
		t.Errorf("want only the wrong password to reach the API, got %d calls", n)
	}
}

func TestAccEphemeralStorefrontTokenByCredentials_needsAStoreHash(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, withCustomers)
	env.testEphemeral(t, resource.TestStep{
		Config:      fmt.Sprintf("provider \"b2b\" {\n  api_url = %q\n}\n", env.url) + credentialsTokenConfig() + echoCredentialsResults,
		ExpectError: regexp.MustCompile(`(?s)Missing store hash.*store_hash`),
	})
}
