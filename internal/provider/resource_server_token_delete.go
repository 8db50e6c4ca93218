package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

// deleteServerToken deletes a token by id, or by the id the list shows for its value, with
// any credential of its store, itself included. A token already gone is no error: a 404, or
// a 401 for the token as the last credential left, unless this run just made it (the API
// may not accept a new token yet).
func (d *providerData) deleteServerToken(ctx context.Context, t tokenToDelete) diag.Diagnostics {
	var diags diag.Diagnostics
	store := d.store(t.storeHash, t.value)
	id, err := t.id, error(nil)
	if id == 0 {
		id, err = idOfValue(ctx, store, t.value)
	}
	if err == nil {
		err = store.DeleteToken(ctx, id, t.value)
	}
	switch {
	case err == nil, b2b.IsNotFound(err):
	case b2b.IsUnauthorized(err) && store.Refused(t.value) && !t.fresh:
		diags.AddWarning("Server token already invalid",
			fmt.Sprintf("BigCommerce rejects the token %q as invalid: it was already revoked or deleted.", t.name))
	default:
		diags.AddError("Could not delete the server token",
			fmt.Sprintf("The server-to-server token %s could not be deleted and may still exist.\n\n%s", t.describe(id), d.explain(err)))
	}
	return diags
}

// tokenToDelete is what a caller knows of a token it deletes.
type tokenToDelete struct {
	storeHash   string
	id          int64 // 0: unknown, looked up by value
	value, name string
	// fresh: created in this run, so a 401 does not mean it was revoked.
	fresh bool
}

func (t tokenToDelete) describe(id int64) string {
	if id != 0 {
		return fmt.Sprintf("%q (id %d)", t.name, id)
	}
	return fmt.Sprintf("%q", t.name)
}

func idOfValue(ctx context.Context, store *b2b.Store, value string) (int64, error) {
	list, err := store.List(ctx)
	if err != nil {
		return 0, err
	}
	if t, ok := list.ByValue(value); ok {
		return t.ID, nil
	}
	return 0, fmt.Errorf("the token is not in the token list yet, so its id is unknown and it cannot be deleted; " +
		"try again later")
}
