package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

type storefrontTokenByJWTModel struct {
	JWTToken  types.String `tfsdk:"jwt_token"`
	ChannelID types.Int64  `tfsdk:"channel_id"`
	storefrontTokenResult
}

func storefrontTokenByJWTSchema() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "A B2B Edition storefront token for a BigCommerce customer login JWT " +
			"(`GET /auth/storefront`). The JWT is the credential; the provider adds its `store_hash` as " +
			"`X-Store-Hash` when set, and sends no other credential." + ephemeralNote,
		Attributes: withStorefrontTokenResult(map[string]schema.Attribute{
			"jwt_token": schema.StringAttribute{
				Required:  true,
				Sensitive: true,
				MarkdownDescription: "A BigCommerce JWT that identifies the customer, such as the one the storefront's " +
					"current customer endpoint returns.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"channel_id": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "ID of the storefront channel. Leave it unset unless the store has " +
					"multi-storefront enabled.",
				Validators: channelIDValidators,
			},
		}),
	}
}

// exchange trades the customer's login JWT for a storefront token.
func (m *storefrontTokenByJWTModel) exchange(ctx context.Context, data *providerData, _ *diag.Diagnostics) (b2b.StorefrontToken, error) {
	ctx = data.mask(ctx, m.JWTToken.ValueString())
	return data.client.StorefrontFromJWT(ctx, b2b.StorefrontFromJWTRequest{
		JWTToken:  m.JWTToken.ValueString(),
		ChannelID: m.ChannelID.ValueInt64(),
	})
}
