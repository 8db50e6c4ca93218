package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
)

// seenInState records the tokens of a state this run read or planned (the current one and
// a rotation's kept previous one), so that a plan that creates a token of the same name and
// email does not warn of them (a replacement's old token).
func (r *serverTokenResource) seenInState(ctx context.Context, state tfsdk.State) {
	if r.data == nil || state.Raw.IsNull() {
		return
	}
	var m serverTokenModel
	if state.Get(ctx, &m).HasError() {
		return
	}
	for _, id := range []string{m.ID.ValueString(), m.PreviousID.ValueString()} {
		if id != "" {
			r.data.inState.Store(m.StoreHash.ValueString()+"/"+id, true)
		}
	}
}

// warnNameTaken warns at plan, when a token is to be created (and does not rotate), of the
// tokens of the store that already have its name and email and that no state of this run
// holds: another
// pipeline or workspace may manage them, and a create whose reply is lost is told from them
// only by the ids listed before it. It reads the newest end of the list only (the whole
// store when it fits on one page), with a credential the run already has: plan borrows and
// writes nothing, and a token deeper in a big store goes unseen.
func (r *serverTokenResource) warnNameTaken(ctx context.Context, resp *resource.ModifyPlanResponse) {
	var plan serverTokenModel
	if resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...); resp.Diagnostics.HasError() ||
		plan.Name.IsUnknown() || plan.Email.IsUnknown() || plan.StoreHash.ValueString() == "" {
		return
	}
	if !plan.RotateWhenChanged.IsNull() {
		// A rotating token is replaced by one of its own name, and with create_before_destroy
		// Terraform plans the create again at apply while the token it replaces is still
		// there, in a process that never saw that token's state: no warning can tell them.
		return
	}
	store := r.data.store(plan.StoreHash.ValueString())
	found, _, err := store.NewestNamed(r.data.mask(ctx), plan.Name.ValueString(), plan.Email.ValueString())
	resp.Diagnostics.Append(r.data.runNotices(store)...)
	if err != nil {
		return // a hint only: the create's own listing says what fails
	}
	var ids []string
	for _, t := range found {
		id := strconv.FormatInt(t.ID, 10)
		if _, ours := r.data.inState.Load(plan.StoreHash.ValueString() + "/" + id); !ours {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return
	}
	resp.Diagnostics.AddWarning("A server token of this name and email already exists: "+plan.Name.ValueString(),
		fmt.Sprintf("Store %s already holds a token named %q for %s that no state of this run holds (ids %s). Another "+
			"pipeline or workspace may manage it. Names need not be unique, and this plan still creates a new token; but "+
			"two configurations that create tokens of one name and email at once cannot tell their tokens apart until the "+
			"list settles, and a create whose reply is lost is told from the others only by the ids listed before it. "+
			"Give each configuration a name of its own, or import the existing token (terraform import <address> <id>).",
			plan.StoreHash.ValueString(), plan.Name.ValueString(), plan.Email.ValueString(), strings.Join(ids, ", ")))
}
