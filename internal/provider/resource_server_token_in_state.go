package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

// token_in_state = false keeps b2b_server_token's values out of plan and state: B2B Edition's
// list returns every token's value, so a token never has to be stored to be recovered (the
// b2b_server_token_value ephemeral resource reads it when something needs it).

func tokenInStateAttribute() schema.Attribute {
	return schema.BoolAttribute{
		Optional: true,
		MarkdownDescription: "Whether `token` and `previous_token` are kept in plan and state. Defaults to `true`. With " +
			"`false`, both are null in plan and state (a token whose id is not known yet is the one exception: " +
			"its value is kept in the resource's private state, with a warning, until a refresh finds its id; a plan " +
			"saved with `-out` in that time carries the private state too, so keep such a plan file as secret as the " +
			"state), and the values are read when needed " +
			"with the `b2b_server_token_value` ephemeral resource. Reading and deleting the token then need the " +
			"provider's `access_token` or `auth_token`. Changing it is an in-place update that creates and " +
			"deletes no token.",
	}
}

// keepsValues: token_in_state is true, or unset (its default).
func (m serverTokenModel) keepsValues() bool {
	return m.TokenInState.IsNull() || m.TokenInState.IsUnknown() || m.TokenInState.ValueBool()
}

// withoutValues drops the token values from m when its configuration keeps none.
func (m *serverTokenModel) withoutValues() {
	if !m.keepsValues() {
		m.Token, m.PreviousToken = types.StringNull(), types.StringNull()
	}
}

// planTokenInState plans the values as token_in_state says: null when false, which needs a
// credential of the provider's own to read and delete the token; read from the list at apply
// when it turns true on a token state holds no value of.
func (r *serverTokenResource) planTokenInState(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var plan, prior serverTokenModel
	resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...)
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	switch {
	case !plan.keepsValues():
		plan.withoutValues()
		if r.data != nil && !r.data.store(plan.StoreHash.ValueString()).HasConfiguredCredential() {
			resp.Diagnostics.AddAttributeError(path.Root("token_in_state"), "No credential to manage a token kept out of state",
				fmt.Sprintf("With token_in_state = false, state holds no token value to list and delete the token with, so the "+
					"provider needs a credential of its own for store %q: set auth_token (or %s) to an S2S token of the store, "+
					"or access_token (or %s) where BigCommerce accepts it for listing.", plan.StoreHash.ValueString(), envAuthToken, envAccessToken))
		}
	case !req.State.Raw.IsNull() && prior.Token.IsNull() && prior.idLearned() && !plan.ID.IsUnknown() && r.readable(ctx, req):
		plan.Token = types.StringUnknown() // read from the list at apply
		if !prior.PreviousID.IsNull() {
			plan.PreviousToken = types.StringUnknown()
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// readable: the prior token is neither gone nor a create still pending.
func (r *serverTokenResource) readable(ctx context.Context, req resource.ModifyPlanRequest) bool {
	private, diags := readPrivate(ctx, req.Private)
	return !diags.HasError() && !private.Gone && private.Pending == nil
}

// fillValues reads the values of a token (and of the token its rotation keeps) that state
// holds none of, as an update that turns token_in_state on does.
func (r *serverTokenResource) fillValues(ctx context.Context, m *serverTokenModel) diag.Diagnostics {
	var diags diag.Diagnostics
	store := r.data.store(m.StoreHash.ValueString())
	for _, v := range []struct {
		id    types.String
		value *types.String
		attr  string
	}{{m.ID, &m.Token, "id"}, {m.PreviousID, &m.PreviousToken, "previous_id"}} {
		if !v.value.IsUnknown() {
			continue
		}
		id, idDiags := tokenID(v.id, path.Root(v.attr))
		if diags.Append(idDiags...); idDiags.HasError() {
			return diags
		}
		p := store.Find(ctx, id, "")
		if p.Kind != b2b.Present {
			diags.AddError("Could not read the token value",
				fmt.Sprintf("token_in_state turned on, but the value of token %d could not be read from the list of store %q: %s",
					id, store.Hash(), r.presenceWhy(p)))
			return diags
		}
		*v.value = types.StringValue(p.Token.Token)
	}
	return diags
}

// presenceWhy says why a presence is not Present.
func (r *serverTokenResource) presenceWhy(p b2b.Presence) string {
	switch {
	case p.Kind == b2b.Absent:
		return "it is gone (two complete listings do not show it)"
	case p.Err != nil:
		return r.data.explain(p.Err)
	}
	return p.Why
}
