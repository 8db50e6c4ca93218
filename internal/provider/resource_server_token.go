package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

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
}

func (r *serverTokenResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_token"
}

func (r *serverTokenResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A B2B Edition server-to-server (S2S) API token, created with the credentials of a " +
			"backend user who has the Administrator or Store Owner role. BigCommerce has no update endpoint: " +
			"changing `name`, `email`, `store_hash` or `rotate_when_changed` replaces the token.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The token's numeric id, as decimal text.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Name of the token. Names need not be unique. Changing it replaces the token.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"email": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Email of the backend user who creates the token. Changing it replaces the token.",
				Validators:          []validator.String{emailValidator()},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"password": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "Password of the backend user, used only to create the token and stored in " +
					"state. Prefer `password_wo`. Exactly one of `password` and `password_wo` must be set; " +
					"changing it later does not replace the token.",
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.PreferWriteOnlyAttribute(path.MatchRoot("password_wo")),
				},
			},
			"password_wo": schema.StringAttribute{
				Optional:  true,
				WriteOnly: true,
				Sensitive: true,
				MarkdownDescription: "Password of the backend user, used only to create the token and never " +
					"stored in plan or state. Needs Terraform or OpenTofu 1.11 or later.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"store_hash": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Hash of the store the token belongs to. Defaults to the provider's `store_hash`. Changing it replaces the token.",
				Validators:          []validator.String{storeHashValidator()},
			},
			"rotate_when_changed": schema.MapAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Arbitrary values whose change replaces the token, such as the `id` of a " +
					"`time_rotating` resource, for scheduled rotation. Setting it on a token that had none " +
					"(after an import) does not replace the token.",
				PlanModifiers: []planmodifier.Map{
					mapplanmodifier.RequiresReplaceIf(rotationChanged, "Replaces the token when the value changes.", "Replaces the token when the value changes."),
				},
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
		},
	}
}

func (r *serverTokenResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("password"), path.MatchRoot("password_wo")),
	}
}

func rotationChanged(_ context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
	resp.RequiresReplace = !req.StateValue.IsNull()
}

