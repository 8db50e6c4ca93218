package provider

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-validators/actionvalidator"
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
				Validators: []validator.String{serverTokenValueValidator{}},
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
	store := a.data.store(storeHash)
	r := &revocation{data: a.data, store: store, storeHash: storeHash, resp: resp}
	if value != "" {
		r.revokeValue(ctx, value)
	} else {
		id, _ := strconv.ParseInt(config.ID.ValueString(), 10, 64)
		r.revokeID(ctx, id)
	}
	resp.Diagnostics.Append(a.data.runNotices(store)...)
}

// revocation is one invocation of the action in one store.
type revocation struct {
	data      *providerData
	store     *b2b.Store
	storeHash string
	resp      *action.InvokeResponse
}

func (r *revocation) progress(format string, args ...any) {
	if r.resp.SendProgress != nil {
		r.resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf(format, args...)})
	}
}

// revokeID deletes the token with id. It sends the delete whatever a listing shows: a
// listing from a replica that is behind may miss a live token, and only the API's own reply
// to the delete says that no token has the id.
func (r *revocation) revokeID(ctx context.Context, id int64) {
	if !r.store.HasConfiguredCredential() {
		r.resp.Diagnostics.AddError("No credential to revoke the server token", noCredentialDetail(r.storeHash)+
			" Revoking by id needs the provider's own credential; by value (token), the token itself serves while it is valid.")
		return
	}
	t := b2b.ServerToken{ID: id}
	if p := r.store.Find(ctx, id, ""); p.Kind == b2b.Present {
		t = p.Token
	}
	r.delete(ctx, t)
}

// revokeValue deletes every token whose value is value: values may repeat, and a leaked
// value stops working only when no token has it.
func (r *revocation) revokeValue(ctx context.Context, value string) {
	tokens, presence := r.store.FindValue(ctx, value)
	switch presence.Kind {
	case b2b.Present:
		for _, t := range tokens {
			r.delete(ctx, t)
		}
	case b2b.Absent:
		why := "two complete listings of its tokens do not show it"
		if presence.Revoked {
			why = "BigCommerce refuses the value as invalid, and two complete listings do not show it"
		}
		r.progress("No token with the given value is in store %s: %s. It was already revoked; nothing to do.", r.storeHash, why)
	default:
		r.notFound("the token with the given value", presence)
	}
}

func (r *revocation) notFound(what string, presence b2b.Presence) {
	detail := presence.Why
	if presence.Err != nil {
		detail = r.data.explain(presence.Err)
	}
	r.resp.Diagnostics.AddError("Could not revoke the server token",
		fmt.Sprintf("Looking up %s in store %s failed, so nothing was revoked, and it may still be valid.\n\n%s", what, r.storeHash, detail))
}

// delete revokes one token found in the list; one gone meanwhile is reported, not an error.
func (r *revocation) delete(ctx context.Context, t b2b.ServerToken) {
	what := fmt.Sprintf("token %q (id %d, email %s)", t.Name, t.ID, t.Email)
	if t.Name == "" {
		what = fmt.Sprintf("token id %d", t.ID)
		r.progress("No listing of store %s shows %s; revoking it by id all the same (a listing may lag).", r.storeHash, what)
	} else {
		r.progress("Found %s in store %s; revoking it.", what, r.storeHash)
	}
	switch out, err := r.store.Delete(ctx, t.ID, t.Token); {
	case err != nil:
		r.resp.Diagnostics.AddError("Could not revoke the server token",
			fmt.Sprintf("The server-to-server %s could not be deleted and may still be valid.\n\n%s", what, r.data.explain(err)))
	case out.Gone:
		r.progress("BigCommerce knows no %s in store %s (its own reply to the delete): it was already revoked or deleted; "+
			"nothing to do.", what, r.storeHash)
	default:
		r.progress("Revoked %s in store %s.", what, r.storeHash)
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
