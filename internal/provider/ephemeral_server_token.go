package provider

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

var (
	_ ephemeral.EphemeralResourceWithConfigure = (*serverTokenEphemeral)(nil)
	_ ephemeral.EphemeralResourceWithClose     = (*serverTokenEphemeral)(nil)
)

// NewServerTokenEphemeralResource is the b2b_server_token ephemeral resource.
func NewServerTokenEphemeralResource() ephemeral.EphemeralResource {
	return &serverTokenEphemeral{newSuffix: randomSuffix}
}

type serverTokenEphemeral struct {
	ephemeralProviderData
	// newSuffix makes the random part of the token's name.
	newSuffix func() (string, error)
}

type serverTokenEphemeralModel struct {
	NamePrefix types.String `tfsdk:"name_prefix"`
	Email      types.String `tfsdk:"email"`
	Password   types.String `tfsdk:"password"`
	StoreHash  types.String `tfsdk:"store_hash"`
	ID         types.String `tfsdk:"id"`
	Name       types.String `tfsdk:"name"`
	Token      types.String `tfsdk:"token"`
}

// ephemeralServerTokenPrivate is what Close needs, handed over in the ephemeral resource's private
// data, which Terraform keeps in memory only, never in plan or state. ID is 0 when the
// token was created but its id was not found yet.
type ephemeralServerTokenPrivate struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Token     string `json:"token"`
	StoreHash string `json:"store_hash,omitempty"`
}

const ephemeralServerTokenKey = "server_token"

// randomSuffix is 8 hex digits from crypto/rand.
func randomSuffix() (string, error) {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func (r *serverTokenEphemeral) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_server_token"
}

func (r *serverTokenEphemeral) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A B2B Edition server-to-server (S2S) token that lives for one Terraform run: it is " +
			"created (`POST /auth/backend`) when Terraform opens it and deleted (`DELETE /auth/backend`) when " +
			"Terraform closes it, at the end of the run. Nothing is written to plan or state.\n\n" +
			"**Terraform opens ephemeral resources during plan as well as apply**, so every `terraform plan` " +
			"creates a token too, and deletes it when the plan finishes; an apply creates and deletes its own. " +
			"Each token is named `name_prefix` followed by a random suffix.\n\n" +
			"The token is deleted with the provider's `auth_token` when set, else with its own value. If the " +
			"delete fails, the run fails with an error that names the token, so that it can be deleted by hand. " +
			"Needs Terraform 1.10 or OpenTofu 1.11 or later.",
		Attributes: map[string]schema.Attribute{
			"name_prefix": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Start of the token's name; a random suffix of 8 hex digits follows it, such as `ci-` → `ci-3f9a0c1e`. " +
					"At most 247 characters, with no space first, no two spaces in a row and no tab, newline or other control character.",
				Validators: serverTokenNamePrefixValidators(),
			},
			"email": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Email of the backend user who creates the token (Administrator or Store Owner role).",
				Validators:          []validator.String{emailValidator()},
			},
			"password": schema.StringAttribute{
				Required:            true,
				Sensitive:           true,
				MarkdownDescription: "Password of the backend user.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"store_hash": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Hash of the store the token belongs to. Defaults to the provider's `store_hash`.",
				Validators:          []validator.String{storeHashValidator()},
			},
			"id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The token's numeric id, as decimal text; null in the rare case that the new " +
					"token did not show up in the token list (a warning says so).",
			},
			"name": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The token's name: `name_prefix` plus the random suffix.",
			},
			"token": schema.StringAttribute{
				Computed:            true,
				Sensitive:           true,
				MarkdownDescription: "The token value, sent as the `authToken` header to B2B Edition's server-to-server APIs.",
			},
		},
	}
}

func (r *serverTokenEphemeral) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var model serverTokenEphemeralModel
	if !r.openConfig(ctx, req, resp, &model) {
		return
	}
	if !r.data.defaultStoreHash(&model.StoreHash, &resp.Diagnostics) {
		return
	}
	suffix, err := r.newSuffix()
	if err != nil {
		resp.Diagnostics.AddError("Could not make a random token name", err.Error())
		return
	}
	name := model.NamePrefix.ValueString() + suffix
	ctx = r.data.mask(ctx, model.Password.ValueString())

	out := r.data.store(model.StoreHash.ValueString()).ProvisionUniquelyNamed(ctx, b2b.CreateServerTokenRequest{
		StoreHash: model.StoreHash.ValueString(),
		Email:     model.Email.ValueString(),
		Password:  model.Password.ValueString(),
		Name:      name,
	})
	for _, note := range out.Notes {
		resp.Diagnostics.AddWarning("Short-lived credential left in the store", r.data.scrub(note))
	}
	if out.Kind != b2b.CreateMade {
		// No token known to exist, so none to delete at close: an unknown outcome names the
		// token, which has a random name no configuration manages.
		resp.Diagnostics.AddError("Could not create the server token", r.data.createErrorDetail(out, model.Password.ValueString(), model.StoreHash.ValueString()))
		return
	}
	var idErr error
	if !out.Located() {
		idErr = out.Err
	}
	private := recordCreatedToken(&model, name, out.Token, idErr, &resp.Diagnostics)
	if !keepForClose(ctx, resp, private) {
		return
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, &model)...)
}

