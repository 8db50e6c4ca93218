package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// ephemeralNote ends the description of every ephemeral resource: what sets them apart
// from data sources is worth saying on each registry page.
const ephemeralNote = "\n\nAs an ephemeral resource, it is never written to plan or state; it needs Terraform 1.10 or " +
	"OpenTofu 1.11 or later. Terraform opens it again in every plan and apply, so each run gets a new token."

// configured reports whether the provider data is there, adding an error when it is not.
// Terraform opens and closes ephemeral resources only with a configured provider, so a
// missing one is a bug to report, not a user error.
func configured(data *providerData, diags *diag.Diagnostics) bool {
	if data == nil {
		diags.AddError("Provider not configured", "The b2b provider was not configured before this ephemeral "+
			"resource was opened. Please report this issue to the provider developers.")
		return false
	}
	return true
}
