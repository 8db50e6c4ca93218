package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

// deleteServerToken deletes a server token, for the resource and the ephemeral resource
// alike: by id, or, for a token whose id was never learned, by the id the list shows for
// its value. It authenticates with the provider's auth_token, else with the token itself.
// A token BigCommerce no longer knows (404), or that it rejects as its own credential
// (401), is gone already.
func (d *providerData) deleteServerToken(ctx context.Context, id int64, value, name string) diag.Diagnostics {
	client, ownToken, diags := d.listerFor(value)
	if diags.HasError() {
		return diags
	}
	var err error
	if id == 0 {
		id, err = idOfValue(ctx, client, value)
	}
	if err == nil {
		err = client.DeleteServerToken(ctx, id)
	}
	switch {
	case err == nil, b2b.IsNotFound(err):
	case ownToken && b2b.IsUnauthorized(err):
		diags.AddWarning("Server token already invalid",
			fmt.Sprintf("BigCommerce rejects the token %q as invalid: it was already revoked or deleted.", name))
	default:
		which := fmt.Sprintf("%q", name)
		if id != 0 {
			which = fmt.Sprintf("%q (id %d)", name, id)
		}
		diags.AddError("Could not delete the server token",
			fmt.Sprintf("The server-to-server token %s could not be deleted and still exists.\n\n%s", which, err))
	}
	return diags
}

func idOfValue(ctx context.Context, client *b2b.Client, value string) (int64, error) {
	list, err := client.ListServerTokens(ctx)
	if err != nil {
		return 0, err
	}
	if t, ok := list.ByValue(value); ok {
		return t.ID, nil
	}
	return 0, fmt.Errorf("the token is not in the token list yet, so its id is unknown and it cannot be deleted; " +
		"try again later")
}

// listWithAuthToken lists the store's tokens with the provider's auth_token, for the data
// sources, which have no token of their own.
func (d *providerData) listWithAuthToken(ctx context.Context) (b2b.TokenList, diag.Diagnostics) {
	client, _, diags := d.listerFor("")
	if diags.HasError() {
		return b2b.TokenList{}, diags
	}
	list, err := client.ListServerTokens(d.mask(ctx))
	if err != nil {
		diags.AddError("Could not list the server tokens", err.Error())
	}
	return list, diags
}
