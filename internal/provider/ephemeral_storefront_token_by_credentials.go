package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

type storefrontTokenByCredentialsModel struct {
	Email     types.String `tfsdk:"email"`
	Password  types.String `tfsdk:"password"`
	ChannelID types.Int64  `tfsdk:"channel_id"`
	Name      types.String `tfsdk:"name"`
	StoreHash types.String `tfsdk:"store_hash"`
	BeginAt   types.Int64  `tfsdk:"begin_at"`
	EndAt     types.Int64  `tfsdk:"end_at"`
	storefrontTokenResult
}

func storefrontTokenByCredentialsSchema() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "A B2B Edition storefront token for a storefront customer's email and password " +
			"(`POST /auth/customers`). The provider sends its `access_token` with `store_hash` when set for this " +
			"store; the endpoint needs no other credential." + ephemeralNote,
		Attributes: withStorefrontTokenResult(map[string]schema.Attribute{
			"email": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Email of the storefront customer.",
				Validators:          []validator.String{emailValidator()},
			},
			"password": schema.StringAttribute{
				Required:            true,
				Sensitive:           true,
				MarkdownDescription: "Password of the storefront customer.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"channel_id": schema.Int64Attribute{
				Required:            true,
				MarkdownDescription: "ID of the storefront channel the customer belongs to.",
				Validators:          channelIDValidators,
			},
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "A name for the token.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"store_hash": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Hash of the store. Defaults to the provider's `store_hash`.",
				Validators:          []validator.String{storeHashValidator()},
			},
			"begin_at": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "When the token becomes valid, in unix seconds. Defaults to now, as the API decides.",
				Validators:          []validator.Int64{int64validator.AtLeast(0)},
			},
			"end_at": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "When the token expires, in unix seconds; not before `begin_at`. Defaults to " +
					"what the API decides (one day).",
				Validators: []validator.Int64{
					int64validator.AtLeast(0),
					int64validator.AtLeastSumOf(path.MatchRoot("begin_at")),
				},
			},
		}),
	}
}

// exchange trades the customer's email and password for a storefront token, in the
// configured store or else the provider's.
func (m *storefrontTokenByCredentialsModel) exchange(ctx context.Context, data *providerData, diags *diag.Diagnostics) (b2b.StorefrontToken, error) {
	if !data.defaultStoreHash(&m.StoreHash, diags) {
		return b2b.StorefrontToken{}, nil
	}
	ctx = data.mask(ctx, m.Password.ValueString())
	return data.client.CredentialsToken(ctx, b2b.CredentialsTokenRequest{
		StoreHash: m.StoreHash.ValueString(),
		Email:     m.Email.ValueString(),
		Password:  m.Password.ValueString(),
		ChannelID: m.ChannelID.ValueInt64(),
		Name:      m.Name.ValueString(),
		BeginAt:   m.BeginAt.ValueInt64Pointer(),
		EndAt:     m.EndAt.ValueInt64Pointer(),
	})
}
