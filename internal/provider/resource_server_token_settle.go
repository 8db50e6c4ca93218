package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

// Settled at apply: a create whose reply was lost (or whose token was found only after its
// apply failed) is settled by the apply that follows, never by creating a second token at
// plan time or blindly at apply.
//
// A failed create leaves the resource tainted, and Terraform then plans a replacement whose
// create half sees neither the tainted object's state nor its private state. What carries
// the earlier create across is, in order:
//
//  1. the refresh (Read) of the tainted object, which records in this provider process what
//     it found (stashFound) or could not settle (stashUnsettled);
//  2. the replacement's plan (planReplacement, the same process), which takes that record
//     into its planned private state, which the plan file keeps;
//  3. the delete of the tainted object at apply, which Terraform hands that planned private
//     state (destroy-then-create), and which hands the token found, or the create to settle,
//     to the replacement's create in the same apply process (handOver);
//  4. that create (createHandedOver), which keeps the token found, or settles the earlier
//     create, borrowing a credential when the run has none, and creates only when it
//     provably made nothing.
//
// With create_before_destroy the create runs first and knows nothing of the earlier one: it
// makes a new token, and the delete of the tainted object (which then gets its own private
// state) deletes what the earlier create made. An in-place rotation whose reply was lost
// leaves the resource untainted: its plan sees the pending rotation in private state,
// whatever the flags, and plans it as settled at apply (planSettleRotation, settleRotation).

// replacementKey names what a replacement and the tainted object it replaces share.
func (r *serverTokenResource) replacementKey(storeHash, name, email string) string {
	return strings.Join([]string{r.data.client.Host(), storeHash, name, strings.ToLower(email)}, "\x00")
}

// replaced is what a refresh learned of a tainted object's earlier create.
type replaced struct {
	pending  *b2b.PendingCreate // unsettled
	rotateTo types.Map          // the object's rotate_when_changed, when found
	borrowed []b2b.PendingCreate
}

// handedOver is what the delete of a tainted object hands the create of its replacement.
type handedOver struct {
	token    *b2b.ServerToken
	pending  *b2b.PendingCreate
	borrowed []b2b.PendingCreate
}

func (r *serverTokenResource) stashFound(state serverTokenModel, borrowed []b2b.PendingCreate) {
	key := r.replacementKey(state.StoreHash.ValueString(), state.Name.ValueString(), state.Email.ValueString())
	r.data.replaced.Store(key, replaced{rotateTo: state.RotateWhenChanged, borrowed: borrowed})
}

func (r *serverTokenResource) stashUnsettled(state serverTokenModel, private serverTokenPrivate) {
	if private.Rotation || private.Pending == nil || valueOf(state, private) != "" {
		return // a rotation is settled by its update; a known value is found by the delete
	}
	p := *private.Pending
	r.data.replaced.Store(r.replacementKey(p.StoreHash, p.Name, p.Email), replaced{pending: &p, borrowed: private.Borrowed})
}

// planReplacement plans the create half of a replacement of a tainted object whose earlier
// create this plan's refresh found or could not settle; false when there is none.
func (r *serverTokenResource) planReplacement(ctx context.Context, resp *resource.ModifyPlanResponse) bool {
	var plan serverTokenModel
	if resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...); resp.Diagnostics.HasError() {
		return true
	}
	v, _ := r.data.replaced.LoadAndDelete(r.replacementKey(plan.StoreHash.ValueString(), plan.Name.ValueString(), plan.Email.ValueString()))
	rep, ok := v.(replaced)
	if !ok {
		return false
	}
	name := plan.Name.ValueString()
	switch {
	case rep.pending != nil:
		resp.Diagnostics.Append(serverTokenPrivate{SettleAtApply: true, Pending: rep.pending, Borrowed: rep.borrowed}.save(ctx, resp.Private)...)
		resp.Diagnostics.AddWarning("Replacement settles the earlier create first: "+name,
			fmt.Sprintf("The token %q is tainted because its create's reply was lost. This apply settles that create before "+
				"anything else: it keeps the token the create made when it finds it, creates one only when it made none, and "+
				"fails, creating nothing, while it still cannot tell. (With create_before_destroy, the new token is created "+
				"first, and what the earlier create made is deleted after.)", name))
	case rep.rotateTo.Equal(plan.RotateWhenChanged):
		resp.Diagnostics.Append(serverTokenPrivate{SettleAtApply: true, Adopt: true, Borrowed: rep.borrowed}.save(ctx, resp.Private)...)
		resp.Diagnostics.AddWarning("Replacement keeps the token found: "+name,
			fmt.Sprintf("The token %q is tainted because the apply that created it failed, and it has been found since. "+
				"Terraform plans to replace it; this apply keeps it instead, creating and deleting no token. (With "+
				"create_before_destroy, Terraform creates the new token first, and the one found is deleted.)", name))
	}
	return true
}

