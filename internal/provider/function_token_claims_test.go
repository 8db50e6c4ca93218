package provider

import (
	"context"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// runTokenClaims calls the function as the framework would.
func runTokenClaims(t *testing.T, token string) (attr.Value, *function.FuncError) {
	t.Helper()
	resp := function.RunResponse{Result: function.NewResultData(types.DynamicUnknown())}
	NewTokenClaimsFunction().Run(context.Background(), function.RunRequest{
		Arguments: function.NewArgumentsData([]attr.Value{types.StringValue(token)}),
	}, &resp)
	if resp.Error != nil {
		return nil, resp.Error
	}
	dyn, ok := resp.Result.Value().(types.Dynamic)
	if !ok {
		t.Fatalf("result is %T, want a dynamic value", resp.Result.Value())
	}
	return dyn.UnderlyingValue(), nil
}

func TestFunctionTokenClaims_keepsTheJSONTypesOfClaims(t *testing.T) {
	got, funcErr := runTokenClaims(t, jwtOf(`{"email":"a@example.com","exp":1690854292,"ratio":0.5,`+
		`"channel_ids":[1,2],"mixed":[1,"x",true],"customer":{"id":7,"tags":[]},"active":false,"gone":null}`))
	if funcErr != nil {
		t.Fatal(funcErr)
	}
	num := func(s string) attr.Value {
		n, _, _ := big.ParseFloat(s, 10, 512, big.ToNearestEven)
		return types.NumberValue(n)
	}
	tuple := func(elems ...attr.Value) attr.Value {
		typs := make([]attr.Type, len(elems))
		for i, e := range elems {
			typs[i] = e.Type(context.Background())
		}
		return types.TupleValueMust(typs, elems)
	}
	object := func(attrs map[string]attr.Value) attr.Value {
		typs := map[string]attr.Type{}
		for k, v := range attrs {
			typs[k] = v.Type(context.Background())
		}
		return types.ObjectValueMust(typs, attrs)
	}
	want := object(map[string]attr.Value{
		"email":       types.StringValue("a@example.com"),
		"exp":         num("1690854292"),
		"ratio":       num("0.5"),
		"channel_ids": tuple(num("1"), num("2")),
		"mixed":       tuple(num("1"), types.StringValue("x"), types.BoolValue(true)),
		"customer":    object(map[string]attr.Value{"id": num("7"), "tags": tuple()}),
		"active":      types.BoolValue(false),
		"gone":        types.StringNull(),
	})
	if !got.Equal(want) {
		t.Errorf("claims\n%s\nwant\n%s", got, want)
	}
}

func TestFunctionTokenClaims_notAJWTIsAnArgumentError(t *testing.T) {
	const token = "S3cret.not-a-jwt"
	_, funcErr := runTokenClaims(t, token)
	if funcErr == nil {
		t.Fatal("no error")
	}
	if funcErr.FunctionArgument == nil || *funcErr.FunctionArgument != 0 {
		t.Errorf("error does not point at the token argument: %v", funcErr.FunctionArgument)
	}
	if !strings.Contains(funcErr.Text, "not a JWT") || !strings.Contains(funcErr.Text, "2 dot-separated part(s)") {
		t.Errorf("error %q does not say what is wrong", funcErr.Text)
	}
	if strings.Contains(funcErr.Text, "S3cret") {
		t.Errorf("error %q echoes the token", funcErr.Text)
	}
}

// The documented storefront token, whose claims are known.
const documentedStorefrontToken = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6IjEyM0AxMi5jb20iLCJiY19jdXN0b21lcl9pZCI6MzEzLCJzdG9yZV9oYXNoIjoiaW1rOHp6N2ppcCIsImRiIjoiZGVmYXVsdCIsImJjX2NoYW5uZWxfaWQiOjEsImV4cCI6MTY5MDg1NDI5Mn0.97rY-1aGDFKtLbIePR5g202AHZJ0x2kDjmyzGVGK45"

func TestAccFunctionTokenClaims_decodesClaims(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	nested := jwtOf(`{"email":"a@example.com","channel_ids":[1,2],"customer":{"id":7,"group":"vip"},"nbf":1000}`)
	env.test(t, functionVersions, []resource.TestStep{{
		Config: fmt.Sprintf(`variable "token" {
  type    = string
  default = %q
}

output "claims" {
  value = provider::b2b::token_claims(var.token)
}

output "email" {
  value = provider::b2b::token_claims(var.token).email
}

output "nested" {
  value = provider::b2b::token_claims(%q)
}

output "expires" {
  value = provider::b2b::token_claims(var.token).exp + 0
}
`, documentedStorefrontToken, nested),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownOutputValue("claims", knownvalue.ObjectExact(map[string]knownvalue.Check{
				"email":          knownvalue.StringExact("123@12.com"),
				"bc_customer_id": knownvalue.Int64Exact(313),
				"store_hash":     knownvalue.StringExact("imk8zz7jip"),
				"db":             knownvalue.StringExact("default"),
				"bc_channel_id":  knownvalue.Int64Exact(1),
				"exp":            knownvalue.Int64Exact(1690854292),
			})),
			statecheck.ExpectKnownOutputValue("email", knownvalue.StringExact("123@12.com")),
			statecheck.ExpectKnownOutputValue("expires", knownvalue.Int64Exact(1690854292)),
			statecheck.ExpectKnownOutputValueAtPath("nested", tfjsonpath.New("channel_ids"),
				knownvalue.TupleExact([]knownvalue.Check{knownvalue.Int64Exact(1), knownvalue.Int64Exact(2)})),
			statecheck.ExpectKnownOutputValueAtPath("nested", tfjsonpath.New("customer"),
				knownvalue.ObjectExact(map[string]knownvalue.Check{"id": knownvalue.Int64Exact(7), "group": knownvalue.StringExact("vip")})),
		},
	}})
}

func TestAccFunctionTokenClaims_rejectsAValueThatIsNotAJWT(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	steps := []resource.TestStep{}
	for _, garbage := range []string{"garbage", "a.b", jwtOf(`[1,2]`), "a.!!!.c"} {
		steps = append(steps, resource.TestStep{
			Config:      fmt.Sprintf("output \"claims\" {\n  value = provider::b2b::token_claims(%q)\n}\n", garbage),
			ExpectError: regexp.MustCompile(`(?s)Invalid function argument.*not a JWT`),
		})
	}
	env.test(t, functionVersions, steps)
}

// A storefront token fresh from the ephemeral resource decodes too, and its claims can
// configure another provider without the token itself ever reaching state.
func TestAccFunctionTokenClaims_decodesAnEphemeralStorefrontToken(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, withCustomers)
	authArg, _ := env.bootstrapAuthToken()
	env.testEphemeral(t, resource.TestStep{
		Config: env.provider(authArg) + storefrontTokenConfig("customer_id = 42") + echoConfig(`{
    customer = provider::b2b::token_claims(ephemeral.b2b_storefront_token.x.token).bc_customer_id
    email    = provider::b2b::token_claims(ephemeral.b2b_storefront_token.x.token).email
  }`),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(echoAddr, echoed("customer"), knownvalue.Int64Exact(42)),
			statecheck.ExpectKnownValue(echoAddr, echoed("email"), knownvalue.StringExact(customerEmail)),
			onlyEcho{},
		},
	})
}
