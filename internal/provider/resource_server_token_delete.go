package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

func (r *serverTokenResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r.seenInState(ctx, req.State) // a replacement's create is planned again after this delete
	var state serverTokenModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	private, diags := readPrivate(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	id, diags := tokenID(state.ID, path.Root("id"))
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	if other := r.otherHost(private); other != nil && !private.Gone {
		resp.Diagnostics.Append(otherHostError(state, other, "delete"))
		return
	}
	if r.handOver(state, private, id) {
		return // the replacement that follows settles the earlier create
	}
	ctx = r.data.mask(ctx, state.Token.ValueString(), state.Password.ValueString(), state.PreviousToken.ValueString())
	if len(private.Borrowed) > 0 {
		resp.Diagnostics.Append(r.deleteBorrowedOf(ctx, state, private)...)
	}
	// The kept token first, while the current one still serves as a credential.
	if state.keepsPrevious() {
		resp.Diagnostics.Append(r.deletePrevious(ctx, state, private)...)
	}
	switch {
	case private.Gone:
		// Proven gone: nothing to delete.
	case private.Pending == nil && id == 0 && valueOf(state, private) == "":
		resp.Diagnostics.AddError("Earlier create not settled: "+state.Name.ValueString(), fmt.Sprintf("The token %q is "+
			"tainted because the reply of its create was lost, and this run did not refresh it (-refresh=false): only a "+
			"refresh passes what is known of that create on to the replacement Terraform plans. Nothing was deleted or "+
			"created. Apply again without -refresh=false: it settles the earlier create before it creates anything.",
			state.Name.ValueString()))
		// Terraform keeps the private state this delete returns, and the record of the create
		// did not reach it: keep what is known, so that no later plan takes the token for gone
		// or creates another before a listing settled from now on shows what it made.
		now := r.data.now()
		resp.Diagnostics.Append(r.keepPrivate(ctx, resp.Private, serverTokenPrivate{Pending: &b2b.PendingCreate{
			Name: state.Name.ValueString(), Email: state.Email.ValueString(), StoreHash: state.StoreHash.ValueString(),
			Host: r.data.client.Host(), SentAt: now, EndedAt: now,
		}})...)
	case private.Pending != nil && private.Rotation:
		resp.Diagnostics.Append(r.deletePending(ctx, state, private, "")...)
		fallthrough
	case private.Pending == nil && id != 0:
		resp.Diagnostics.Append(r.data.deleteServerToken(ctx, tokenToDelete{
			storeHash: state.StoreHash.ValueString(), id: id, value: state.Token.ValueString(), name: state.Name.ValueString(),
			madeAt: private.Host,
		})...)
	default:
		resp.Diagnostics.Append(r.deletePending(ctx, state, private, valueOf(state, private))...)
	}
}

// deletePending deletes the token of a create whose token was never found, once the
// listings find it; one proven never made, or gone since, needs nothing.
func (r *serverTokenResource) deletePending(ctx context.Context, state serverTokenModel, private serverTokenPrivate, value string) diag.Diagnostics {
	var diags diag.Diagnostics
	pending := b2b.PendingCreate{Name: state.Name.ValueString(), Email: state.Email.ValueString(), StoreHash: state.StoreHash.ValueString()}
	if private.Pending != nil {
		pending = *private.Pending
	}
	store, _ := r.data.storeWith(pending.StoreHash, private.Host, value)
	out := store.Reconcile(ctx, pending, value)
	switch {
	case out.Located():
		diags.Append(r.data.deleteServerToken(ctx, tokenToDelete{storeHash: pending.StoreHash, id: out.Token.ID,
			value: out.Token.Token, name: pending.Name, madeAt: private.Host})...)
	case out.Kind == b2b.CreateNone:
	case value != "":
		why := "the token list does not show it yet"
		if out.Err != nil {
			why = r.data.explain(out.Err)
		}
		diags.AddError("Could not delete the server token",
			fmt.Sprintf("The token %q that an earlier apply created may still exist, and its id is not known yet: %s. Nothing "+
				"was deleted; destroy again later, once the list shows it (by %s).", pending.Name, why,
				pending.EndedAt.Add(r.data.client.ListLag()).UTC().Format(time.RFC3339)))
	default:
		diags.Append(r.pendingUnsettled(state, pending, "", "", &out, false)...)
	}
	return diags
}

// deleteServerToken deletes a token by id with any credential of its store, itself
// included. A token already gone is no error: the API's own 404, or its refusal of the
// token's own value as the last credential left.
func (d *providerData) deleteServerToken(ctx context.Context, t tokenToDelete) diag.Diagnostics {
	var diags diag.Diagnostics
	store, _ := d.storeWith(t.storeHash, t.madeAt, t.value)
	out, err := store.Delete(ctx, t.id, t.value)
	switch {
	case err != nil:
		diags.AddError("Could not delete the server token",
			fmt.Sprintf("The server-to-server token %q (id %d) could not be deleted and may still exist.\n\n%s", t.name, t.id, d.explain(err)))
	case out.Revoked:
		diags.AddWarning("Server token already invalid",
			fmt.Sprintf("BigCommerce refuses the token %q (id %d) as invalid: it was already revoked or deleted.", t.name, t.id))
	}
	diags.Append(d.runNotices(store)...)
	return diags
}

// tokenToDelete is what a caller knows of a token it deletes.
type tokenToDelete struct {
	storeHash   string
	id          int64
	value, name string
	// madeAt is the API host the token was made at ("" when unknown): only there is its
	// value a credential.
	madeAt string
}

// deleteBorrowedOf deletes the borrowed credentials the resource's creates left, while its
// own token still serves as a credential; what cannot be deleted now is named, as nothing
// will track it once the resource is gone.
func (r *serverTokenResource) deleteBorrowedOf(ctx context.Context, state serverTokenModel, private serverTokenPrivate) diag.Diagnostics {
	store, _ := r.data.storeWith(state.StoreHash.ValueString(), private.Host, state.Token.ValueString(), state.PreviousToken.ValueString())
	kept, _ := r.deleteLeftovers(ctx, store, private.Borrowed)
	var diags diag.Diagnostics
	if len(kept) > 0 {
		diags.AddWarning("Short-lived credential left in the store",
			fmt.Sprintf("Short-lived tokens that creates of %q borrowed to list the store are not listed yet, so they could "+
				"not be deleted, and nothing tracks them once this resource is gone: delete them by name (%s) with the "+
				"b2b_server_tokens data source and the revoke action, or in the store.", state.Name.ValueString(), borrowedNames(kept)))
	}
	return diags
}
