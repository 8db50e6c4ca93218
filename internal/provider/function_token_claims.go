package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ function.Function = (*tokenClaimsFunction)(nil)

// NewTokenClaimsFunction is provider::b2b::token_claims.
func NewTokenClaimsFunction() function.Function { return &tokenClaimsFunction{} }

type tokenClaimsFunction struct{}

func (f *tokenClaimsFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "token_claims"
}

func (f *tokenClaimsFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Decode the claims of a B2B Edition token",
		MarkdownDescription: "Decodes the payload of a JWT, such as a B2B Edition server-to-server or storefront " +
			"token, and returns its claims as an object, so that `provider::b2b::token_claims(t).email` works. " +
			"Claim sets differ between token kinds (storefront tokens carry `bc_customer_id` and `exp`, " +
			"server-to-server tokens have no `exp`), so the result is a dynamic value: JSON numbers stay numbers, " +
			"arrays become tuples and nested objects objects.\n\n" +
			"The signature is **not** checked: BigCommerce signs its tokens with a key only it holds. Do not " +
			"base a trust decision on these claims. A value that is not a JWT (three base64url parts separated " +
			"by dots, whose second part is a JSON object) is an error; the error never shows the value.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                "token",
				MarkdownDescription: "The token to decode, such as the `token` of a `b2b_server_token` or of a `b2b_storefront_token` ephemeral resource.",
			},
		},
		Return: function.DynamicReturn{},
	}
}

func (f *tokenClaimsFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var token string
	resp.Error = function.ConcatFuncErrors(resp.Error, req.Arguments.Get(ctx, &token))
	if resp.Error != nil {
		return
	}
	claims, err := jwtClaims(token)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, err.Error())
		return
	}
	value, err := claimValue(claims)
	if err != nil {
		resp.Error = function.NewArgumentFuncError(0, "the token's claims cannot be represented: "+err.Error())
		return
	}
	resp.Error = function.ConcatFuncErrors(resp.Error, resp.Result.Set(ctx, types.DynamicValue(value)))
}

// claimValue converts a JSON value decoded with UseNumber into a Terraform value: objects
// become objects, arrays tuples (their elements may differ in type), numbers numbers at
// full precision. A JSON null becomes a null string, the type Terraform gives a literal null.
func claimValue(v any) (attr.Value, error) {
	switch v := v.(type) {
	case nil:
		return types.StringNull(), nil
	case bool:
		return types.BoolValue(v), nil
	case string:
		return types.StringValue(v), nil
	case json.Number:
		n, _, err := big.ParseFloat(v.String(), 10, 512, big.ToNearestEven)
		if err != nil {
			return nil, fmt.Errorf("number %s: %w", v, err)
		}
		return types.NumberValue(n), nil
	case []any:
		return claimTuple(v)
	case map[string]any:
		return claimObject(v)
	}
	return nil, fmt.Errorf("unexpected JSON value of type %T", v)
}

func claimTuple(items []any) (attr.Value, error) {
	elemTypes := make([]attr.Type, len(items))
	elems := make([]attr.Value, len(items))
	for i, item := range items {
		elem, err := claimValue(item)
		if err != nil {
			return nil, err
		}
		elems[i], elemTypes[i] = elem, elem.Type(context.Background())
	}
	tuple, diags := types.TupleValue(elemTypes, elems)
	if diags.HasError() {
		return nil, fmt.Errorf("%s", diags.Errors()[0].Detail())
	}
	return tuple, nil
}

// claimObject converts the members in key order, so that the first bad member reported is
// the same on every run.
func claimObject(members map[string]any) (attr.Value, error) {
	attrTypes := make(map[string]attr.Type, len(members))
	attrs := make(map[string]attr.Value, len(members))
	for _, k := range slices.Sorted(maps.Keys(members)) {
		value, err := claimValue(members[k])
		if err != nil {
			return nil, err
		}
		attrs[k], attrTypes[k] = value, value.Type(context.Background())
	}
	object, diags := types.ObjectValue(attrTypes, attrs)
	if diags.HasError() {
		return nil, fmt.Errorf("%s", diags.Errors()[0].Detail())
	}
	return object, nil
}
