package provider

import (
	"context"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

// What the b2b_server_token and b2b_server_tokens data sources share: both read the
// store's complete token list, and show the same attributes of a token but its value.
// b2b_server_token adds the value; b2b_server_tokens never shows it, so that a listing
// never copies the store's secrets into state.

// tokenListDataSource is embedded by both data sources: its Configure keeps the provider
// data that Read uses.
type tokenListDataSource struct {
	data *providerData
}

func (d *tokenListDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// configAndTokens reads the configuration into config, a pointer to the data source's
// model, and lists the tokens of the provider's store; false means Read stops there, with
// diagnostics that say why.
func (d *tokenListDataSource) configAndTokens(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse,
	config any,
) (b2b.TokenList, bool) {
	resp.Diagnostics.Append(req.Config.Get(ctx, config)...)
	if resp.Diagnostics.HasError() {
		return b2b.TokenList{}, false
	}
	list, diags := d.data.listTokens(ctx, "")
	resp.Diagnostics.Append(diags...)
	return list, !diags.HasError()
}

type listedServerTokenModel struct {
	ID           types.String `tfsdk:"id"`
	Name         types.String `tfsdk:"name"`
	Email        types.String `tfsdk:"email"`
	StoreHash    types.String `tfsdk:"store_hash"`
	EventChannel types.String `tfsdk:"event_channel"`
}

func listedTokenFrom(t b2b.ServerToken) listedServerTokenModel {
	return listedServerTokenModel{
		ID:           types.StringValue(strconv.FormatInt(t.ID, 10)),
		Name:         types.StringValue(t.Name),
		Email:        types.StringValue(t.Email),
		StoreHash:    types.StringValue(t.StoreHash),
		EventChannel: types.StringValue(t.EventChannel),
	}
}

// withListedTokenAttributes adds the computed email, store_hash and event_channel to a
// schema's own attributes; id and name differ between the two data sources.
func withListedTokenAttributes(attributes map[string]schema.Attribute) map[string]schema.Attribute {
	attributes["email"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "Email of the backend user who created the token.",
	}
	attributes["store_hash"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "Hash of the store the token belongs to.",
	}
	attributes["event_channel"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "The token's event channel, as the API returns it.",
	}
	return attributes
}
