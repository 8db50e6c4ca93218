package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

// Borrowed credentials left in the store: a create that borrows a short-lived token to list
// the store deletes it when done, unless the list does not show it in time. Then the
// resource whose create borrowed it keeps its name (never its value) in private state, and
// the next apply deletes it: a plan that sees one plans an update (event_channel known after
// apply) that deletes it first; a destroy deletes it before the token itself.

// privateStore is a response's private state, read and written.
type privateStore interface {
	privateGetter
	privateSetter
}

// setBorrowed makes the borrowed credentials that the private state in to records left.
func setBorrowed(ctx context.Context, to privateStore, left []b2b.PendingCreate) diag.Diagnostics {
	p, diags := readPrivate(ctx, to)
	if diags.HasError() {
		return diags
	}
	p.Borrowed = left
	return append(diags, p.save(ctx, to)...)
}

// planBorrowedCleanup plans the update that deletes borrowed credentials left by an earlier
// apply.
func (r *serverTokenResource) planBorrowedCleanup(ctx context.Context, private serverTokenPrivate, resp *resource.ModifyPlanResponse) {
	var plan serverTokenModel
	if resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...); resp.Diagnostics.HasError() {
		return
	}
	plan.EventChannel = types.StringUnknown()
	resp.Diagnostics.AddWarning("Short-lived credential to delete: "+plan.Name.ValueString(),
		fmt.Sprintf("An earlier apply of %q borrowed a short-lived token to list the store (%s) and could not delete it, as "+
			"the list did not show it yet. This apply deletes it, so the plan shows an update.",
			plan.Name.ValueString(), borrowedNames(private.Borrowed)))
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// deleteLeftovers deletes the borrowed credentials left, and returns those still left.
func (r *serverTokenResource) deleteLeftovers(ctx context.Context, store *b2b.Store, left []b2b.PendingCreate) ([]b2b.PendingCreate, diag.Diagnostics) {
	var kept []b2b.PendingCreate
	var diags diag.Diagnostics
	for _, p := range left {
		done, err := store.DeleteLeftover(ctx, p)
		if !done {
			kept = append(kept, p)
			why := "the list does not show it yet"
			if err != nil {
				why = r.data.explain(err)
			}
			diags.AddWarning("Short-lived credential still left in the store",
				fmt.Sprintf("The short-lived token %q that an earlier apply borrowed to list the store could not be deleted "+
					"yet (%s). State keeps its name; the next apply tries again.", p.Name, strings.TrimSuffix(why, ".")))
		}
	}
	return kept, diags
}

func borrowedNames(left []b2b.PendingCreate) string {
	names := make([]string, len(left))
	for i, p := range left {
		names[i] = fmt.Sprintf("%q", p.Name)
	}
	return strings.Join(names, ", ")
}
