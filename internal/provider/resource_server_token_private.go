package provider

import (
	"context"
	"encoding/json"
	"reflect"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

// What b2b_server_token keeps in its private state: facts about the token that are not
// attributes, saved with the state and never shown. An older state has none of them.
type serverTokenPrivate struct {
	// Host is the API host the token was made at: it is a credential there only.
	Host string `json:"host,omitempty"`
	// Pending is a create (or, with Rotation, an in-place rotation) whose token has not been
	// found: the next read reconciles it before anything else is created.
	Pending  *b2b.PendingCreate `json:"pending,omitempty"`
	Rotation bool               `json:"rotation,omitempty"`
	// RotateTo and KeepFor are the pending rotation's rotate_when_changed and
	// keep_previous_for, which state takes once its token is found.
	RotateTo map[string]string `json:"rotate_to,omitempty"`
	KeepFor  string            `json:"keep_for,omitempty"`
	// Value is the token's value while token_in_state is false and its id is not known yet:
	// it tells the token from the others until a refresh finds the id.
	Value string `json:"value,omitempty"`
	// Gone: two complete listings proved the token gone (deleted or revoked outside
	// Terraform). The resource stays in state so that the plan can say what it does about it.
	Gone bool `json:"gone,omitempty"`
	// Found: the token was found after the apply of its create failed, which left it
	// tainted; the replacement Terraform plans keeps it (resource_server_token_settle.go).
	Found bool `json:"found,omitempty"`
	// SettleAtApply marks the planned private state of such a replacement (Delete reads it,
	// as Terraform hands the replacement's planned private state to the delete of the
	// object it replaces): Adopt, keep the token found; else settle Pending at apply.
	SettleAtApply bool `json:"settle_at_apply,omitempty"`
	Adopt         bool `json:"adopt,omitempty"`
	// Borrowed are short-lived credentials that a create of this resource borrowed and could
	// not delete (the list did not show them in time), by name: the next apply deletes them
	// (resource_server_token_borrowed.go).
	Borrowed []b2b.PendingCreate `json:"borrowed,omitempty"`
}

const serverTokenPrivateKey = "b2b"

// privateGetter and privateSetter are the framework's private state, as each request and
// response holds it.
type privateGetter interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

type privateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

func readPrivate(ctx context.Context, from privateGetter) (serverTokenPrivate, diag.Diagnostics) {
	var p serverTokenPrivate
	if from == nil {
		return p, nil
	}
	raw, diags := from.GetKey(ctx, serverTokenPrivateKey)
	if diags.HasError() || len(raw) == 0 {
		return p, diags
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		diags.AddError("Unreadable private state", "The provider's private state of this server token cannot be read ("+
			err.Error()+"). Please report this issue to the provider developers.")
	}
	return p, diags
}

func (p serverTokenPrivate) save(ctx context.Context, to privateSetter) diag.Diagnostics {
	if to == nil || reflect.ValueOf(to).IsNil() {
		return nil
	}
	raw, err := json.Marshal(p)
	if err != nil {
		var diags diag.Diagnostics
		diags.AddError("Could not save private state", err.Error())
		return diags
	}
	return to.SetKey(ctx, serverTokenPrivateKey, raw)
}
