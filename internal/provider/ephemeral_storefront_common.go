package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

// What the three storefront token ephemeral resources (b2b_storefront_token,
// b2b_storefront_token_by_credentials, b2b_storefront_token_by_jwt) share: they differ in
// the credential they trade for a token, not in what they return.

// channelIDValidators: BigCommerce channel ids start at 1.
var channelIDValidators = []validator.Int64{int64validator.AtLeast(1)}

// storefrontTokenResult is the part of each storefront token model that Open fills in.
// It is embedded by value, as the framework requires, so its attributes stay top-level.
type storefrontTokenResult struct {
	Token     types.String `tfsdk:"token"`
	ExpiresAt types.String `tfsdk:"expires_at"`
}

func (r *storefrontTokenResult) result() *storefrontTokenResult { return r }

// storefrontResultHolder is a storefront token ephemeral resource's model: any struct that
// embeds storefrontTokenResult.
type storefrontResultHolder interface {
	result() *storefrontTokenResult
}

// withStorefrontTokenResult adds the computed token and expires_at to a schema's own
// attributes.
func withStorefrontTokenResult(attributes map[string]schema.Attribute) map[string]schema.Attribute {
	attributes["token"] = schema.StringAttribute{
		Computed:  true,
		Sensitive: true,
		MarkdownDescription: "The storefront token, a JWT for B2B Edition's storefront APIs (such as its GraphQL API), " +
			"valid for one day unless the API says otherwise.",
	}
	attributes["expires_at"] = schema.StringAttribute{
		Computed: true,
		MarkdownDescription: "When the token expires, in RFC 3339 format (UTC), from its `exp` claim; null when the " +
			"token has none.",
	}
	return attributes
}

// setStorefrontTokenResult ends every storefront token's Open: a failed request is an
// error under summary, a token fills the model's results and becomes the result.
func setStorefrontTokenResult(ctx context.Context, resp *ephemeral.OpenResponse, model storefrontResultHolder,
	token b2b.StorefrontToken, err error, summary string,
) {
	if err != nil {
		resp.Diagnostics.AddError(summary, err.Error())
		return
	}
	model.result().Token = types.StringValue(token.Token)
	model.result().ExpiresAt = jwtExpiresAt(token.Token)
	resp.Diagnostics.Append(resp.Result.Set(ctx, model)...)
}