// handOver is the delete of a tainted object whose replacement settles its earlier create:
// it deletes nothing, and hands the create that follows what it needs.
func (r *serverTokenResource) handOver(state serverTokenModel, private serverTokenPrivate, id int64) bool {
	if !private.SettleAtApply {
		return false
	}
	h := handedOver{pending: private.Pending, borrowed: private.Borrowed}
	if private.Adopt && id != 0 {
		h.token = &b2b.ServerToken{ID: id, Token: state.Token.ValueString(), Name: state.Name.ValueString(),
			Email: state.Email.ValueString(), StoreHash: state.StoreHash.ValueString(), EventChannel: state.EventChannel.ValueString()}
	}
	if h.token == nil && h.pending == nil {
		return false
	}
	r.data.handedOver.Store(r.replacementKey(state.StoreHash.ValueString(), state.Name.ValueString(), state.Email.ValueString()), h)
	return true
}

// createHandedOver is the create of a replacement that its delete handed an earlier
// create's token or pending create. It returns the borrowed credentials still left (not nil),
// or nil when nothing was handed over.
func (r *serverTokenResource) createHandedOver(ctx context.Context, plan serverTokenModel, password string, resp *resource.CreateResponse) []b2b.PendingCreate {
	v, _ := r.data.handedOver.LoadAndDelete(r.replacementKey(plan.StoreHash.ValueString(), plan.Name.ValueString(), plan.Email.ValueString()))
	h, ok := v.(handedOver)
	if !ok {
		return nil
	}
	left := append([]b2b.PendingCreate{}, h.borrowed...)
	if h.token != nil {
		resp.Diagnostics.AddWarning("Server token kept", fmt.Sprintf("The replacement of the tainted token %q keeps it (id %d): "+
			"no token was created or deleted.", plan.Name.ValueString(), h.token.ID))
		out := b2b.CreateOutcome{Kind: b2b.CreateMade, Token: *h.token}
		resp.Diagnostics.Append(r.saveMadeToken(ctx, &plan, out, false, &resp.State, resp.Identity, resp.Private)...)
		return r.deleteHandedOverLeftovers(ctx, plan, h.token.Token, left, resp)
	}
	store := r.data.store(plan.StoreHash.ValueString())
	out := store.Settle(ctx, *h.pending, plan.createRequest(password))
	if out.Kind != b2b.CreateUnknown || !out.Pending.SentAt.Equal(h.pending.SentAt) {
		r.finishCreate(ctx, plan, password, store, out, resp)
		return r.deleteHandedOverLeftovers(ctx, plan, out.Token.Token, left, resp)
	}
	r.noteOutcome(out, &resp.Diagnostics)
	resp.Diagnostics.Append(r.data.runNotices(store)...)
	resp.Diagnostics.Append(r.pendingUnsettled(plan, *h.pending, "", "", &out, false)...)
	plan.ID, plan.Token, plan.EventChannel = types.StringNull(), types.StringNull(), types.StringNull()
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(r.keepPrivate(ctx, resp.Private, serverTokenPrivate{Pending: h.pending})...)
	return left
}

