package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

const missingStoreHashDetail = "No store hash: set store_hash on this object, or in the provider " +
	"configuration, or the " + envStoreHash + " environment variable."

// missingStoreHash is the error of an object that has no store to work on, at its
// store_hash, where the user can set one.
func missingStoreHash() diag.Diagnostic {
	return diag.NewAttributeErrorDiagnostic(path.Root("store_hash"), "Missing store hash", missingStoreHashDetail)
}

// storeHashOr is the store an object works on: its own store_hash when configured, else
// the provider's. (The store_hash validators refuse an empty string, so "" means unset.)
func (d *providerData) storeHashOr(configured types.String) (string, diag.Diagnostics) {
	if hash := configured.ValueString(); hash != "" {
		return hash, nil
	}
	if d.storeHash != "" {
		return d.storeHash, nil
	}
	return "", diag.Diagnostics{missingStoreHash()}
}

// defaultStoreHash sets a model's unset store_hash to the provider's, so that the result
// shows the store used; false, with the error, when there is none.
func (d *providerData) defaultStoreHash(storeHash *types.String, diags *diag.Diagnostics) bool {
	hash, errs := d.storeHashOr(*storeHash)
	if diags.Append(errs...); errs.HasError() {
		return false
	}
	*storeHash = types.StringValue(hash)
	return true
}
