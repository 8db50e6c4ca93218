package provider

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

var (
	_ resource.ResourceWithConfigure        = (*serverTokenResource)(nil)
	_ resource.ResourceWithImportState      = (*serverTokenResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*serverTokenResource)(nil)
	_ resource.ResourceWithConfigValidators = (*serverTokenResource)(nil)
)

// NewServerTokenResource is the b2b_server_token resource.
func NewServerTokenResource() resource.Resource { return &serverTokenResource{} }

type serverTokenResource struct {
	data *providerData
}

type serverTokenModel struct {
	ID                types.String `tfsdk:"id"`
	Name              types.String `tfsdk:"name"`
	Email             types.String `tfsdk:"email"`
	Password          types.String `tfsdk:"password"`
	PasswordWO        types.String `tfsdk:"password_wo"`
	StoreHash         types.String `tfsdk:"store_hash"`
	RotateWhenChanged types.Map    `tfsdk:"rotate_when_changed"`
	Token             types.String `tfsdk:"token"`
	EventChannel      types.String `tfsdk:"event_channel"`
	// The in-place rotation (resource_server_token_rotation.go).
	KeepPreviousFor   timetypes.GoDuration `tfsdk:"keep_previous_for"`
	PreviousID        types.String         `tfsdk:"previous_id"`
	PreviousToken     types.String         `tfsdk:"previous_token"`
	PreviousExpiresAt timetypes.RFC3339    `tfsdk:"previous_expires_at"`
	// Values out of state (resource_server_token_in_state.go).
	TokenInState types.Bool `tfsdk:"token_in_state"`
}

func (r *serverTokenResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_token"
	// A rotation in place (keep_previous_for) gives the resource a new token, so a new id.
	resp.ResourceBehavior = resource.ResourceBehavior{MutableIdentity: true}
}

func (r *serverTokenResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attributes := serverTokenArguments()
	maps.Copy(attributes, serverTokenResults())
	maps.Copy(attributes, serverTokenRotationAttributes())
	attributes["token_in_state"] = tokenInStateAttribute()
	resp.Schema = schema.Schema{
		MarkdownDescription: "A B2B Edition server-to-server (S2S) API token, created with the credentials of a " +
			"backend user who has the Administrator or Store Owner role. BigCommerce has no update endpoint: " +
			"changing `name`, `email` or `store_hash` replaces the token; a change of `rotate_when_changed` " +
			"replaces it too, or, with `keep_previous_for`, rotates it in place and keeps the old token valid " +
			"for a grace period.",
		Attributes: attributes,
	}
}

const emailReplacesDescription = "Replaces the token when the email changes other than in letter case."

// serverTokenArguments are what creates a token: who, with which password, in which store.
func serverTokenArguments() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"name": schema.StringAttribute{
			Required: true,
			MarkdownDescription: "Name of the token. Changing it replaces the token. A plan that creates a token checks " +
				"the name as the API keeps it: at most 255 characters, with no space first or last, no two spaces in a row " +
				"and no tab, newline or other control character (the API may trim or collapse whitespace, and the provider " +
				"finds a token by the name its list shows). If BigCommerce cuts a long name short, the apply warns, the " +
				"token is found by the name cut short, and state keeps the configured name. Names need not be unique, but give each resource, and each " +
				"pipeline applying to the store, a name of its own: a create whose reply is lost is told by its name, email " +
				"and store, and two creates of one name and email at once cannot be told apart until the list settles. A " +
				"plan that creates a token without `rotate_when_changed` warns when the store already holds one of its name " +
				"and email that no state of the run holds (it looks at the newest tokens, with a credential the run already has).",
			Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
		},
		"email": schema.StringAttribute{
			Required:            true,
			MarkdownDescription: "Email of the backend user who creates the token. Changing it replaces the token.",
			Validators:          []validator.String{emailValidator()},
			PlanModifiers: []planmodifier.String{
				stringplanmodifier.RequiresReplaceIf(emailChanged, emailReplacesDescription, emailReplacesDescription),
			},
		},
		"password": schema.StringAttribute{
			Optional:  true,
			Sensitive: true,
			MarkdownDescription: "Password of the backend user, used only when a token is created (the first " +
				"time, on replacement, and at each in-place rotation), and stored in state. Prefer `password_wo`. " +
				"Set at most one of `password` and `password_wo`; a plan that creates a token fails without " +
				"either, so an imported token needs neither until it is replaced or rotated. Changing it " +
				"later does not replace the token.",
			Validators: []validator.String{
				stringvalidator.LengthAtLeast(1),
				stringvalidator.PreferWriteOnlyAttribute(path.MatchRoot("password_wo")),
			},
		},
		"password_wo": schema.StringAttribute{
			Optional:  true,
			WriteOnly: true,
			Sensitive: true,
			MarkdownDescription: "Like `password`, but never stored in plan or state. Needs Terraform or " +
				"OpenTofu 1.11 or later.",
			Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
		},
		"store_hash": schema.StringAttribute{
			Optional:            true,
			Computed:            true,
			MarkdownDescription: "Hash of the store the token belongs to. Defaults to the provider's `store_hash`. Changing it replaces the token.",
			Validators:          []validator.String{storeHashValidator()},
		},
	}
}

