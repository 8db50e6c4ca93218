package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

// The host rule (b2b.Client.MadeHere) as b2b_server_token applies it: a token made at
// another API host than the provider's api_url is kept in state as it is, unread; a plan that
// would delete or replace it fails, and any other plan says so.

// otherHost is the error of a token this resource made at another API host, else nil.
func (r *serverTokenResource) otherHost(private serverTokenPrivate) *b2b.OtherHostError {
	madeAt := private.Host
	if madeAt == "" && private.Pending != nil {
		madeAt = private.Pending.Host
	}
	var other *b2b.OtherHostError
	if errors.As(r.data.client.MadeHere(madeAt), &other) {
		return other
	}
	return nil
}

// otherHostDetail says what the host rule means for the token, and what to do.
func otherHostDetail(state serverTokenModel, e *b2b.OtherHostError) string {
	what := fmt.Sprintf("The server token %q", state.Name.ValueString())
	if state.idLearned() {
		what += fmt.Sprintf(" (id %s)", state.ID.ValueString())
	}
	return fmt.Sprintf("%s was made at %s, and the provider's api_url is now %s. A token is read, used and deleted only at "+
		"the API host where it was made, so this run cannot tell whether it still exists, never sends it to %s, and "+
		"keeps it in state unchanged.\n\nTo manage it, set api_url back to %s. To move this resource to %s, remove it "+
		"from state (terraform state rm <address>): the token stays live at %s until it is deleted there; the next "+
		"apply then creates a token at %s.", what, e.MadeAt, e.Current, e.Current, e.MadeAt, e.Current, e.MadeAt, e.Current)
}

// otherHostWarning is the diagnostic of a read or plan that leaves the token as it is.
func otherHostWarning(state serverTokenModel, e *b2b.OtherHostError) diag.Diagnostic {
	return diag.NewWarningDiagnostic("Server token made at another API host: "+state.Name.ValueString(), otherHostDetail(state, e))
}

// otherHostError is the diagnostic of a plan or apply that would have to act on the token.
func otherHostError(state serverTokenModel, e *b2b.OtherHostError, action string) diag.Diagnostic {
	return diag.NewErrorDiagnostic("Cannot "+action+" a server token made at another API host: "+state.Name.ValueString(),
		fmt.Sprintf("This plan would %s it, and nothing was sent.\n\n%s", action, otherHostDetail(state, e)))
}

// planAtOtherHost plans a token made at another API host: a destroy or replacement fails
// (it would delete the token where it was not made), as does a change that needs the API; a
// change that only stores arguments goes ahead, with a warning.
func (r *serverTokenResource) planAtOtherHost(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse,
	private serverTokenPrivate, other *b2b.OtherHostError,
) {
	var prior, proposed serverTokenModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if !req.Plan.Raw.IsNull() {
		resp.Diagnostics.Append(req.Plan.Get(ctx, &proposed)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	switch {
	case req.Plan.Raw.IsNull() && private.Gone:
		return // proven gone where it was made: nothing to delete
	case req.Plan.Raw.IsNull():
		resp.Diagnostics.Append(otherHostError(prior, other, "destroy"))
		return
	case replaces(prior, proposed) || private.Gone:
		resp.Diagnostics.Append(otherHostError(prior, other, "replace"))
		return
	}
	r.planTokenChange(ctx, req, resp)
	var plan serverTokenModel
	if resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...); resp.Diagnostics.HasError() {
		return
	}
	if needsAPI(prior, plan) {
		resp.Diagnostics.Append(otherHostError(prior, other, "change"))
		return
	}
	resp.Diagnostics.Append(otherHostWarning(prior, other))
}

// needsAPI: an update from prior to plan sends requests (it rotates, reads values, or
// deletes a kept token); any other update only stores arguments.
func needsAPI(prior, plan serverTokenModel) bool {
	return plan.ID.IsUnknown() || plan.Token.IsUnknown() || plan.PreviousToken.IsUnknown() ||
		prior.keepsPrevious() && !plan.keepsPrevious()
}

// replaces: the planned arguments replace the token (schema plan modifiers say so to
// Terraform, not to ModifyPlan): its name, email, configured store or, without
// keep_previous_for, rotate_when_changed changes.
func replaces(prior, plan serverTokenModel) bool {
	storeChanged := !plan.StoreHash.IsNull() && !plan.StoreHash.IsUnknown() && !plan.StoreHash.Equal(prior.StoreHash)
	return !plan.Name.Equal(prior.Name) || plan.Email.IsUnknown() ||
		!strings.EqualFold(plan.Email.ValueString(), prior.Email.ValueString()) || storeChanged ||
		rotationOf(prior.RotateWhenChanged, plan.RotateWhenChanged, plan.KeepPreviousFor) == rotationReplace
}
