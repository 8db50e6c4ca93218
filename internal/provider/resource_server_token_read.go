package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

// Read refreshes the token from the store's list, and writes nothing to the store: a token
// proven gone stays in state marked gone, so that the plan says what it does about it (and
// deletes the token a rotation still keeps at apply, never here); a create whose token was
// not found is reconciled before the plan can create another.
func (r *serverTokenResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state serverTokenModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	private, diags := readPrivate(ctx, req.Private)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.setIdentity(ctx, resp.Identity, &state)...) // also for a token kept unread
	defer func() { r.seenInState(ctx, resp.State) }()
	if other := r.otherHost(private); other != nil {
		resp.Diagnostics.Append(otherHostWarning(state, other))
		return
	}
	ctx = r.data.mask(ctx, state.Token.ValueString(), state.Password.ValueString(), state.PreviousToken.ValueString())
	store, own := r.data.storeWith(state.StoreHash.ValueString(), private.Host, state.Token.ValueString())
	r.data.storeWith(state.StoreHash.ValueString(), private.Host, state.PreviousToken.ValueString())
	switch {
	case private.Gone:
		r.recheckGone(ctx, state, private, store, resp)
	case private.Pending == nil && !state.idLearned() && valueOf(state, private) != "":
		// A state from before pending creates were kept: the token's value, no id.
		private.Pending = &b2b.PendingCreate{Name: state.Name.ValueString(), Email: state.Email.ValueString(), StoreHash: store.Hash()}
		fallthrough
	case private.Pending != nil:
		r.readPending(ctx, state, private, store, resp)
	default:
		r.readPresence(ctx, state, private, store, own, resp)
	}
	resp.Diagnostics.Append(r.data.runNotices(store)...)
	if len(private.Borrowed) > 0 && !resp.State.Raw.IsNull() {
		resp.Diagnostics.Append(setBorrowed(ctx, resp.Private, private.Borrowed)...) // deleted at apply, never here
	}
}

// readPresence refreshes a token whose id is known.
func (r *serverTokenResource) readPresence(ctx context.Context, state serverTokenModel, private serverTokenPrivate,
	store *b2b.Store, own string, resp *resource.ReadResponse,
) {
	id, diags := tokenID(state.ID, path.Root("id"))
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	importing := state.Name.IsNull()
	if own == "" && !store.HasConfiguredCredential() {
		resp.Diagnostics.AddError("No credential to read the server token", r.noOwnCredentialDetail(state, private, id, store))
		return
	}
	presence := store.Find(ctx, id, own)
	switch {
	case presence.Kind == b2b.Present:
		setFromListed(&state, presence.Token)
		if importing {
			// An import does not know the configuration's token_in_state: it keeps no value,
			// and says so (a configuration Terraform generates from it keeps none either). With
			// token_in_state = true, the value is read at apply and never reaches the import's
			// plan.
			state.Token, state.TokenInState = types.StringNull(), types.BoolValue(false)
		}
		if importing || !b2b.NameKeptAs(state.Name.ValueString(), presence.Token.Name) {
			state.Name = types.StringValue(presence.Token.Name) // an API that cut the name short keeps the configured one
		}
		if !strings.EqualFold(state.Email.ValueString(), presence.Token.Email) {
			state.Email = types.StringValue(presence.Token.Email)
		}
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		resp.Diagnostics.Append(r.setIdentity(ctx, resp.Identity, &state)...)
		if private.Found {
			r.stashFound(state, private.Borrowed)
		}
		resp.Diagnostics.Append(r.keepPrivate(ctx, resp.Private, serverTokenPrivate{Found: private.Found, Borrowed: private.Borrowed})...)
	case presence.Kind == b2b.Absent && importing:
		resp.Diagnostics.AddError("No such server token",
			fmt.Sprintf("The store %q has no server token with id %d: two complete listings of its tokens do not show it. %s", store.Hash(), id, findIDsHint))
	case presence.Kind == b2b.Absent:
		resp.Diagnostics.AddWarning(goneSummary(presence), goneDetail(state, id, presence))
		state.Token = types.StringNull()
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		resp.Diagnostics.Append(r.keepPrivate(ctx, resp.Private, serverTokenPrivate{Gone: true})...)
	case presence.Err != nil:
		resp.Diagnostics.AddError("Could not read the server token",
			fmt.Sprintf("The server token %q (id %d) of store %q could not be read; state is unchanged.\n\n%s",
				state.Name.ValueString(), id, store.Hash(), r.data.explain(presence.Err)))
	case importing:
		resp.Diagnostics.AddError("Could not import the server token",
			fmt.Sprintf("No page of the token list of store %q showed the id %d, and the listings could not prove that it "+
				"does not exist: %s. Try again.", store.Hash(), id, presence.Why))
	default:
		resp.Diagnostics.AddWarning("Server token kept in state",
			fmt.Sprintf("The token %q (id %d) is kept in state although no listing showed it: %s. It may exist, and "+
				"dropping it would leave a token that nothing tracks. The next refresh looks again.", state.Name.ValueString(), id, presence.Why))
	}
}