// recordCreatedToken fills the model's results with the new token and returns what Close needs to
// delete it. idErr is the client's error when the token's id was not found: the token can
// still be used, and Close looks the id up by the token's value.
func recordCreatedToken(model *serverTokenEphemeralModel, name string, token b2b.ServerToken,
	idErr error, diags *diag.Diagnostics,
) ephemeralServerTokenPrivate {
	model.Name = types.StringValue(name)
	model.Token = types.StringValue(token.Token)
	private := ephemeralServerTokenPrivate{ID: token.ID, Name: name, Token: token.Token, StoreHash: model.StoreHash.ValueString()}
	if idErr == nil {
		model.ID = types.StringValue(strconv.FormatInt(token.ID, 10))
		return private
	}
	private.ID = 0
	model.ID = types.StringNull()
	diags.AddWarning("Server token created, but its id was not found",
		fmt.Sprintf("BigCommerce created the token %q, but it did not appear in the token list yet, so its id "+
			"is unknown. The token can be used; at the end of the run the provider looks its id up again "+
			"to delete it.\n\n%s", name, idErr))
	return private
}

// keepForClose hands private to Close through the ephemeral resource's private data; it
// reports whether that worked.
func keepForClose(ctx context.Context, resp *ephemeral.OpenResponse, private ephemeralServerTokenPrivate) bool {
	raw, err := json.Marshal(private)
	if err != nil {
		resp.Diagnostics.AddError("Could not keep the server token for its deletion", err.Error())
		return false
	}
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, ephemeralServerTokenKey, raw)...)
	return true
}

// Close deletes the token Open created. A token the API no longer knows (404) is fine; any
// other failure is an error, since the token would outlive the run.
func (r *serverTokenEphemeral) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	raw, diags := req.Private.GetKey(ctx, ephemeralServerTokenKey)
	if resp.Diagnostics.Append(diags...); diags.HasError() || len(raw) == 0 {
		return
	}
	var private ephemeralServerTokenPrivate
	if err := json.Unmarshal(raw, &private); err != nil || private.Token == "" {
		resp.Diagnostics.AddError("Could not delete the server token",
			"The data the provider kept to delete the token at the end of the run is unreadable, so the token "+
				"created in this run may remain: check the store's server-to-server tokens.")
		return
	}
	if !configured(r.data, &resp.Diagnostics) {
		return
	}
	ctx = r.data.mask(ctx, private.Token)
	if private.ID == 0 {
		resp.Diagnostics.Append(r.closeUnlocated(ctx, private)...)
		return
	}
	resp.Diagnostics.Append(r.data.deleteServerToken(ctx, tokenToDelete{
		storeHash: private.StoreHash, id: private.ID, value: private.Token, name: private.Name,
	})...)
}

// closeUnlocated deletes a token whose id Open did not find, once the list shows it: its
// name (a random suffix) and value tell it.
func (r *serverTokenEphemeral) closeUnlocated(ctx context.Context, private ephemeralServerTokenPrivate) diag.Diagnostics {
	store, _ := r.data.storeWith(private.StoreHash, "", private.Token)
	list, err := store.List(ctx)
	var diags diag.Diagnostics
	for _, t := range list.WithValue(private.Token) {
		if t.Name == private.Name {
			return r.data.deleteServerToken(ctx, tokenToDelete{storeHash: private.StoreHash, id: t.ID, value: t.Token, name: t.Name})
		}
	}
	detail := "it is not in the token list yet, so its id is unknown"
	if err != nil {
		detail = r.data.explain(err)
	}
	diags.AddError("Could not delete the server token",
		fmt.Sprintf("The token %q created in this run could not be deleted and may remain in the store: %s. Delete it by "+
			"hand (the b2b_server_tokens data source lists it by name).", private.Name, detail))
	return diags
}