// serverTokenResults are what BigCommerce makes of a token.
func serverTokenResults() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "The token's numeric id, as decimal text.",
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"token": schema.StringAttribute{
			Computed:            true,
			Sensitive:           true,
			MarkdownDescription: "The token value, sent as the `authToken` header to B2B Edition's server-to-server APIs.",
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"event_channel": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "The token's event channel, as the API returns it.",
			PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
	}
}

func (r *serverTokenResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.Conflicting(path.MatchRoot("password"), path.MatchRoot("password_wo")),
	}
}

// emailChanged: emails compare case-insensitively, so a change of case alone is stored in
// place.
func emailChanged(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	resp.RequiresReplace = !strings.EqualFold(req.StateValue.ValueString(), req.PlanValue.ValueString())
}

func (r *serverTokenResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan plans what an update does to the token itself (planTokenChange), and its store
// (planStoreHash). Schema plan modifiers cannot do the latter: they have no access to the
// configured provider.
func (r *serverTokenResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	private, diags := readPrivate(ctx, req.Private)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	r.seenInState(ctx, req.State)
	if r.data != nil && !req.State.Raw.IsNull() {
		if other := r.otherHost(private); other != nil {
			r.planAtOtherHost(ctx, req, resp, private, other)
			return
		}
	}
	if req.Plan.Raw.IsNull() {
		return
	}
	if private.Gone && !req.State.Raw.IsNull() {
		r.planGone(ctx, req, resp)
	} else {
		r.planTokenChange(ctx, req, resp)
	}
	if r.data == nil || resp.Diagnostics.HasError() {
		return
	}
	r.planStoreHash(ctx, req, resp)
	if !resp.Diagnostics.HasError() {
		r.planTokenInState(ctx, req, resp)
	}
	switch {
	case resp.Diagnostics.HasError():
	case req.State.Raw.IsNull() && !r.planReplacement(ctx, resp):
		r.warnNameTaken(ctx, resp)
	case private.Pending != nil && private.Rotation:
		r.planSettleRotation(ctx, private, resp)
	}
	if !resp.Diagnostics.HasError() && !req.State.Raw.IsNull() && len(private.Borrowed) > 0 {
		r.planBorrowedCleanup(ctx, private, resp)
	}
}

// planStoreHash plans the provider's store_hash for a token that sets none, so that the plan
// shows the store, and replaces the token when its store changes. With no store hash
// anywhere, a token that exists keeps the one in its state.
func (r *serverTokenResource) planStoreHash(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var configured, prior types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("store_hash"), &configured)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("store_hash"), &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	planned := configured
	if configured.IsNull() {
		hash, diags := r.data.storeHashOr(configured)
		switch {
		case !diags.HasError():
			planned = types.StringValue(hash)
		case !prior.IsNull():
			planned = prior
		default:
			resp.Diagnostics.Append(diags...)
			return
		}
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("store_hash"), planned)...)
	}
	if !req.State.Raw.IsNull() && !planned.Equal(prior) {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("store_hash"))
	}
}

func (r *serverTokenResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan serverTokenModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	password, diags := passwordOf(ctx, plan, req.Config)
	if resp.Diagnostics.Append(diags...); resp.Diagnostics.HasError() {
		return
	}
	if plan.StoreHash.ValueString() == "" {
		resp.Diagnostics.Append(missingStoreHash())
		return
	}
	ctx = r.data.mask(ctx, password)
	plan.PasswordWO = types.StringNull()
	store := r.data.store(plan.StoreHash.ValueString())
	left := r.createHandedOver(ctx, plan, password, resp)
	if left == nil {
		r.finishCreate(ctx, plan, password, store, store.Provision(ctx, plan.createRequest(password)), resp)
	}
	if left = append(left, store.TakeLeftovers()...); len(left) > 0 && !resp.State.Raw.IsNull() {
		resp.Diagnostics.Append(setBorrowed(ctx, resp.Private, left)...)
	}
}