// valueOf is the token's value as the resource holds it: in state, or, while token_in_state
// is false and its id is not known yet, in private state.
func valueOf(state serverTokenModel, private serverTokenPrivate) string {
	if v := state.Token.ValueString(); v != "" {
		return v
	}
	return private.Value
}

func goneSummary(p b2b.Presence) string {
	if p.Revoked {
		return "Server token revoked outside Terraform"
	}
	return "Server token deleted outside Terraform"
}

func goneDetail(state serverTokenModel, id int64, p b2b.Presence) string {
	why := "two complete listings of the store's tokens, one after the other, do not show it"
	if p.Revoked {
		why = "BigCommerce refuses its value as invalid, and this run has no other credential of the store to list with"
	}
	return fmt.Sprintf("The server token %q (id %d) is gone: %s. State marks it gone; the plan says what it does about it "+
		"(with a password configured, it creates a new token in its place).", state.Name.ValueString(), id, why)
}

// noOwnCredentialDetail says why a read without a token of its own has no credential.
func (r *serverTokenResource) noOwnCredentialDetail(state serverTokenModel, private serverTokenPrivate, id int64, store *b2b.Store) string {
	need := fmt.Sprintf("Set the provider's auth_token (or %s) to an S2S token of store %q, or access_token (or %s) where "+
		"BigCommerce accepts it for listing.", envAuthToken, store.Hash(), envAccessToken)
	switch {
	case !state.Token.IsNull() && private.Host != "":
		return fmt.Sprintf("The server token %q (id %d) was made at %s, and api_url is now %s: a token is sent as a credential "+
			"only to the API host where it was made. %s", state.Name.ValueString(), id, private.Host, r.data.client.Host(), need)
	case state.Name.IsNull():
		return fmt.Sprintf("Importing the server token with id %d of store %q reads it from the store's token list, which "+
			"needs a credential of the provider's own: an import has no token of its own, and the tokens that other "+
			"resources of the configuration hold are not used for it, so that whether it works never depends on the "+
			"order Terraform reads them in. %s", id, store.Hash(), need)
	}
	return fmt.Sprintf("The server token %q (id %d) has no token value in state to list with. %s", state.Name.ValueString(), id, need)
}

// readPending reconciles a create (or in-place rotation) whose token was not found.
func (r *serverTokenResource) readPending(ctx context.Context, state serverTokenModel, private serverTokenPrivate,
	store *b2b.Store, resp *resource.ReadResponse,
) {
	// A rotation whose reply was lost left the current token in state; any other pending
	// create has the token's value when its reply arrived.
	pending, value := *private.Pending, valueOf(state, private)
	if private.Rotation {
		value = ""
	}
	if !store.HasCredential() {
		r.stashUnsettled(state, private)
		resp.Diagnostics.Append(r.pendingUnsettled(state, pending, value, "this run has no credential of the store to list "+
			"with at plan (the provider's auth_token, or "+envAuthToken+", would be one)", nil, true)...)
		return
	}
	out := store.Reconcile(ctx, pending, value)
	switch {
	case out.Located() && private.Rotation:
		r.finishRotation(ctx, state, private, out.Token, resp)
	case out.Located():
		setFromListed(&state, out.Token)
		resp.Diagnostics.AddWarning("Server token found",
			fmt.Sprintf("The token %q that an earlier apply created is listed now, with id %d: it is in state. If that "+
				"apply's failure left it tainted, the replacement Terraform plans keeps this token instead of deleting it "+
				"and creating another.", state.Name.ValueString(), out.Token.ID))
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		resp.Diagnostics.Append(r.setIdentity(ctx, resp.Identity, &state)...)
		r.stashFound(state, private.Borrowed)
		resp.Diagnostics.Append(r.keepPrivate(ctx, resp.Private, serverTokenPrivate{Found: true, Borrowed: private.Borrowed})...)
	case out.Kind == b2b.CreateNone && private.Rotation:
		resp.Diagnostics.AddWarning("Rotation made no token",
			fmt.Sprintf("The in-place rotation of %q whose reply was lost made no token (complete listings after the "+
				"list had time to show it do not). The current token is unchanged; the plan rotates again.", state.Name.ValueString()))
		resp.Diagnostics.Append(r.keepPrivate(ctx, resp.Private, serverTokenPrivate{})...)
	case out.Kind == b2b.CreateNone && value != "":
		resp.Diagnostics.AddWarning("Server token deleted outside Terraform",
			fmt.Sprintf("The token %q that an earlier apply created is not in the store's token list any more (complete "+
				"listings after the list had time to show it): it was deleted. The plan says what it does about it.", state.Name.ValueString()))
		state.Token = types.StringNull()
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		resp.Diagnostics.Append(r.keepPrivate(ctx, resp.Private, serverTokenPrivate{Gone: true})...)
	case out.Kind == b2b.CreateNone:
		resp.Diagnostics.AddWarning("Earlier create made no token",
			fmt.Sprintf("The create of %q at %s, whose reply was lost, made no token: complete listings made after the list "+
				"had time to show it do not. It is removed from state, so this plan creates it.", state.Name.ValueString(),
				pending.SentAt.UTC().Format(time.RFC3339)))
		resp.State.RemoveResource(ctx)
	default:
		r.stashUnsettled(state, private)
		resp.Diagnostics.Append(r.pendingUnsettled(state, pending, value, "", &out, true)...)
	}
}