func (r *serverTokenResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan plans the provider's store_hash for a token that sets none, so that the plan
// shows the store, and replaces the token when its store changes. (A schema plan modifier
// cannot do this: it has no access to the configured provider.)
func (r *serverTokenResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	var configured, prior types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("store_hash"), &configured)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("store_hash"), &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	planned := configured
	if configured.IsNull() {
		planned = types.StringValue(r.data.storeHash)
		if r.data.storeHash == "" {
			if prior.IsNull() {
				resp.Diagnostics.AddAttributeError(path.Root("store_hash"), "Missing store hash", missingStoreHashDetail)
				return
			}
			planned = prior
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
	var passwordWO types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("password_wo"), &passwordWO)...)
	if resp.Diagnostics.HasError() {
		return
	}
	password := plan.Password.ValueString()
	if password == "" {
		password = passwordWO.ValueString()
	}
	storeHash := plan.StoreHash.ValueString()
	if storeHash == "" {
		resp.Diagnostics.AddAttributeError(path.Root("store_hash"), "Missing store hash", missingStoreHashDetail)
		return
	}
	ctx = r.data.mask(ctx, password)

	token, err := r.data.client.ProvisionServerToken(ctx, b2b.CreateServerTokenRequest{
		StoreHash: storeHash,
		Email:     plan.Email.ValueString(),
		Password:  password,
		Name:      plan.Name.ValueString(),
	})
	if token.Token == "" {
		resp.Diagnostics.AddError("Could not create the server token", createErrorDetail(err))
		return
	}
	plan.PasswordWO = types.StringNull()
	plan.Token = types.StringValue(token.Token)
	if err != nil {
		// The token exists but its id is unknown: keep its value so that it is never
		// orphaned. Terraform taints the resource; destroy finds the id by the value.
		plan.ID = types.StringNull()
		plan.EventChannel = types.StringNull()
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		resp.Diagnostics.AddError("Server token created, but its id was not found",
			fmt.Sprintf("BigCommerce created the token %q, but it did not appear in the token list, so its id "+
				"is unknown. Its value is kept in state and the resource is marked tainted: the next apply "+
				"replaces it and destroy deletes it, finding its id by its value.\n\n%s", plan.Name.ValueString(), err))
		return
	}
	setFromListed(&plan, token)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func createErrorDetail(err error) string {
	switch {
	case errors.Is(err, b2b.ErrCreateOutcomeUnknown):
		return "The create request failed in a way that BigCommerce may still have created the token, " +
			"and the provider has no auth_token (" + envAuthToken + ") to list the store's tokens and find out. " +
			"It was not re-sent, so at most one token was created. Check the store's tokens, then import " +
			"that token or apply again.\n\n" + err.Error()
	case errors.Is(err, b2b.ErrAmbiguousCreate):
		return "The create request's reply was lost and several new tokens with this name and email " +
			"appeared since. Import the right one with its id, and delete the others.\n\n" + err.Error()
	}
	return err.Error()
}

func (r *serverTokenResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state serverTokenModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx = r.data.mask(ctx, state.Token.ValueString(), state.Password.ValueString())
	lister, ownToken, diags := r.data.listerFor(state.Token.ValueString())
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	list, err := lister.ListServerTokens(ctx)
	if ownToken && b2b.IsUnauthorized(err) {
		resp.Diagnostics.AddWarning("Server token no longer valid",
			fmt.Sprintf("BigCommerce rejects the token %q (id %s) as invalid, so it has been revoked or deleted "+
				"outside Terraform. It is removed from state; the next plan creates a new one.", state.Name.ValueString(), state.ID.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Could not read the server token", err.Error())
		return
	}
	listed, found, diags := findListed(list, state)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	if !found {
		tflog.Warn(ctx, "server token is gone from the complete token list; removing it from state", map[string]any{"id": state.ID.ValueString()})
		resp.State.RemoveResource(ctx)
		return
	}
	setFromListed(&state, listed)
	state.Name = types.StringValue(listed.Name)
	state.Email = types.StringValue(listed.Email)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// findListed finds the token by id, or by its value when the id was never learned.
func findListed(list b2b.TokenList, state serverTokenModel) (b2b.ServerToken, bool, diag.Diagnostics) {
	var diags diag.Diagnostics
	if state.ID.IsNull() || state.ID.ValueString() == "" {
		t, ok := list.ByValue(state.Token.ValueString())
		return t, ok, diags
	}
	id, err := strconv.ParseInt(state.ID.ValueString(), 10, 64)
	if err != nil {
		diags.AddAttributeError(path.Root("id"), "Invalid id in state", fmt.Sprintf("The id %q is not a numeric token id.", state.ID.ValueString()))
		return b2b.ServerToken{}, false, diags
	}
	t, ok := list.ByID(id)
	return t, ok, diags
}

func setFromListed(m *serverTokenModel, t b2b.ServerToken) {
	m.ID = types.StringValue(strconv.FormatInt(t.ID, 10))
	m.Token = types.StringValue(t.Token)
	m.EventChannel = types.StringValue(t.EventChannel)
	if t.StoreHash != "" {
		m.StoreHash = types.StringValue(t.StoreHash)
	}
}

// Update only stores a changed password: every other argument replaces the token.
func (r *serverTokenResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan serverTokenModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.PasswordWO = types.StringNull()
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *serverTokenResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state serverTokenModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var id int64
	if !state.ID.IsNull() && state.ID.ValueString() != "" {
		var err error
		if id, err = strconv.ParseInt(state.ID.ValueString(), 10, 64); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid id in state", fmt.Sprintf("The id %q is not a numeric token id.", state.ID.ValueString()))
			return
		}
	}
	ctx = r.data.mask(ctx, state.Token.ValueString(), state.Password.ValueString())
	resp.Diagnostics.Append(r.data.deleteServerToken(ctx, id, state.Token.ValueString(), state.Name.ValueString())...)
}

func (r *serverTokenResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if _, err := strconv.ParseUint(req.ID, 10, 63); err != nil {
		resp.Diagnostics.AddError("Invalid import id",
			fmt.Sprintf("The import id must be the numeric token id (the id attribute, as listed by GET /backend/tokens), such as 123; got %q.", req.ID))
		return
	}
	if r.data != nil && !r.data.hasAuthToken {
		resp.Diagnostics.AddError("Missing auth_token", "Importing a server token lists the store's tokens. "+missingAuthTokenDetail)
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
}