// finishCreate saves what a create did: a token made, or what is known of one that may be.
func (r *serverTokenResource) finishCreate(ctx context.Context, plan serverTokenModel, password string, store *b2b.Store,
	out b2b.CreateOutcome, resp *resource.CreateResponse,
) {
	r.noteOutcome(out, &resp.Diagnostics)
	resp.Diagnostics.Append(r.data.runNotices(store)...)
	switch out.Kind {
	case b2b.CreateNone:
		resp.Diagnostics.AddError("Could not create the server token", r.data.createErrorDetail(out, password, plan.StoreHash.ValueString()))
		return
	case b2b.CreateUnknown:
		resp.Diagnostics.AddError("Server token create may have made a token: "+plan.Name.ValueString(), r.data.createErrorDetail(out, password, plan.StoreHash.ValueString()))
		plan.ID, plan.Token, plan.EventChannel = types.StringNull(), types.StringNull(), types.StringNull()
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		resp.Diagnostics.Append(r.keepPrivate(ctx, resp.Private, serverTokenPrivate{Pending: &out.Pending})...)
		return
	}
	if kept := out.Token.Name; kept != "" && kept != plan.Name.ValueString() {
		resp.Diagnostics.AddWarning("BigCommerce kept another name: "+plan.Name.ValueString(),
			fmt.Sprintf("BigCommerce made the token, but lists it as %q, not %q as sent. The "+
				"provider tracks the token by its id, and state keeps the name as configured; a create whose reply is lost "+
				"is told by the name cut short. Give it a name BigCommerce keeps whole, so that the store's list says what "+
				"the configuration does.", kept, plan.Name.ValueString()))
	}
	resp.Diagnostics.Append(r.saveMadeToken(ctx, &plan, out, false, &resp.State, resp.Identity, resp.Private)...)
}

// noteOutcome tells the user what an outcome's notes say (a short-lived credential left).
func (r *serverTokenResource) noteOutcome(out b2b.CreateOutcome, diags *diag.Diagnostics) {
	for _, note := range out.Notes {
		diags.AddWarning("Short-lived credential left in the store", r.data.scrub(note))
	}
}

// keepPrivate saves the resource's private state, with the API host its tokens are made at.
func (r *serverTokenResource) keepPrivate(ctx context.Context, to privateSetter, p serverTokenPrivate) diag.Diagnostics {
	p.Host = r.data.client.Host()
	return p.save(ctx, to)
}

// createRequest asks BigCommerce for a token as m describes it.
func (m serverTokenModel) createRequest(password string) b2b.CreateServerTokenRequest {
	return b2b.CreateServerTokenRequest{
		StoreHash: m.StoreHash.ValueString(),
		Email:     m.Email.ValueString(),
		Password:  password,
		Name:      m.Name.ValueString(),
	}
}

// saveMadeToken stores a token that a create or an in-place rotation made. When the list
// has not shown it yet, state keeps its value without an id, so that it is never orphaned,
// and the pending create says how the next refresh or destroy finds it; the apply fails.
func (r *serverTokenResource) saveMadeToken(ctx context.Context, m *serverTokenModel, out b2b.CreateOutcome, rotation bool,
	state *tfsdk.State, identity *tfsdk.ResourceIdentity, private privateSetter,
) diag.Diagnostics {
	m.Token = types.StringValue(out.Token.Token)
	var diags diag.Diagnostics
	if !out.Located() {
		m.ID, m.EventChannel = types.StringNull(), types.StringNull()
		kept := serverTokenPrivate{Pending: &out.Pending}
		if !m.keepsValues() {
			// Never orphaned: until its id is known, the value is what tells the token.
			kept.Value, m.Token = out.Token.Token, types.StringNull()
			diags.AddWarning("Token value kept in state until its id is known",
				fmt.Sprintf("token_in_state is false, but the id of the new token %q is not known yet, and its value is what "+
					"tells it from the others: the provider's private state keeps the value until a refresh finds the id, "+
					"and removes it then.", m.Name.ValueString()))
		}
		diags.Append(state.Set(ctx, m)...)
		// State holds the new token already (a rotation's too): the pending create finds its id.
		diags.Append(r.keepPrivate(ctx, private, kept)...)
		what := "created the token"
		if rotation {
			what = "created the new token of this rotation"
		}
		diags.AddError("Server token created, but its id was not found",
			fmt.Sprintf("BigCommerce %s %q, but the token list did not show it yet, so its id is unknown. State keeps "+
				"its value, so it is never orphaned: the next refresh looks for it again, and destroy deletes it.\n\n%s",
				what, m.Name.ValueString(), r.data.explain(out.Err)))
		return diags
	}
	setFromListed(m, out.Token)
	diags.Append(state.Set(ctx, m)...)
	diags.Append(r.setIdentity(ctx, identity, m)...)
	diags.Append(r.keepPrivate(ctx, private, serverTokenPrivate{})...)
	return diags
}