// pendingUnsettled is the diagnostic of a pending create this run cannot settle: a warning
// when the token's value is known (it is tracked; the plan replaces it), else an error that
// stops the plan before it creates a second token.
//
// With atApply (a refresh), a create whose value is unknown is a warning too: the plan
// settles it at apply (planSettleAtApply), where it may borrow a credential and creates
// nothing while the outcome stays unknown.
func (r *serverTokenResource) pendingUnsettled(state serverTokenModel, p b2b.PendingCreate, value, why string, out *b2b.CreateOutcome,
	atApply bool,
) diag.Diagnostics {
	var diags diag.Diagnostics
	if out != nil {
		switch {
		case out.Err != nil:
			why = r.data.explain(out.Err)
		case len(out.Candidates) > 0:
			why = "tokens with its name and email that this run cannot tell apart: ids " + tokenIDs(out.Candidates)
		default:
			why = "the list may not show it yet: it must by " + p.EndedAt.Add(r.data.client.ListLag()).UTC().Format(time.RFC3339)
		}
	}
	why = strings.TrimSuffix(strings.TrimSpace(why), ".")
	if value != "" {
		diags.AddWarning("Server token not listed yet",
			fmt.Sprintf("The token %q that an earlier apply created is kept in state by its value; its id is not known yet (%s).",
				state.Name.ValueString(), why))
		return diags
	}
	if atApply {
		diags.AddWarning("Earlier create not settled: "+state.Name.ValueString(),
			fmt.Sprintf("An earlier apply sent a create of %q (email %s, store %s) at %s whose reply was lost, so it may "+
				"have made a token, and this plan cannot tell yet: %s.\n\nThe plan writes nothing, so the apply settles it "+
				"first: it lists the store's tokens (borrowing a short-lived credential when the run has none), keeps the "+
				"token that create made when it finds it, and creates one only when that create provably made none. "+
				"While it still cannot tell, the apply fails and creates nothing.",
				p.Name, p.Email, p.StoreHash, p.SentAt.UTC().Format(time.RFC3339), why))
		return diags
	}
	diags.AddError("Earlier create not settled: "+state.Name.ValueString(),
		fmt.Sprintf("An earlier apply sent a create of %q (email %s, store %s) at %s whose reply was lost, so it may have made "+
			"a token. This run stops so that it does not create a second one, as it cannot tell yet: %s.\n\n"+
			"Plan again later; or, knowing the store, import the token it made (terraform state rm <address>, then "+
			"terraform import <address> <id>), or remove it from state if it made none.",
			p.Name, p.Email, p.StoreHash, p.SentAt.UTC().Format(time.RFC3339), why))
	return diags
}

// recheckGone looks again for a token an earlier refresh proved gone: one listing more may
// show it (a replica that was behind, say), and nothing acts on its absence that a listing
// contradicts. Found, it is back in state; otherwise it stays marked gone.
func (r *serverTokenResource) recheckGone(ctx context.Context, state serverTokenModel, private serverTokenPrivate,
	store *b2b.Store, resp *resource.ReadResponse,
) {
	id, diags := tokenID(state.ID, path.Root("id"))
	if diags.HasError() || id == 0 || !store.HasConfiguredCredential() {
		return // nothing to list with but the token itself, which is gone
	}
	p := store.Find(ctx, id, "")
	if p.Kind != b2b.Present {
		return
	}
	setFromListed(&state, p.Token)
	resp.Diagnostics.AddWarning("Server token found again",
		fmt.Sprintf("The token %q (id %d), which an earlier refresh found gone, is listed again: it is back in state, and "+
			"the plan does not replace it.", state.Name.ValueString(), id))
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	resp.Diagnostics.Append(r.keepPrivate(ctx, resp.Private, serverTokenPrivate{Borrowed: private.Borrowed})...)
}
