package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
)

// What every ephemeral resource of the provider shares.

// ephemeralNote ends the description of every ephemeral resource: what sets them apart
// from data sources is worth saying on each registry page.
const ephemeralNote = "\n\nAs an ephemeral resource, it is never written to plan or state; it needs Terraform 1.10 or " +
	"OpenTofu 1.11 or later. Terraform opens it again in every plan and apply, so each run gets a new token."

// ephemeralProviderData is embedded by every ephemeral resource: its Configure keeps the
// provider data that Open and Close use.
type ephemeralProviderData struct {
	data *providerData
}

func (e *ephemeralProviderData) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// openConfig reads the configuration into model, a pointer to the resource's model; false
// means Open stops there, with diagnostics that say why.
func (e *ephemeralProviderData) openConfig(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse, model any) bool {
	resp.Diagnostics.Append(req.Config.Get(ctx, model)...)
	return !resp.Diagnostics.HasError() && configured(e.data, &resp.Diagnostics)
}

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
