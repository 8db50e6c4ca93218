package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The CLI prints warnings but terraform-plugin-testing cannot assert on them, so this test
// speaks the plugin protocol, as Terraform does when it validates a configuration.
func TestServerToken_passwordDrawsWriteOnlyWarningWhereSupported(t *testing.T) {
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	schemaResp, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	objectType, ok := schemaResp.ResourceSchemas["b2b_server_token"].ValueType().(tftypes.Object)
	if !ok {
		t.Fatal("the resource schema is not an object")
	}
	values := map[string]tftypes.Value{}
	for name, typ := range objectType.AttributeTypes {
		values[name] = tftypes.NewValue(typ, nil)
	}
	values["name"] = tftypes.NewValue(tftypes.String, "ci")
	values["email"] = tftypes.NewValue(tftypes.String, testEmail)
	values["password"] = tftypes.NewValue(tftypes.String, testPassword)
	config, err := tfprotov6.NewDynamicValue(objectType, tftypes.NewValue(objectType, values))
	if err != nil {
		t.Fatal(err)
	}

	warnings := func(writeOnlyAllowed bool) []string {
		resp, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{
			TypeName:           "b2b_server_token",
			Config:             &config,
			ClientCapabilities: &tfprotov6.ValidateResourceConfigClientCapabilities{WriteOnlyAttributesAllowed: writeOnlyAllowed},
		})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range resp.Diagnostics {
			if d.Severity == tfprotov6.DiagnosticSeverityError {
				t.Fatalf("unexpected error: %s: %s", d.Summary, d.Detail)
			}
			out = append(out, d.Summary+": "+d.Detail)
		}
		return out
	}

	got := warnings(true)
	if len(got) != 1 || !strings.Contains(got[0], "password_wo") {
		t.Errorf("with write-only support, want one warning recommending password_wo, got %q", got)
	}
	if got := warnings(false); len(got) != 0 {
		t.Errorf("without write-only support, want no warning, got %q", got)
	}
}
