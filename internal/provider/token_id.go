package provider

import (
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// tokenID reads a token id from state, at attribute p: 0 when it was never learned.
func tokenID(s types.String, p path.Path) (int64, diag.Diagnostics) {
	var diags diag.Diagnostics
	if s.IsNull() || s.IsUnknown() || s.ValueString() == "" {
		return 0, diags
	}
	id, err := strconv.ParseInt(s.ValueString(), 10, 64)
	if err != nil {
		diags.AddAttributeError(p, "Invalid id in state", fmt.Sprintf("The id %q is not a numeric token id.", s.ValueString()))
	}
	return id, diags
}
