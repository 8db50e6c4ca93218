package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

var _ ephemeral.EphemeralResourceWithConfigure = (*serverTokenValueEphemeral)(nil)

// NewServerTokenValueEphemeralResource is the b2b_server_token_value ephemeral resource: the
// value of an existing server token, read from the run's shared token listing, so that it
// can feed write-only arguments and provider configurations without being stored.
func NewServerTokenValueEphemeralResource() ephemeral.EphemeralResource {
	return &serverTokenValueEphemeral{}
}

// serverTokenValueEphemeral creates and deletes nothing: it has no Close and no private data.
type serverTokenValueEphemeral struct {
	ephemeralProviderData
}

type serverTokenValueModel struct {
	ID           types.String `tfsdk:"id"`
	StoreHash    types.String `tfsdk:"store_hash"`
	Token        types.String `tfsdk:"token"`
	Name         types.String `tfsdk:"name"`
	Email        types.String `tfsdk:"email"`
	EventChannel types.String `tfsdk:"event_channel"`
}

func (r *serverTokenValueEphemeral) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_token_value"
}

func (r *serverTokenValueEphemeral) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The value of an existing B2B Edition server-to-server (S2S) token, by its id, for " +
			"whatever needs it during the run without storing it: another provider's write-only argument (such as " +
			"AWS Secrets Manager's `secret_string_wo`) or provider configuration. It is read from the store's token " +
			"list (`GET /backend/tokens`), whose pages every resource, data source and lookup of the store share " +
			"within a run; it creates and deletes nothing. With `token_in_state = false` on a `b2b_server_token` resource, " +
			"it is how the value of a token kept out of state reaches its consumers.\n\n" +
			"Reading it needs the provider's own credential of the store: `auth_token`, or `access_token` where " +
			"BigCommerce accepts it for listing. A token id that the store does not have is an error naming the id.\n\n" +
			"As an ephemeral resource, it is never written to plan or state; it needs Terraform 1.10 or OpenTofu 1.11 " +
			"or later. Terraform opens it in every plan and apply, and each time reads the value again.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The token's numeric id, as decimal text, such as `\"123\"` or " +
					"`b2b_server_token.x.id`.",
				Validators: []validator.String{positiveTokenID{}},
			},
			"store_hash": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Hash of the store the token belongs to. Defaults to the provider's `store_hash`.",
				Validators:          []validator.String{storeHashValidator()},
			},
			"token": schema.StringAttribute{
				Computed:            true,
				Sensitive:           true,
				MarkdownDescription: "The token value, sent as the `authToken` header to B2B Edition's server-to-server APIs.",
			},
			"name": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Name of the token.",
			},
			"email": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Email of the backend user who created the token.",
			},
			"event_channel": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The token's event channel, as the API returns it.",
			},
		},
	}
}

func (r *serverTokenValueEphemeral) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var model serverTokenValueModel
	if !r.openConfig(ctx, req, resp, &model) {
		return
	}
	if !r.data.defaultStoreHash(&model.StoreHash, &resp.Diagnostics) {
		return
	}
	id, err := parsePositiveTokenID(model.ID.ValueString())
	if err != nil {
		// The validator refused it at plan already; this is for a value that was unknown then.
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid token id", fmt.Sprintf("The id %s.", err))
		return
	}
	store := r.data.store(model.StoreHash.ValueString())
	if !store.HasConfiguredCredential() {
		resp.Diagnostics.AddError("No credential to read the server token value", r.noCredentialDetail(store, id))
		return
	}
	// The listing gets a masked context of its own: its pages may be read on for other lookups
	// after this one has its answer, logging into that context's fields (terraform-plugin-log
	// masks them in place), so this Open never logs with it again.
	presence := store.Find(r.data.mask(ctx), id, "")
	resp.Diagnostics.Append(r.data.runNotices(store)...)
	switch presence.Kind {
	case b2b.Present:
		t := presence.Token
		ctx = r.data.mask(ctx, t.Token)
		tflog.Debug(ctx, "Read the server token value from the token list", map[string]any{"id": id, "store_hash": store.Hash()})
		model.Token = types.StringValue(t.Token)
		model.Name = types.StringValue(t.Name)
		model.Email = types.StringValue(t.Email)
		model.EventChannel = types.StringValue(t.EventChannel)
		resp.Diagnostics.Append(resp.Result.Set(ctx, &model)...)
	case b2b.Absent:
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Server token not found",
			fmt.Sprintf("Store %q has no server token with id %d: two complete listings of its tokens, one after the "+
				"other, do not show it. It was deleted or revoked, or belongs to another store. %s", store.Hash(), id, findIDsHint))
	default:
		why := presence.Why
		if presence.Err != nil {
			why = r.data.explain(presence.Err)
		}
		resp.Diagnostics.AddError("Could not read the server token value",
			fmt.Sprintf("The value of server token %d of store %q could not be read from the store's token list. This "+
				"does not mean that the token is gone: the listing proved neither that it exists nor that it does "+
				"not.\n\n%s", id, store.Hash(), why))
	}
}

// noCredentialDetail says which provider arguments would let the token list be read. The
// tokens of the configuration's b2b_server_token resources never serve here (as for an
// import): what a lookup finds must not depend on the order Terraform reads things in.
func (r *serverTokenValueEphemeral) noCredentialDetail(store *b2b.Store, id int64) string {
	detail := fmt.Sprintf("Reading the value of server token %d of store %q takes the store's token list, which "+
		"needs a credential of the provider's own. Set the provider's auth_token (or %s) to an S2S token of the "+
		"store, or access_token (or %s) where BigCommerce accepts it for listing. The tokens of b2b_server_token "+
		"resources in the configuration are not used for it, so that whether it works never depends on the order "+
		"Terraform opens and reads things in.", id, store.Hash(), envAuthToken, envAccessToken)
	if refused := store.RefusedConfigured(); len(refused) > 0 {
		detail += fmt.Sprintf(" BigCommerce refused the configured %s as invalid earlier in this run.", strings.Join(refused, " and "))
	}
	return detail
}

// positiveTokenID accepts the decimal text of a token id: digits only, above zero, within
// the API's 64-bit ids. RegexMatches alone cannot refuse 0 or an id too large to be one.
type positiveTokenID struct{}

func (positiveTokenID) Description(context.Context) string {
	return "must be a positive integer: the token's numeric id"
}

func (v positiveTokenID) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (positiveTokenID) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parsePositiveTokenID(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid token id", fmt.Sprintf("Attribute %s %s.", req.Path, err))
	}
}

// parsePositiveTokenID reads a token id written as decimal digits.
func parsePositiveTokenID(raw string) (int64, error) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if !tokenIDPattern.MatchString(raw) || err != nil || id <= 0 {
		return 0, fmt.Errorf("must be a positive integer, the token's numeric id (such as \"123\" or "+
			"b2b_server_token.x.id), not %q", raw)
	}
	return id, nil
}
