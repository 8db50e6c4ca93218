package provider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// Shared by the acceptance tests of the ephemeral resources: the echo provider copies an
// ephemeral value into the state of echo.test, the only place a test can see it.

const (
	echoAddr              = "echo.test"
	storeLevelAccessToken = "store-level-S3cret"
	customerEmail         = "buyer@example.com"
	customerPassword      = "Buyer-S3cret-pass"
)

// storefrontCustomer is a storefront customer of channels 1 and 2.
var storefrontCustomer = emulator.Customer{ID: 42, Email: customerEmail, Password: customerPassword, ChannelIDs: []int64{1, 2}}

func withCustomers(o *emulator.Options) {
	o.Customers = append(o.Customers, storefrontCustomer)
	o.AccessTokens = append(o.AccessTokens, storeLevelAccessToken)
}

var ephemeralVersions = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)}

// echoFactories are the provider under test and the echo provider.
func (e *accEnv) echoFactories() map[string]func() (tfprotov6.ProviderServer, error) {
	f := e.factories()
	f["echo"] = echoprovider.NewProviderServer()
	return f
}

// echoConfig makes echo.test hold data, an HCL expression.
func echoConfig(data string) string {
	return "provider \"echo\" {\n  data = " + data + "\n}\n\nresource \"echo\" \"test\" {}\n"
}

// echoed is the path of an attribute of the echoed data.
func echoed(attr string) tfjsonpath.Path { return tfjsonpath.New("data").AtMapKey(attr) }

// testClaims decodes a JWT payload without the provider's code, for checks.
func testClaims(token string) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("not a JWT: %d parts", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	return claims, json.Unmarshal(raw, &claims)
}

// tokenWithClaims checks a JWT's claims: each of want must be there with this value
// (numbers as float64, as encoding/json decodes them).
func tokenWithClaims(want map[string]any) knownvalue.Check {
	return knownvalue.StringFunc(func(token string) error {
		claims, err := testClaims(token)
		if err != nil {
			return err
		}
		for k, v := range want {
			if fmt.Sprint(claims[k]) != fmt.Sprint(v) {
				return fmt.Errorf("claim %s = %v, want %v", k, claims[k], v)
			}
		}
		return nil
	})
}

// expiresAtOfToken checks that echo.test's expires_at is RFC 3339 and the exp claim of its
// token.
type expiresAtOfToken struct{}

func (expiresAtOfToken) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	data, err := echoData(req)
	if err != nil {
		resp.Error = err
		return
	}
	expiresAt, _ := data["expires_at"].(string)
	at, err := time.Parse(time.RFC3339, expiresAt)
	if err != nil {
		resp.Error = fmt.Errorf("expires_at %q is not RFC 3339: %w", expiresAt, err)
		return
	}
	token, _ := data["token"].(string)
	claims, err := testClaims(token)
	if err != nil {
		resp.Error = err
		return
	}
	if exp, _ := claims["exp"].(float64); int64(exp) != at.Unix() {
		resp.Error = fmt.Errorf("expires_at %s is not the token's exp claim %v", expiresAt, claims["exp"])
	}
}

func echoData(req statecheck.CheckStateRequest) (map[string]any, error) {
	if req.State == nil || req.State.Values == nil {
		return nil, fmt.Errorf("no state")
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address == echoAddr {
			data, ok := r.AttributeValues["data"].(map[string]any)
			if !ok {
				return nil, fmt.Errorf("echo.test data is %T, want an object", r.AttributeValues["data"])
			}
			return data, nil
		}
	}
	return nil, fmt.Errorf("echo.test not in state")
}

// onlyEcho fails when state holds anything but echo.test: ephemeral resources never reach it.
type onlyEcho struct{}

func (onlyEcho) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil {
		resp.Error = fmt.Errorf("no state")
		return
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address != echoAddr {
			resp.Error = fmt.Errorf("%s is in state; only %s should be", r.Address, echoAddr)
			return
		}
	}
}

// checkCalls runs check on every recorded call to route, failing when there is none.
func (e *accEnv) checkCalls(route string, check func(emulator.Call) error) error {
	calls := e.callsTo(route)
	if len(calls) == 0 {
		return fmt.Errorf("no call to %s", route)
	}
	for i, c := range calls {
		if c.Header.Get("authToken") != "" && c.Header.Get("X-Store-Hash") != "" {
			return fmt.Errorf("%s call %d sent authToken together with X-Store-Hash", route, i+1)
		}
		if err := check(c); err != nil {
			return fmt.Errorf("%s call %d: %w", route, i+1, err)
		}
	}
	return nil
}

