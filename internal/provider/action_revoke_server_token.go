package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-validators/actionvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

var (
	_ action.ActionWithConfigure        = (*revokeServerTokenAction)(nil)
	_ action.ActionWithConfigValidators = (*revokeServerTokenAction)(nil)
)

// NewRevokeServerTokenAction is the b2b_revoke_server_token action (Terraform 1.14 and later).
func NewRevokeServerTokenAction() action.Action { return &revokeServerTokenAction{} }

type revokeServerTokenAction struct {
	data *providerData
}

type revokeServerTokenModel struct {
	ID        types.String `tfsdk:"id"`
	Token     types.String `tfsdk:"token"`
	StoreHash types.String `tfsdk:"store_hash"`
}

func (a *revokeServerTokenAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_revoke_server_token"
}

func (a *revokeServerTokenAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Revokes one server-to-server token: deletes it with `DELETE /auth/backend`, such as a " +
			"token that has leaked. The token is named by its `id`, or by its value (`token`), which is looked up " +
			"in the store's token list; nothing else is touched. A token that is already gone is reported as such, " +
			"not as an error. Progress messages name the token and its id, never its value. Invoke it with " +
			"`terraform apply -invoke=action.b2b_revoke_server_token.NAME`, or from a resource's " +
			"`lifecycle { action_trigger { ... } }`. Needs a credential of the store: the provider's " +
			"`auth_token` or `access_token`, or, with `token`, the token itself while it is still valid.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The token's numeric id, such as `123` or `b2b_server_token.x.id`. " +
					"Exactly one of `id` and `token` must be set.",
				Validators: []validator.String{tokenIDValidator()},
			},
			"token": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The token's value, such as a leaked token. Pass it from a `sensitive` variable " +
					"(action schemas cannot mark an argument sensitive themselves): the provider never prints it. " +
					"Its store is the one its JWT `store_hash` claim names, unless `store_hash` is set. Exactly one " +
					"of `id` and `token` must be set.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"store_hash": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Hash of the store the token belongs to. Defaults to the provider's `store_hash`.",
				Validators:          []validator.String{storeHashValidator()},
			},
		},
	}
}

func (a *revokeServerTokenAction) ConfigValidators(context.Context) []action.ConfigValidator {
	return []action.ConfigValidator{
		actionvalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("token")),
	}
}

func (a *revokeServerTokenAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (a *revokeServerTokenAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var config revokeServerTokenModel
	if resp.Diagnostics.Append(req.Config.Get(ctx, &config)...); resp.Diagnostics.HasError() {
		return
	}
	if a.data == nil {
		resp.Diagnostics.AddError("Provider not configured", "The b2b provider was not configured before the action was invoked.")
		return
	}
	value := config.Token.ValueString()
	ctx = a.data.mask(ctx, value)
	storeHash, diags := a.storeOf(config)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	// The token itself may authenticate its own revocation, while it is still valid.
	store := a.data.store(storeHash, value)
	if !store.HasCredential() {
		resp.Diagnostics.AddError("No credential to revoke the server token", noCredentialDetail(storeHash))
		return
	}
	r := &revocation{data: a.data, store: store, storeHash: storeHash, value: value, what: "the token with the given value", resp: resp}
	if value == "" {
		r.id, _ = strconv.ParseInt(config.ID.ValueString(), 10, 64)
		r.what = fmt.Sprintf("token id %d", r.id)
	}
	if r.find(ctx) {
		r.revoke(ctx)
	}
}

// revocation is one invocation of the action: the token, named by its id or its value, in
// the store, described as what in messages.
type revocation struct {
	data      *providerData
	store     *b2b.Store
	storeHash string
	value     string
	id        int64
	what      string
	resp      *action.InvokeResponse
}

func (r *revocation) progress(format string, args ...any) {
	if r.resp.SendProgress != nil {
		r.resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf(format, args...)})
	}
}

// find looks the token up in the store's list, for its id and a description that names it;
// false when there is nothing to revoke, or it cannot be told what.
func (r *revocation) find(ctx context.Context) bool {
	list, err := r.store.List(ctx)
	switch {
	case err != nil && r.value != "" && b2b.IsUnauthorized(err) && r.store.Refused(r.value) && !r.store.HasCredential():
		r.progress("BigCommerce rejects %s as invalid in store %s: it was already revoked; nothing to do.", r.what, r.storeHash)
		return false
	case errors.Is(err, b2b.ErrNoAuthToken):
		r.resp.Diagnostics.AddError("No credential to revoke the server token", noCredentialDetail(r.storeHash))
		return false
	case err != nil:
		r.resp.Diagnostics.AddError("Could not list the server tokens",
			fmt.Sprintf("Looking up %s failed, so it was not revoked.\n\n%s", r.what, r.data.explain(err)))
		return false
	}
	found, ok := list.ByID(r.id)
	if r.value != "" {
		found, ok = list.ByValue(r.value)
	}
	switch {
	case ok:
		r.id = found.ID
		r.what = fmt.Sprintf("token %q (id %d, email %s)", found.Name, found.ID, found.Email)
		r.progress("Found %s in store %s; revoking it.", r.what, r.storeHash)
	case !list.Complete && r.value != "":
		r.resp.Diagnostics.AddError("Server token not found",
			fmt.Sprintf("The token list of store %s does not show the token with the given value, and the list "+
				"could not be read completely, so its id is unknown and nothing was revoked. Try again.", r.storeHash))
		return false
	case !list.Complete:
		// The listing proves nothing; the delete tells whether the id exists.
	default:
		r.progress("No token with %s is in the token list of store %s: it was already revoked or deleted, or never "+
			"belonged to this store; nothing to do.", describeLookup(r.value, r.id), r.storeHash)
		return false
	}
	return true
}

// revoke deletes the token; one already gone is reported, not an error.
func (r *revocation) revoke(ctx context.Context) {
	switch err := r.store.Delete(ctx, r.id); {
	case err == nil:
		r.progress("Revoked %s in store %s.", r.what, r.storeHash)
	case b2b.IsNotFound(err):
		r.progress("BigCommerce no longer knows %s in store %s: it was already revoked; nothing to do.", r.what, r.storeHash)
	case r.value != "" && b2b.IsUnauthorized(err) && r.store.Refused(r.value) && !r.store.HasCredential():
		r.progress("BigCommerce rejects %s as invalid in store %s: it was already revoked.", r.what, r.storeHash)
	default:
		r.resp.Diagnostics.AddError("Could not revoke the server token",
			fmt.Sprintf("The server-to-server %s could not be deleted and may still be valid.\n\n%s", r.what, r.data.explain(err)))
	}
}

// storeOf is the store of the token to revoke: the configured one, else for a token value
// the store its JWT claim names, else the provider's.
func (a *revokeServerTokenAction) storeOf(config revokeServerTokenModel) (string, diag.Diagnostics) {
	storeHash := config.StoreHash.ValueString()
	claimed, hasClaim := b2b.TokenStoreHash(config.Token.ValueString())
	switch {
	case storeHash != "" && hasClaim && claimed != storeHash:
		return "", diag.Diagnostics{diag.NewAttributeErrorDiagnostic(path.Root("store_hash"), "Token of another store",
			fmt.Sprintf("The token's JWT store_hash claim names store %q, not %q: it cannot be revoked there. Remove store_hash, or set it to %q.", claimed, storeHash, claimed))}
	case storeHash == "" && hasClaim:
		return claimed, nil
	}
	return a.data.storeHashOr(config.StoreHash)
}

func describeLookup(value string, id int64) string {
	if value != "" {
		return "the given value"
	}
	return fmt.Sprintf("id %d", id)
}
