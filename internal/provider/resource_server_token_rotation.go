package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

// The in-place rotation of b2b_server_token (keep_previous_for, described for users in
// docs/resources/server_token.md): ModifyPlan decides and plans it (planTokenChange), and
// Update carries it out (rotate).

type rotationKind int

const (
	rotationNone rotationKind = iota
	rotationReplace
	rotationInPlace
)

// rotationOf says what a change of rotate_when_changed from prior to planned does: nothing
// when the token had none (after an import) or nothing changed; an in-place rotation when
// keep_previous_for is set (known at plan); else a replacement.
func rotationOf(prior, planned types.Map, keep timetypes.GoDuration) rotationKind {
	switch {
	case prior.IsNull() || planned.Equal(prior):
		return rotationNone
	case keep.IsNull() || keep.IsUnknown():
		return rotationReplace
	}
	return rotationInPlace
}

// fullyKnown: m and each of its elements are known.
func fullyKnown(m types.Map) bool {
	if m.IsUnknown() {
		return false
	}
	for _, v := range m.Elements() {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}

const rotationReplacesDescription = "Replaces the token when the value changes, unless keep_previous_for is set."

// rotationReplaces is rotate_when_changed's RequiresReplaceIf.
func rotationReplaces(ctx context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
	var keep timetypes.GoDuration
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("keep_previous_for"), &keep)...)
	resp.RequiresReplace = rotationOf(req.StateValue, req.PlanValue, keep) == rotationReplace
}

// serverTokenRotationAttributes are the arguments and results of a rotation.
func serverTokenRotationAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"rotate_when_changed": schema.MapAttribute{
			Optional:    true,
			ElementType: types.StringType,
			MarkdownDescription: "Arbitrary values whose change rotates the token, such as the `id` of a " +
				"`time_rotating` resource, for scheduled rotation. Without `keep_previous_for`, a change " +
				"replaces the token: with `create_before_destroy` the new token exists before the old one is " +
				"deleted, but the old one is deleted in the same apply, so whatever still holds it fails at " +
				"once. With `keep_previous_for`, a change rotates the token in place and keeps the old one " +
				"valid for that long. Setting it on a token that had none (after an import) changes nothing.",
			PlanModifiers: []planmodifier.Map{
				mapplanmodifier.RequiresReplaceIf(rotationReplaces, rotationReplacesDescription, rotationReplacesDescription),
			},
		},
		"keep_previous_for": schema.StringAttribute{
			Optional:   true,
			CustomType: timetypes.GoDurationType{},
			MarkdownDescription: "How long a rotation keeps the token it replaces valid, as a Go duration of at " +
				"least `1s`, such as `\"24h\"`. When set, a change of `rotate_when_changed` rotates the token " +
				"in place instead of replacing it: a new token (same name, email and store) takes over `id` " +
				"and `token`, and the old one stays valid as `previous_id` and `previous_token` until " +
				"`previous_expires_at`. Consumers that reload the token within that time never hold an invalid " +
				"one. The first plan after that time deletes the old token, so something must plan and apply " +
				"then, such as the scheduled pipeline that `time_rotating` needs anyway. A rotation while an " +
				"old token is still kept deletes that one first: at most two tokens live. Changing this " +
				"argument alone never rotates the token, nor changes when a kept token expires.",
			Validators: []validator.String{durationAtLeast(time.Second)},
		},
		"previous_id": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "Id of the token that the last in-place rotation replaced, while it is kept (see `keep_previous_for`); otherwise null.",
		},
		"previous_token": schema.StringAttribute{
			Computed:  true,
			Sensitive: true,
			MarkdownDescription: "Value of the token that the last in-place rotation replaced, while it is kept, " +
				"for consumers not yet moved to `token`; otherwise null.",
		},
		"previous_expires_at": schema.StringAttribute{
			Computed:   true,
			CustomType: timetypes.RFC3339Type{},
			MarkdownDescription: "When the kept token expires (RFC 3339): the first plan after this time is an " +
				"update that deletes it. Null when no token is kept.",
		},
	}
}

