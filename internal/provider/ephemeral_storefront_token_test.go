package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

func storefrontTokenConfig(args ...string) string {
	return hclBlock(`ephemeral "b2b_storefront_token" "x"`, args...)
}

var echoStorefrontResults = echoAttributes("ephemeral.b2b_storefront_token.x", "token", "expires_at", "channel_id")

func TestAccEphemeralStorefrontToken_sendsAccessTokenChannelAndCustomerAccessToken(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, withCustomers)
	env.testEphemeral(t, resource.TestStep{
		Config: env.provider(fmt.Sprintf("access_token = %q", storeLevelAccessToken)) +
			storefrontTokenConfig("customer_id = 42", "channel_id  = 2", `customer_access_token = {
    value      = "cat-S3cret-value"
    expires_at = "2030-12-31T00:00:00Z"
  }`) + echoStorefrontResults,
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(echoAddr, echoed("token"), tokenWithClaims(map[string]any{
				"bc_customer_id": 42, "bc_channel_id": 2, "email": customerEmail, "store_hash": testStoreHash,
			})),
			statecheck.ExpectKnownValue(echoAddr, echoed("channel_id"), knownvalue.Int64Exact(2)),
			expiresAtOfToken{},
			onlyEcho{},
			secretAbsentFromState{"cat-S3cret-value"},
			secretAbsentFromState{storeLevelAccessToken},
		},
		Check: func(*terraform.State) error {
			return env.checkCalls("POST /auth/customers/storefront", func(c emulator.Call) error {
				if err := credentialHeaders(c, map[string]string{"X-Auth-Token": storeLevelAccessToken, "X-Store-Hash": testStoreHash}); err != nil {
					return err
				}
				return jsonBody(c, `{"customerId":42,"channelId":2,"customerAccessToken":{"value":"cat-S3cret-value","expires_at":"2030-12-31T00:00:00Z"}}`)
			})
		},
	})
}

func TestAccEphemeralStorefrontToken_fallsBackToAuthTokenAndChannelOne(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, withCustomers)
	authArg, bootstrap := env.bootstrapAuthToken()
	env.testEphemeral(t, resource.TestStep{
		Config: env.provider(authArg) + storefrontTokenConfig("customer_id = 42") + echoStorefrontResults,
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(echoAddr, echoed("token"), tokenWithClaims(map[string]any{"bc_customer_id": 42, "bc_channel_id": 1})),
			statecheck.ExpectKnownValue(echoAddr, echoed("channel_id"), knownvalue.Int64Exact(1)),
			statecheck.ExpectKnownValue(echoAddr, echoed("expires_at"), knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`))),
			expiresAtOfToken{},
			onlyEcho{},
		},
		Check: func(*terraform.State) error {
			return env.checkCalls("POST /auth/customers/storefront", func(c emulator.Call) error {
				if err := credentialHeaders(c, map[string]string{"authToken": bootstrap.Token}); err != nil {
					return err
				}
				return jsonBody(c, `{"customerId":42,"channelId":1}`)
			})
		},
	})
}

func TestAccEphemeralStorefrontToken_refusesInvalidConfigurationBeforeTheAPI(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, withCustomers)
	authArg, _ := env.bootstrapAuthToken()
	config := func(provider string, args ...string) string {
		return provider + storefrontTokenConfig(args...) + echoStorefrontResults
	}
	env.testEphemeral(t, resource.TestStep{
		Config:      config(env.provider(authArg), "customer_id = 0"),
		ExpectError: regexp.MustCompile(`Attribute customer_id value must be at least 1`),
	}, resource.TestStep{
		Config:      config(env.provider(authArg), "customer_id = 42", "channel_id = 0"),
		ExpectError: regexp.MustCompile(`Attribute channel_id value must be at least 1`),
	}, resource.TestStep{
		Config:      config(env.provider(authArg), "customer_id = 42", `customer_access_token = { value = "" }`),
		ExpectError: regexp.MustCompile(`Attribute customer_access_token.value string length must be at least 1`),
	}, resource.TestStep{
		// The endpoint needs access_token with store_hash, or auth_token.
		Config:      config(env.provider(), "customer_id = 42"),
		ExpectError: regexp.MustCompile(`(?s)Missing credential.*access_token \(BIGCOMMERCE_ACCESS_TOKEN\).*auth_token\s+\(B2B_AUTH_TOKEN\)`),
	}, resource.TestStep{
		Config:      config(env.provider(authArg), "customer_id = 404"),
		ExpectError: regexp.MustCompile(`POST /auth/customers/storefront: HTTP 404 Not Found: Customer\s+not found`),
	})
	if n := env.emu.CallCount("POST /auth/customers/storefront"); n != 1 {
		t.Errorf("invalid configurations reached the API: want only the unknown customer's call, got %d calls", n)
	}
}
