package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

var _ datasource.DataSourceWithConfigure = (*serverTokensDataSource)(nil)

// NewServerTokensDataSource is the b2b_server_tokens data source.
func NewServerTokensDataSource() datasource.DataSource { return &serverTokensDataSource{} }

type serverTokensDataSource struct {
	tokenListDataSource
}

type serverTokensModel struct {
	Name       types.String             `tfsdk:"name"`
	Email      types.String             `tfsdk:"email"`
	TotalCount types.Int64              `tfsdk:"total_count"`
	Tokens     []listedServerTokenModel `tfsdk:"tokens"`
}

func (d *serverTokensDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_tokens"
}

func (d *serverTokensDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the B2B Edition server-to-server (S2S) tokens of the store, reading every page " +
			"of `GET /backend/tokens`, optionally filtered by name and email. Token values are not exposed, so " +
			"the listing never copies the store's secrets into state: read one token's value with the " +
			"`b2b_server_token` data source. Lists with any credential of the store that the run knows: `auth_token`, `access_token` where BigCommerce accepts it, or the token of a `b2b_server_token` resource of the same store.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Lists only the tokens with exactly this name (case included). Names need not be unique.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"email": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Lists only the tokens created by the backend user with this email, compared case-insensitively.",
				Validators:          []validator.String{emailValidator()},
			},
			"total_count": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "How many tokens the whole store holds, whatever the filters (the API's `totalCount`).",
			},
			"tokens": schema.ListNestedAttribute{
				Computed: true,
				MarkdownDescription: "The tokens that match the filters, in the order the API lists them. " +
					"Each has the attributes of the `b2b_server_token` resource except the token value.",
				NestedObject: schema.NestedAttributeObject{
					Attributes: withListedTokenAttributes(map[string]schema.Attribute{
						"id": schema.StringAttribute{
							Computed:            true,
							MarkdownDescription: "The token's numeric id, as decimal text: the id to import it or read it with the `b2b_server_token` data source.",
						},
						"name": schema.StringAttribute{
							Computed:            true,
							MarkdownDescription: "Name of the token.",
						},
					}),
				},
			},
		},
	}
}

func (d *serverTokensDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config serverTokensModel
	list, ok := d.configAndTokens(ctx, req, resp, &config)
	if !ok {
		return
	}
	config.TotalCount = types.Int64Value(int64(list.TotalCount))
	config.Tokens = make([]listedServerTokenModel, 0, list.Len())
	for t := range list.All() {
		if tokenFilterMatches(config.Name, t.Name) && emailFilterMatches(config.Email, t.Email) {
			config.Tokens = append(config.Tokens, listedTokenFrom(t))
		}
	}
	tflog.Debug(ctx, "listed server tokens", map[string]any{"listed": list.Len(), "matching": len(config.Tokens)})
	resp.Diagnostics.Append(resp.State.Set(ctx, &config)...)
}

// tokenFilterMatches is an optional exact-match filter: a null filter matches everything.
func tokenFilterMatches(filter types.String, value string) bool {
	return filter.IsNull() || filter.ValueString() == value
}

// emailFilterMatches is an optional email filter: emails compare case-insensitively, as
// everywhere in the provider.
func emailFilterMatches(filter types.String, email string) bool {
	return filter.IsNull() || strings.EqualFold(filter.ValueString(), email)
}