// idLearned: the token's id is known; a create whose token the list never showed knows only
// what its pending create says.
func (m serverTokenModel) idLearned() bool {
	return !m.ID.IsNull() && m.ID.ValueString() != ""
}

// setFromListed sets what the list shows of a token (its value only where state keeps it).
func setFromListed(m *serverTokenModel, t b2b.ServerToken) {
	m.ID = types.StringValue(strconv.FormatInt(t.ID, 10))
	m.Token = types.StringValue(t.Token)
	m.withoutValues()
	m.EventChannel = types.StringValue(t.EventChannel)
	if t.StoreHash != "" {
		m.StoreHash = types.StringValue(t.StoreHash)
	}
}

// Update does what ModifyPlan planned: an unknown token is an in-place rotation; a kept
// token that the plan drops has had its time (or its current token is gone) and is deleted;
// anything else (a password, keep_previous_for, a first rotate_when_changed) is only stored.
func (r *serverTokenResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior serverTokenModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	private, diags := readPrivate(ctx, req.Private)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.PasswordWO = types.StringNull()
	ctx = r.data.mask(ctx, prior.Token.ValueString(), prior.PreviousToken.ValueString(), prior.Password.ValueString())
	if other := r.otherHost(private); other != nil && (needsAPI(prior, plan) || len(private.Borrowed) > 0) {
		resp.Diagnostics.Append(otherHostError(prior, other, "change"))
		return
	}
	if plan.EventChannel.IsUnknown() && !plan.ID.IsUnknown() {
		plan.EventChannel = prior.EventChannel // planned unknown only to delete borrowed credentials
	}
	store, _ := r.data.storeWith(prior.StoreHash.ValueString(), private.Host, prior.Token.ValueString())
	left, diags := r.deleteLeftovers(ctx, store, private.Borrowed)
	resp.Diagnostics.Append(diags...)
	r.update(ctx, req, prior, plan, private, resp)
	if left = append(left, store.TakeLeftovers()...); len(left) > 0 || len(private.Borrowed) > 0 {
		resp.Diagnostics.Append(setBorrowed(ctx, resp.Private, left)...)
	}
}

// update is Update once borrowed credentials left are dealt with.
func (r *serverTokenResource) update(ctx context.Context, req resource.UpdateRequest, prior, plan serverTokenModel,
	private serverTokenPrivate, resp *resource.UpdateResponse,
) {
	switch {
	case private.Pending != nil && private.Rotation:
		r.settleRotation(ctx, req.Config, prior, plan, private, resp)
		return
	case plan.ID.IsUnknown():
		r.rotate(ctx, req.Config, prior, plan, private, resp)
		return
	case plan.Token.IsUnknown() || plan.PreviousToken.IsUnknown():
		diags := r.fillValues(ctx, &plan)
		if resp.Diagnostics.Append(diags...); diags.HasError() {
			return
		}
	case prior.keepsPrevious() && !plan.keepsPrevious():
		diags := r.deletePrevious(ctx, prior, private)
		if resp.Diagnostics.Append(diags...); diags.HasError() {
			plan.keepPreviousOf(prior)
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(r.setIdentity(ctx, resp.Identity, &plan)...)
}

// ImportState imports by id (terraform import, an import block's id) or by identity (an
// import block's identity, Terraform and OpenTofu 1.12 and later).
func (r *serverTokenResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	r.importState(ctx, req, resp)
}
