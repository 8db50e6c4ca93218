package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

var (
	_ ephemeral.EphemeralResourceWithConfigure = (*storefrontTokenByJWTEphemeral)(nil)
)

// NewStorefrontTokenByJWTEphemeralResource is the b2b_storefront_token_by_jwt ephemeral
// resource.
func NewStorefrontTokenByJWTEphemeralResource() ephemeral.EphemeralResource {
	return &storefrontTokenByJWTEphemeral{}
}

type storefrontTokenByJWTEphemeral struct {
	ephemeralProviderData
}

type storefrontTokenByJWTModel struct {
	JWTToken  types.String `tfsdk:"jwt_token"`
	ChannelID types.Int64  `tfsdk:"channel_id"`
	storefrontTokenResult
}

func (r *storefrontTokenByJWTEphemeral) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_storefront_token_by_jwt"
}

func (r *storefrontTokenByJWTEphemeral) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
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

func (r *storefrontTokenByJWTEphemeral) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var model storefrontTokenByJWTModel
	if !r.openConfig(ctx, req, resp, &model) {
		return
	}
	ctx = r.data.mask(ctx, model.JWTToken.ValueString())

	token, err := r.data.client.StorefrontFromJWT(ctx, b2b.StorefrontFromJWTRequest{
		JWTToken:  model.JWTToken.ValueString(),
		ChannelID: model.ChannelID.ValueInt64(),
	})
	setStorefrontTokenResult(ctx, resp, &model, token, err, "Could not get a storefront token for the JWT")
}