// deleteHandedOverLeftovers deletes the borrowed credentials that the replaced object left,
// with the token the replacement now holds among the credentials; it returns those still
// left.
func (r *serverTokenResource) deleteHandedOverLeftovers(ctx context.Context, plan serverTokenModel, token string,
	left []b2b.PendingCreate, resp *resource.CreateResponse,
) []b2b.PendingCreate {
	if len(left) == 0 || resp.Diagnostics.HasError() {
		return left
	}
	store, _ := r.data.storeWith(plan.StoreHash.ValueString(), r.data.client.Host(), token)
	kept, diags := r.deleteLeftovers(ctx, store, left)
	resp.Diagnostics.Append(diags...)
	if kept == nil {
		kept = []b2b.PendingCreate{}
	}
	return kept
}

// planSettleRotation plans an in-place rotation whose reply was lost as settled at apply:
// the token and its previous one are unknown until the apply finds what it made.
func (r *serverTokenResource) planSettleRotation(ctx context.Context, private serverTokenPrivate, resp *resource.ModifyPlanResponse) {
	var plan serverTokenModel
	if resp.Diagnostics.Append(resp.Plan.Get(ctx, &plan)...); resp.Diagnostics.HasError() {
		return
	}
	plan.ID, plan.Token, plan.EventChannel = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
	plan.PreviousID, plan.PreviousToken, plan.PreviousExpiresAt = types.StringUnknown(), types.StringUnknown(), timetypes.NewRFC3339Unknown()
	resp.Diagnostics.AddWarning("Earlier rotation not settled: "+plan.Name.ValueString(),
		fmt.Sprintf("The in-place rotation of %q sent at %s lost its reply, so it may have made a token. This apply settles "+
			"it first: the token it made becomes the current one, or, when it made none, the rotation is sent again; while "+
			"the apply cannot tell, it fails and creates nothing.", plan.Name.ValueString(),
			private.Pending.SentAt.UTC().Format(time.RFC3339)))
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// settleRotation is the update of a pending rotation: see planSettleRotation.
func (r *serverTokenResource) settleRotation(ctx context.Context, config tfsdk.Config, prior, plan serverTokenModel,
	private serverTokenPrivate, resp *resource.UpdateResponse,
) {
	store, _ := r.data.storeWith(prior.StoreHash.ValueString(), private.Host, prior.Token.ValueString())
	out := store.Reconcile(ctx, *private.Pending, "")
	switch {
	case out.Located():
		keep, _ := time.ParseDuration(private.KeepFor)
		plan.PreviousID, plan.PreviousToken = prior.ID, prior.Token
		plan.PreviousExpiresAt = timetypes.NewRFC3339TimeValue(private.Pending.SentAt.Add(keep).UTC())
		setFromListed(&plan, out.Token)
		resp.Diagnostics.AddWarning("Server token rotation found",
			fmt.Sprintf("The new token of %q that an earlier in-place rotation created is listed now, with id %d: it is the "+
				"current token, and the one it replaced is kept (id %s) until %s.", plan.Name.ValueString(), out.Token.ID,
				plan.PreviousID.ValueString(), plan.PreviousExpiresAt.ValueString()))
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		resp.Diagnostics.Append(r.setIdentity(ctx, resp.Identity, &plan)...)
		resp.Diagnostics.Append(r.keepPrivate(ctx, resp.Private, serverTokenPrivate{})...)
	case out.Kind == b2b.CreateNone && rotationOf(prior.RotateWhenChanged, plan.RotateWhenChanged, plan.KeepPreviousFor) == rotationInPlace:
		r.rotate(ctx, config, prior, plan, serverTokenPrivate{Host: private.Host}, resp)
	case out.Kind == b2b.CreateNone:
		plan.ID, plan.Token, plan.EventChannel = prior.ID, prior.Token, prior.EventChannel
		plan.keepPreviousOf(prior)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		resp.Diagnostics.Append(r.keepPrivate(ctx, resp.Private, serverTokenPrivate{})...)
	default:
		resp.Diagnostics.Append(r.pendingUnsettled(prior, *private.Pending, "", "", &out, false)...)
		resp.Diagnostics.Append(resp.State.Set(ctx, &prior)...)
		resp.Diagnostics.Append(r.keepPrivate(ctx, resp.Private, private)...)
	}
	resp.Diagnostics.Append(r.data.runNotices(store)...)
}
