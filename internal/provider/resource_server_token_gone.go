package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// planGone plans a token that a refresh proved gone (deleted or revoked outside Terraform).
// With a password configured, the plan replaces it: a new token, and the deletion of the
// token a rotation still keeps. Without one it cannot create a token, and it does not fail
// either: Terraform's destroy runs a normal plan first, and destroying a configuration must
// work whatever was revoked. It then only deletes a kept token, and says what to do.
func (r *serverTokenResource) planGone(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var plan, prior serverTokenModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := plan.Name.ValueString()
	if hasPassword(ctx, req.Config) {
		plan.ID, plan.Token, plan.EventChannel = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
		plan.dropPrevious()
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("id"))
		resp.Diagnostics.AddWarning("Gone server token: this plan creates a new one",
			fmt.Sprintf("The token %q (id %s) is gone from the store, so this plan replaces it with a new token of the same "+
				"name%s.", name, prior.ID.ValueString(), keptNote(prior, " and deletes the token its last rotation kept (id %s)")))
	} else {
		plan.keepPreviousOf(prior)
		if prior.keepsPrevious() {
			plan.dropPrevious()
		}
		resp.Diagnostics.AddWarning("Gone server token: this plan cannot create a new one",
			fmt.Sprintf("The token %q (id %s) is gone from the store, and this configuration sets no password (password_wo "+
				"or password), so this plan creates no new token%s. Set password_wo to create one in its place, or remove "+
				"the resource from the configuration (or destroy it): that deletes nothing, as the token is gone.",
				name, prior.ID.ValueString(), keptNote(prior, "; it deletes the token its last rotation kept (id %s)")))
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// keptNote is format with the kept token's id when the prior state keeps one, else "".
func keptNote(prior serverTokenModel, format string) string {
	if !prior.keepsPrevious() {
		return ""
	}
	return fmt.Sprintf(format, prior.PreviousID.ValueString())
}
