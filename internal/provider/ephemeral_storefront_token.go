package provider

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

var (
	_ ephemeral.EphemeralResourceWithConfigure = (*storefrontTokenEphemeral)(nil)
)

// NewStorefrontTokenEphemeralResource is the b2b_storefront_token ephemeral resource.
func NewStorefrontTokenEphemeralResource() ephemeral.EphemeralResource {
	return &storefrontTokenEphemeral{}
}

type storefrontTokenEphemeral struct {
	data *providerData
}

type storefrontTokenModel struct {
	CustomerID          types.Int64               `tfsdk:"customer_id"`
	ChannelID           types.Int64               `tfsdk:"channel_id"`
	CustomerAccessToken *customerAccessTokenModel `tfsdk:"customer_access_token"`
	Token               types.String              `tfsdk:"token"`
	ExpiresAt           types.String              `tfsdk:"expires_at"`
}

type customerAccessTokenModel struct {
	Value     types.String `tfsdk:"value"`
	ExpiresAt types.String `tfsdk:"expires_at"`
}

// Descriptions shared by the storefront token ephemeral resources.
const (
	storefrontTokenDescription = "The storefront token, a JWT for B2B Edition's storefront APIs (such as its GraphQL API), " +
		"valid for one day unless the API says otherwise."
	storefrontExpiresAtDescription = "When the token expires, in RFC 3339 format (UTC), from its `exp` claim; null when the " +
		"token has none."
	ephemeralNote = "\n\nAs an ephemeral resource, it is never written to plan or state; it needs Terraform 1.10 or " +
		"OpenTofu 1.11 or later. Terraform opens it again in every plan and apply, so each run gets a new token."
)

// channelIDValidators: BigCommerce channel ids start at 1.
var channelIDValidators = []validator.Int64{int64validator.AtLeast(1)}

func (r *storefrontTokenEphemeral) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_storefront_token"
}

func (r *storefrontTokenEphemeral) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A B2B Edition storefront token for a customer id (`POST /auth/customers/storefront`), such as " +
			"a Company user's, to call the storefront APIs on the customer's behalf. The provider authenticates with " +
			"its `access_token` and `store_hash` when set, else with its `auth_token`." + ephemeralNote,
		Attributes: map[string]schema.Attribute{
			"customer_id": schema.Int64Attribute{
				Required: true,
				MarkdownDescription: "ID of the BigCommerce customer account (a B2C customer, or a B2B buyer with a " +
					"Company user account).",
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			"channel_id": schema.Int64Attribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "ID of the storefront channel. Defaults to `1`.",
				Validators:          channelIDValidators,
			},
			"customer_access_token": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "A BigCommerce Customer Access Token (CAT), as the Storefront GraphQL API's login " +
					"mutation returns it, to associate with the storefront token. Not needed for a token.",
				Attributes: map[string]schema.Attribute{
					"value": schema.StringAttribute{
						Required:            true,
						Sensitive:           true,
						MarkdownDescription: "The Customer Access Token.",
						Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
					},
					"expires_at": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "When the Customer Access Token expires, such as `2024-12-31T00:00:00Z`.",
					},
				},
			},
			"token": schema.StringAttribute{
				Computed:            true,
				Sensitive:           true,
				MarkdownDescription: storefrontTokenDescription,
			},
			"expires_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: storefrontExpiresAtDescription,
			},
		},
	}
}

func (r *storefrontTokenEphemeral) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *storefrontTokenEphemeral) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var model storefrontTokenModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() || !configured(r.data, &resp.Diagnostics) {
		return
	}
	if model.ChannelID.IsNull() {
		model.ChannelID = types.Int64Value(1)
	}
	request := b2b.CustomerStorefrontTokenRequest{
		CustomerID: model.CustomerID.ValueInt64(),
		ChannelID:  model.ChannelID.ValueInt64(),
	}
	var cat string
	if model.CustomerAccessToken != nil {
		cat = model.CustomerAccessToken.Value.ValueString()
		request.CustomerAccessToken = &b2b.CustomerAccessToken{
			Value:     cat,
			ExpiresAt: model.CustomerAccessToken.ExpiresAt.ValueString(),
		}
	}
	ctx = r.data.mask(ctx, cat)

	token, err := r.data.client.CustomerStorefrontToken(ctx, request)
	if errors.Is(err, b2b.ErrNoStorefrontCredential) {
		resp.Diagnostics.AddError("Missing credential", "Getting a storefront token for a customer id needs a "+
			"credential: set access_token ("+envAccessToken+") together with store_hash ("+envStoreHash+"), or "+
			"auth_token ("+envAuthToken+"), in the provider configuration.")
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Could not get a storefront token", err.Error())
		return
	}
	model.Token = types.StringValue(token.Token)
	model.ExpiresAt = jwtExpiresAt(token.Token)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &model)...)
}

// configured reports whether the provider data is there, adding an error when it is not
// (Terraform opens ephemeral resources only with a configured provider).
func configured(data *providerData, diags *diag.Diagnostics) bool {
	if data == nil {
		diags.AddError("Provider not configured", "The b2b provider was not configured before this ephemeral "+
			"resource was opened. Please report this issue to the provider developers.")
		return false
	}
	return true
}
