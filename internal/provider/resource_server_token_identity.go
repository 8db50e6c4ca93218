package provider

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ resource.ResourceWithIdentity = (*serverTokenResource)(nil)

// serverTokenIdentityModel is the identity of a b2b_server_token (Terraform and OpenTofu
// 1.12 and later): the token's id within its store. The list resource returns the same.
type serverTokenIdentityModel struct {
	ID        types.String `tfsdk:"id"`
	StoreHash types.String `tfsdk:"store_hash"`
}

func (r *serverTokenResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.StringAttribute{
				RequiredForImport: true,
				Description:       "The token's numeric id, as decimal text, as `GET /backend/tokens` lists it.",
			},
			"store_hash": identityschema.StringAttribute{
				OptionalForImport: true,
				Description:       "Hash of the store the token belongs to. Defaults to the provider's `store_hash`.",
			},
		},
	}
}

// setIdentity sets a token's identity from its state. A token whose id was never learned
// (its create could not find it in the list) has only its store in its identity until a
// read finds it.
func (r *serverTokenResource) setIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, m *serverTokenModel) diag.Diagnostics {
	if identity == nil {
		return nil
	}
	return identity.Set(ctx, serverTokenIdentityModel{
		ID:        nonEmpty(m.ID.ValueString()),
		StoreHash: nonEmpty(r.storeHashOf(m.StoreHash)),
	})
}

// storeHashOf is the store of a token: its own, else the provider's; "" with neither.
func (r *serverTokenResource) storeHashOf(storeHash types.String) string {
	if r.data == nil {
		return storeHash.ValueString()
	}
	hash, _ := r.data.storeHashOr(storeHash)
	return hash
}

func nonEmpty(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// importTarget is what an import names, by id (`terraform import`, an import block's id)
// or by identity (an import block's identity): the numeric token id, and the store when the
// identity names one. ImportState stores both; the read that follows finds the rest.
func importTarget(ctx context.Context, req resource.ImportStateRequest) (id, storeHash string, diags diag.Diagnostics) {
	if req.ID != "" || req.Identity == nil {
		if !isTokenID(req.ID) {
			diags.AddError("Invalid import id",
				fmt.Sprintf("The import id must be the numeric token id (the id attribute, as listed by GET /backend/tokens), such as 123; got %q. "+findIDsHint, req.ID))
		}
		return req.ID, "", diags
	}
	var identity serverTokenIdentityModel
	if diags.Append(req.Identity.Get(ctx, &identity)...); diags.HasError() {
		return "", "", diags
	}
	id = identity.ID.ValueString()
	if !isTokenID(id) {
		diags.AddError("Invalid import identity",
			fmt.Sprintf("The identity's id must be the numeric token id (the id attribute, as listed by GET /backend/tokens), such as \"123\"; got %q. "+findIDsHint, id))
	}
	storeHash = identity.StoreHash.ValueString()
	if storeHash != "" && !storeHashPattern.MatchString(storeHash) {
		diags.AddError("Invalid import identity",
			fmt.Sprintf("The identity's store_hash must be a BigCommerce store hash, lowercase letters and digits; got %q.", storeHash))
	}
	return id, storeHash, diags
}

func isTokenID(s string) bool {
	_, err := strconv.ParseUint(s, 10, 63)
	return err == nil
}

// importState stores what an import names and its identity.
func (r *serverTokenResource) importState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, storeHash, diags := importTarget(ctx, req)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	if storeHash != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("store_hash"), storeHash)...)
	}
	resp.Diagnostics.Append(r.setIdentity(ctx, resp.Identity, &serverTokenModel{
		ID: types.StringValue(id), StoreHash: types.StringValue(storeHash),
	})...)
}

// findIDsHint tells where the ids of a store's tokens are found.
const findIDsHint = "The b2b_server_tokens data source lists the store's tokens with their ids " +
	"(as does `terraform query` with the b2b_server_token list resource, Terraform >= 1.14)."
