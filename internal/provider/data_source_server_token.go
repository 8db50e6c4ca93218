package provider

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

var (
	_ datasource.DataSourceWithConfigure        = (*serverTokenDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*serverTokenDataSource)(nil)
)

// NewServerTokenDataSource is the b2b_server_token data source.
func NewServerTokenDataSource() datasource.DataSource { return &serverTokenDataSource{} }

type serverTokenDataSource struct {
	tokenListDataSource
}

type serverTokenDataModel struct {
	listedServerTokenModel
	Token types.String `tfsdk:"token"`
}

func (d *serverTokenDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_token"
}

func (d *serverTokenDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one existing B2B Edition server-to-server (S2S) token, value included, by its " +
			"`id` or by its `name` (exactly one of them). Lists with any credential of the store that the run knows: `auth_token`, `access_token` where BigCommerce accepts it, or the token of a `b2b_server_token` resource of the same store. " +
			"The token value is stored in state, marked sensitive.",
		Attributes: withListedTokenAttributes(map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "The token's numeric id, as decimal text, such as `\"123\"`. Set it, or `name`, " +
					"to select the token; when `name` selects it, this is the id found.",
				Validators: []validator.String{tokenIDValidator()},
			},
			"name": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Name of the token. Set it, or `id`, to select the token. Names are matched " +
					"exactly and need not be unique: a name that no token has, or that several tokens share, is " +
					"an error that lists the candidates' ids; select by `id` then.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"token": schema.StringAttribute{
				Computed:            true,
				Sensitive:           true,
				MarkdownDescription: "The token value, sent as the `authToken` header to B2B Edition's server-to-server APIs.",
			},
		}),
	}
}

func (d *serverTokenDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *serverTokenDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config serverTokenDataModel
	list, ok := d.configAndTokens(ctx, req, resp, &config)
	if !ok {
		return
	}
	token, diags := selectedToken(list, config)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	// A configured id stays as written (such as "007"), so that state matches configuration.
	configuredID := config.ID
	config.listedServerTokenModel = listedTokenFrom(token)
	if !configuredID.IsNull() {
		config.ID = configuredID
	}
	config.Token = types.StringValue(token.Token)
	resp.Diagnostics.Append(resp.State.Set(ctx, &config)...)
}

// selectedToken is the token the configuration selects: by id, or else by name.
func selectedToken(list b2b.TokenList, config serverTokenDataModel) (b2b.ServerToken, diag.Diagnostics) {
	if config.ID.IsNull() {
		return tokenNamed(list, config.Name.ValueString())
	}
	return tokenWithID(list, config.ID.ValueString())
}

func tokenWithID(list b2b.TokenList, raw string) (b2b.ServerToken, diag.Diagnostics) {
	var diags diag.Diagnostics
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		diags.AddAttributeError(path.Root("id"), "Invalid token id", fmt.Sprintf("The id %q is not a numeric token id.", raw))
		return b2b.ServerToken{}, diags
	}
	t, ok := list.ByID(id)
	if !ok {
		diags.AddAttributeError(path.Root("id"), "Server token not found",
			fmt.Sprintf("No server token has the id %d: the store's complete list of %d tokens does not show it.", id, list.Len()))
	}
	return t, diags
}

// tokenNamed is the one token with exactly this name; none or several are an error.
func tokenNamed(list b2b.TokenList, name string) (b2b.ServerToken, diag.Diagnostics) {
	var diags diag.Diagnostics
	var found []b2b.ServerToken
	for t := range list.All() {
		if t.Name == name {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 1:
		return found[0], diags
	case 0:
		diags.AddAttributeError(path.Root("name"), "Server token not found",
			fmt.Sprintf("No server token is named %q: none of the store's %d tokens has this exact name (case included).", name, list.Len()))
	default:
		diags.AddAttributeError(path.Root("name"), "Several server tokens have this name",
			fmt.Sprintf("%d server tokens are named %q, with the ids %s. Names need not be unique: select one "+
				"of them with id instead of name.", len(found), name, sortedTokenIDList(found)))
	}
	return b2b.ServerToken{}, diags
}