// headers compares the credential headers of c with want; absent ones must be empty.
func credentialHeaders(c emulator.Call, want map[string]string) error {
	for _, h := range []string{"authToken", "X-Auth-Token", "X-Store-Hash"} {
		if got := c.Header.Get(h); got != want[h] {
			if got != "" {
				got = "(a value)"
			}
			return fmt.Errorf("header %s = %s, want %q", h, got, want[h])
		}
	}
	return nil
}

// jsonBody compares the JSON body of c with want, a JSON text.
func jsonBody(c emulator.Call, want string) error {
	var got, exp any
	if err := json.Unmarshal(c.Body, &got); err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		return err
	}
	if g, w := fmt.Sprint(got), fmt.Sprint(exp); g != w {
		return fmt.Errorf("body %s, want %s", c.Body, want)
	}
	return nil
}

func storefrontTokenConfig(args string) string {
	return "ephemeral \"b2b_storefront_token\" \"x\" {\n" + args + "\n}\n"
}

const echoStorefrontResults = `{
    token      = ephemeral.b2b_storefront_token.x.token
    expires_at = ephemeral.b2b_storefront_token.x.expires_at
    channel_id = ephemeral.b2b_storefront_token.x.channel_id
  }`

func TestAccEphemeralStorefrontToken_accessTokenChannelAndCustomerAccessToken(t *testing.T) {
	env := newAccEnv(t, withCustomers)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersions,
		ProtoV6ProviderFactories: env.echoFactories(),
		Steps: []resource.TestStep{{
			Config: env.provider(fmt.Sprintf("access_token = %q", storeLevelAccessToken)) +
				storefrontTokenConfig(`  customer_id = 42
  channel_id  = 2
  customer_access_token = {
    value      = "cat-S3cret-value"
    expires_at = "2030-12-31T00:00:00Z"
  }`) + echoConfig(echoStorefrontResults),
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
		}},
	})
}

func TestAccEphemeralStorefrontToken_authTokenAndDefaultChannel(t *testing.T) {
	env := newAccEnv(t, withCustomers)
	authArg, bootstrap := env.bootstrapAuthToken()
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersions,
		ProtoV6ProviderFactories: env.echoFactories(),
		Steps: []resource.TestStep{{
			Config: env.provider(authArg) + storefrontTokenConfig("  customer_id = 42") + echoConfig(echoStorefrontResults),
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
		}},
	})
}

func TestAccEphemeralStorefrontToken_errors(t *testing.T) {
	env := newAccEnv(t, withCustomers)
	authArg, _ := env.bootstrapAuthToken()
	echo := echoConfig(echoStorefrontResults)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersions,
		ProtoV6ProviderFactories: env.echoFactories(),
		Steps: []resource.TestStep{{
			Config:      env.provider(authArg) + storefrontTokenConfig("  customer_id = 0") + echo,
			ExpectError: regexp.MustCompile(`Attribute customer_id value must be at least 1`),
		}, {
			Config:      env.provider(authArg) + storefrontTokenConfig("  customer_id = 42\n  channel_id = 0") + echo,
			ExpectError: regexp.MustCompile(`Attribute channel_id value must be at least 1`),
		}, {
			Config:      env.provider(authArg) + storefrontTokenConfig("  customer_id = 42\n  customer_access_token = { value = \"\" }") + echo,
			ExpectError: regexp.MustCompile(`Attribute customer_access_token.value string length must be at least 1`),
		}, {
			// The endpoint needs access_token with store_hash, or auth_token.
			Config:      env.provider() + storefrontTokenConfig("  customer_id = 42") + echo,
			ExpectError: regexp.MustCompile(`(?s)Missing credential.*access_token \(BIGCOMMERCE_ACCESS_TOKEN\).*auth_token\s+\(B2B_AUTH_TOKEN\)`),
		}, {
			Config:      env.provider(authArg) + storefrontTokenConfig("  customer_id = 404") + echo,
			ExpectError: regexp.MustCompile(`POST /auth/customers/storefront: HTTP 404 Not Found: Customer\s+not found`),
		}},
	})
	if n := env.emu.CallCount("POST /auth/customers/storefront"); n != 1 {
		t.Errorf("invalid configurations reached the API: want only the unknown customer's call, got %d calls", n)
	}
}
