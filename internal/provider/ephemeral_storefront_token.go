package provider

import (
	"context"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

type storefrontTokenModel struct {
	CustomerID          types.Int64               `tfsdk:"customer_id"`
	ChannelID           types.Int64               `tfsdk:"channel_id"`
	CustomerAccessToken *customerAccessTokenModel `tfsdk:"customer_access_token"`
	storefrontTokenResult
}

type customerAccessTokenModel struct {
	Value     types.String `tfsdk:"value"`
	ExpiresAt types.String `tfsdk:"expires_at"`
}

func storefrontTokenSchema() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "A B2B Edition storefront token for a customer id (`POST /auth/customers/storefront`), such as " +
			"a Company user's, to call the storefront APIs on the customer's behalf. The provider authenticates with " +
			"its `access_token` and `store_hash` when set, else with its `auth_token`." + ephemeralNote,
		Attributes: withStorefrontTokenResult(map[string]schema.Attribute{
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
			"customer_access_token": customerAccessTokenAttribute(),
		}),
	}
}

func customerAccessTokenAttribute() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
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
	}
}

// exchange trades a customer id, with the provider's credential, for a storefront token in
// the configured channel, else channel 1.
func (m *storefrontTokenModel) exchange(ctx context.Context, data *providerData, diags *diag.Diagnostics) (b2b.StorefrontToken, error) {
	if m.ChannelID.IsNull() {
		m.ChannelID = types.Int64Value(1)
	}
	request := m.request()
	var cat string // the Customer Access Token: a secret of the customer's, kept out of logs
	if request.CustomerAccessToken != nil {
		cat = request.CustomerAccessToken.Value
	}
	ctx = data.mask(ctx, cat)

	token, err := data.client.CustomerStorefrontToken(ctx, request)
	if errors.Is(err, b2b.ErrNoStorefrontCredential) {
		diags.AddError("Missing credential", "Getting a storefront token for a customer id needs a "+
			"credential: set access_token ("+envAccessToken+") together with store_hash ("+envStoreHash+"), or "+
			"auth_token ("+envAuthToken+"), in the provider configuration.")
		return b2b.StorefrontToken{}, nil
	}
	return token, err
}

// request is the API request for the configured customer, channel and Customer Access Token.
func (m storefrontTokenModel) request() b2b.CustomerStorefrontTokenRequest {
	request := b2b.CustomerStorefrontTokenRequest{
		CustomerID: m.CustomerID.ValueInt64(),
		ChannelID:  m.ChannelID.ValueInt64(),
	}
	if m.CustomerAccessToken != nil {
		request.CustomerAccessToken = &b2b.CustomerAccessToken{
			Value:     m.CustomerAccessToken.Value.ValueString(),
			ExpiresAt: m.CustomerAccessToken.ExpiresAt.ValueString(),
		}
	}
	return request
}