// planTokenChange plans what the plan does to the token itself, and requires a password
// wherever it creates one. A create (new, or the second plan of a replacement, whose prior
// state is null) keeps no previous token. An in-place rotation plans a new id and token,
// and the current token as the previous one. A plan that changes nothing else deletes a
// kept token whose time is up; a plan that changes something keeps it, so that the plan
// Terraform makes again at apply agrees with this one whatever the time then.
func (r *serverTokenResource) planTokenChange(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var plan, prior serverTokenModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	creating := req.State.Raw.IsNull()
	if !creating {
		resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	inPlace := !creating && rotationOf(prior.RotateWhenChanged, plan.RotateWhenChanged, plan.KeepPreviousFor) == rotationInPlace
	if creating || inPlace {
		resp.Diagnostics.Append(checkCreatedName(ctx, plan.Name)...)
	}
	switch {
	case creating:
		resp.Diagnostics.Append(requirePassword(ctx, req.Config, fmt.Sprintf("creates the server token %q", plan.Name.ValueString()))...)
		plan.dropPrevious()
	case inPlace:
		resp.Diagnostics.Append(requirePassword(ctx, req.Config, fmt.Sprintf("rotates the server token %q in place, which creates a new token", plan.Name.ValueString()))...)
		plan.ID, plan.Token, plan.EventChannel = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
		plan.PreviousID, plan.PreviousToken = prior.ID, prior.Token
		if !fullyKnown(plan.RotateWhenChanged) {
			// The trigger may come back unchanged at apply (its source replaced within the
			// same second, say): then nothing rotates, and the previous token stays as it is.
			plan.PreviousID, plan.PreviousToken = types.StringUnknown(), types.StringUnknown()
		}
		plan.PreviousExpiresAt = timetypes.NewRFC3339Unknown()
	case prior.keepsPrevious() && req.Plan.Raw.Equal(req.State.Raw) && r.previousExpired(prior):
		plan.dropPrevious()
		resp.Diagnostics.AddWarning("Kept server token expired: this apply deletes it",
			fmt.Sprintf("The token %q (id %s) that the last rotation replaced was kept until %s (keep_previous_for). "+
				"This apply deletes it; whatever still uses it fails from then on. The current token is unchanged.",
				prior.Name.ValueString(), prior.PreviousID.ValueString(), prior.PreviousExpiresAt.ValueString()))
	default:
		plan.keepPreviousOf(prior)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// previousExpired: the kept token's time is up (or unknown, which only a hand-edited state has).
func (r *serverTokenResource) previousExpired(m serverTokenModel) bool {
	at, diags := m.PreviousExpiresAt.ValueRFC3339Time()
	return m.PreviousExpiresAt.IsNull() || diags.HasError() || !r.data.now().Before(at)
}

// hasPassword reports whether the configuration sets a password (known or not yet).
func hasPassword(ctx context.Context, config tfsdk.Config) bool {
	var password, passwordWO types.String
	diags := config.GetAttribute(ctx, path.Root("password"), &password)
	diags.Append(config.GetAttribute(ctx, path.Root("password_wo"), &passwordWO)...)
	return !diags.HasError() && (!password.IsNull() || !passwordWO.IsNull())
}

// requirePassword fails a plan that creates a token without a password.
func requirePassword(ctx context.Context, config tfsdk.Config, what string) diag.Diagnostics {
	var password, passwordWO types.String
	diags := config.GetAttribute(ctx, path.Root("password"), &password)
	diags.Append(config.GetAttribute(ctx, path.Root("password_wo"), &passwordWO)...)
	if !diags.HasError() && password.IsNull() && passwordWO.IsNull() {
		diags.AddError("Missing password: set password_wo or password",
			fmt.Sprintf("This plan %s, which needs the backend user's password: set password_wo (Terraform or "+
				"OpenTofu 1.11 and later) or password. A token that exists needs neither until it is replaced "+
				"or rotated.", what))
	}
	return diags
}

// passwordOf is the password that creates a token: password, else password_wo, which only
// the configuration holds.
func passwordOf(ctx context.Context, m serverTokenModel, config tfsdk.Config) (string, diag.Diagnostics) {
	if p := m.Password.ValueString(); p != "" {
		return p, nil
	}
	var wo types.String
	diags := config.GetAttribute(ctx, path.Root("password_wo"), &wo)
	return wo.ValueString(), diags
}

// keepsPrevious: a token replaced by an in-place rotation is still kept.
func (m serverTokenModel) keepsPrevious() bool {
	return !m.PreviousID.IsNull() || !m.PreviousToken.IsNull()
}

func (m *serverTokenModel) dropPrevious() {
	m.PreviousID, m.PreviousToken, m.PreviousExpiresAt = types.StringNull(), types.StringNull(), timetypes.NewRFC3339Null()
}

func (m *serverTokenModel) keepPreviousOf(o serverTokenModel) {
	m.PreviousID, m.PreviousToken, m.PreviousExpiresAt = o.PreviousID, o.PreviousToken, o.PreviousExpiresAt
}

// rotate creates the token's successor, which takes over id and token, and keeps the one it
// replaces for keep_previous_for; a token kept from an earlier rotation is deleted first, so
// that at most two live. Until the successor exists, a failure leaves state as it was; a
// successor whose create cannot be settled is kept as a pending rotation, which the next
// refresh settles before the plan can rotate again.
func (r *serverTokenResource) rotate(ctx context.Context, config tfsdk.Config, prior, plan serverTokenModel, private serverTokenPrivate,
	resp *resource.UpdateResponse,
) {
	password, diags := passwordOf(ctx, plan, config)
	keep, keepDiags := plan.KeepPreviousFor.ValueGoDuration()
	diags.Append(keepDiags...)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		resp.Diagnostics.Append(resp.State.Set(ctx, &prior)...)
		return
	}
	ctx = r.data.mask(ctx, password)
	if prior.keepsPrevious() {
		diags := r.deletePrevious(ctx, prior, private)
		if resp.Diagnostics.Append(diags...); diags.HasError() {
			resp.Diagnostics.Append(resp.State.Set(ctx, &prior)...)
			return
		}
		prior.dropPrevious()
	}
	store, _ := r.data.storeWith(plan.StoreHash.ValueString(), private.Host, prior.Token.ValueString())
	out := store.Provision(ctx, plan.createRequest(password))
	r.noteOutcome(out, &resp.Diagnostics)
	resp.Diagnostics.Append(r.data.runNotices(store)...)
	switch out.Kind {
	case b2b.CreateNone:
		resp.Diagnostics.AddError("Could not rotate the server token",
			"No new token was made; the current token is unchanged and still valid.\n\n"+r.data.createErrorDetail(out, password, plan.StoreHash.ValueString()))
		resp.Diagnostics.Append(resp.State.Set(ctx, &prior)...)
		return
	case b2b.CreateUnknown:
		resp.Diagnostics.AddError("Server token rotation may have made a token: "+plan.Name.ValueString(),
			"The current token is unchanged and still valid.\n\n"+r.data.createErrorDetail(out, password, plan.StoreHash.ValueString()))
		resp.Diagnostics.Append(resp.State.Set(ctx, &prior)...)
		rotateTo := map[string]string{}
		resp.Diagnostics.Append(plan.RotateWhenChanged.ElementsAs(ctx, &rotateTo, false)...)
		resp.Diagnostics.Append(r.keepPrivate(ctx, resp.Private, serverTokenPrivate{Pending: &out.Pending, Rotation: true,
			RotateTo: rotateTo, KeepFor: keep.String()})...)
		return
	}
	plan.PreviousID, plan.PreviousToken = prior.ID, prior.Token
	plan.PreviousExpiresAt = timetypes.NewRFC3339TimeValue(r.data.now().Add(keep).UTC())
	resp.Diagnostics.Append(r.saveMadeToken(ctx, &plan, out, true, &resp.State, resp.Identity, resp.Private)...)
}

// finishRotation settles a rotation whose reply was lost and whose new token a refresh
// found: the new token takes over, and the one it replaces is kept from when the rotation
// was sent.
func (r *serverTokenResource) finishRotation(ctx context.Context, state serverTokenModel, private serverTokenPrivate,
	made b2b.ServerToken, resp *resource.ReadResponse,
) {
	keep, _ := time.ParseDuration(private.KeepFor)
	state.PreviousID, state.PreviousToken = state.ID, state.Token
	state.PreviousExpiresAt = timetypes.NewRFC3339TimeValue(private.Pending.SentAt.Add(keep).UTC())
	if private.RotateTo != nil {
		rotateTo, diags := types.MapValueFrom(ctx, types.StringType, private.RotateTo)
		resp.Diagnostics.Append(diags...)
		state.RotateWhenChanged = rotateTo
	}
	setFromListed(&state, made)
	resp.Diagnostics.AddWarning("Server token rotation found",
		fmt.Sprintf("The new token of %q that an earlier in-place rotation created is listed now, with id %d: it is the "+
			"current token, and the one it replaced is kept (id %s) until %s.", state.Name.ValueString(), made.ID,
			state.PreviousID.ValueString(), state.PreviousExpiresAt.ValueString()))
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	resp.Diagnostics.Append(r.setIdentity(ctx, resp.Identity, &state)...)
	resp.Diagnostics.Append(r.keepPrivate(ctx, resp.Private, serverTokenPrivate{})...)
}

// deletePrevious deletes the token that the last rotation kept; one already gone is fine.
func (r *serverTokenResource) deletePrevious(ctx context.Context, m serverTokenModel, private serverTokenPrivate) diag.Diagnostics {
	id, diags := tokenID(m.PreviousID, path.Root("previous_id"))
	if diags.HasError() {
		return diags
	}
	return r.data.deleteServerToken(ctx, tokenToDelete{
		storeHash: m.StoreHash.ValueString(), id: id, value: m.PreviousToken.ValueString(), name: m.Name.ValueString(),
		madeAt: private.Host,
	})
}

// durationAtLeast accepts a Go duration of at least least; the GoDuration type itself
// reports a value that is not a duration.
func durationAtLeast(least time.Duration) validator.String { return durationAtLeastValidator{least} }

type durationAtLeastValidator struct{ least time.Duration }

func (v durationAtLeastValidator) Description(context.Context) string {
	return fmt.Sprintf("must be a Go duration of at least %s", v.least)
}

func (v durationAtLeastValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v durationAtLeastValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err == nil && d < v.least {
		resp.Diagnostics.AddAttributeError(req.Path, "Duration too short",
			fmt.Sprintf("%s must be a Go duration of at least %s, such as \"24h\"; got %q.", req.Path, v.least, req.ConfigValue.ValueString()))
	}
}
