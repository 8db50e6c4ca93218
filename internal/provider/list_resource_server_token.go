package provider

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

var (
	_ list.ListResource              = (*serverTokenListResource)(nil)
	_ list.ListResourceWithConfigure = (*serverTokenListResource)(nil)
)

// NewServerTokenListResource is the b2b_server_token list resource (`terraform query`,
// Terraform 1.14 and later).
func NewServerTokenListResource() list.ListResource { return &serverTokenListResource{} }

type serverTokenListResource struct {
	data *providerData
}

type serverTokenListModel struct {
	Name       types.String `tfsdk:"name"`
	NamePrefix types.String `tfsdk:"name_prefix"`
	Email      types.String `tfsdk:"email"`
	StoreHash  types.String `tfsdk:"store_hash"`
}

func (l *serverTokenListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_token"
}

func (l *serverTokenListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the server-to-server tokens of a store as `b2b_server_token` resources, for " +
			"`terraform query` (Terraform 1.14 and later): each result has the token's identity, to import it, " +
			"and with `include_resource` its attributes, the token value included (sensitive). " +
			"`terraform query -generate-config-out=FILE` writes a resource and an import block for each. " +
			"One listing of the store (every page of `GET /backend/tokens`) serves the whole query; it needs a " +
			"credential of the store, the provider's `auth_token` or `access_token`. The filters combine: a " +
			"token is listed when it matches all that are set.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Lists only the tokens with exactly this name (case included). Names need not be unique.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"name_prefix": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Lists only the tokens whose name starts with this prefix (case included).",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"email": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Lists only the tokens of the backend user with this email, compared case-insensitively.",
				Validators:          []validator.String{emailValidator()},
			},
			"store_hash": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Hash of the store whose tokens are listed. Defaults to the provider's `store_hash`.",
				Validators:          []validator.String{storeHashValidator()},
			},
		},
	}
}

func (l *serverTokenListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// List streams the matching tokens of one listing of the store, at most req.Limit of them.
func (l *serverTokenListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var config serverTokenListModel
	if diags := req.Config.Get(ctx, &config); diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	if l.data == nil {
		stream.Results = list.ListResultsStreamDiagnostics(diag.Diagnostics{diag.NewErrorDiagnostic(
			"Provider not configured", "The b2b provider was not configured before listing server tokens.")})
		return
	}
	storeHash, diags := l.data.storeHashOr(config.StoreHash)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	stream.Results = l.results(ctx, req, config, storeHash)
}

// results lists the store once, when Terraform asks for the first result.
func (l *serverTokenListResource) results(ctx context.Context, req list.ListRequest, config serverTokenListModel, storeHash string) iter.Seq[list.ListResult] {
	return func(push func(list.ListResult) bool) {
		tokens, diags := l.data.listTokens(ctx, storeHash)
		if diags.HasError() {
			push(list.ListResult{Diagnostics: diags})
			return
		}
		matching := 0
		for t := range matchingTokens(tokens.All(), config) {
			if req.Limit > 0 && int64(matching) >= req.Limit {
				break
			}
			matching++
			if !push(listResult(ctx, req, storeHash, t)) {
				return
			}
		}
		tflog.Debug(ctx, "listed server tokens for a query", map[string]any{"store_hash": storeHash, "listed": tokens.Len(), "results": matching})
	}
}

// matchingTokens are the tokens that match every filter that is set.
func matchingTokens(tokens iter.Seq[b2b.ServerToken], config serverTokenListModel) iter.Seq[b2b.ServerToken] {
	return func(yield func(b2b.ServerToken) bool) {
		for t := range tokens {
			if !tokenFilterMatches(config.Name, t.Name) ||
				!strings.HasPrefix(t.Name, config.NamePrefix.ValueString()) ||
				!emailFilterMatches(config.Email, t.Email) {
				continue
			}
			if !yield(t) {
				return
			}
		}
	}
}

// listResult is one token as a query result: its identity, a display name, and with
// include_resource the resource's attributes as an import would read them (no password).
func listResult(ctx context.Context, req list.ListRequest, storeHash string, t b2b.ServerToken) list.ListResult {
	result := req.NewListResult(ctx)
	id := strconv.FormatInt(t.ID, 10)
	if t.StoreHash != "" {
		storeHash = t.StoreHash
	}
	result.DisplayName = fmt.Sprintf("%s (id %s)", t.Name, id)
	result.Diagnostics.Append(result.Identity.Set(ctx, serverTokenIdentityModel{
		ID:        types.StringValue(id),
		StoreHash: types.StringValue(storeHash),
	})...)
	if !req.IncludeResource {
		return result
	}
	// Attribute by attribute, so that every attribute this does not name (the password, the
	// token's value, rotation settings) is null, as after an import; in a fixed order, so are
	// diagnostics. As an import, it keeps no value: token_in_state = false, which the
	// configuration `terraform query -generate-config-out` writes from it says too.
	for _, a := range []struct{ name, value string }{
		{"id", id}, {"name", t.Name}, {"email", t.Email}, {"store_hash", storeHash}, {"event_channel", t.EventChannel},
	} {
		result.Diagnostics.Append(result.Resource.SetAttribute(ctx, path.Root(a.name), a.value)...)
	}
	result.Diagnostics.Append(result.Resource.SetAttribute(ctx, path.Root("token_in_state"), false)...)
	return result
}
