package provider

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
)

// The password is needed only where a plan creates a token: an imported token, and the
// configuration Terraform generates for it, need none until it is replaced or rotated.
func TestAccServerToken_importNeedsNoPassword(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	seeded := env.emu.AddToken("imported", testEmail)
	importBlock := importByID(tokenAddr, seeded.ID)
	noPassword := func(extra ...string) string {
		return env.provider(authArg) + serverTokenConfig("imported", "", extra...)
	}
	missingPassword := regexp.MustCompile(`Missing password: set password_wo or password`)
	env.fakeClock()
	env.testTokens(t, []string{"imported"}, []resource.TestStep{
		{
			// The configuration `terraform plan -generate-config-out` writes plans as a plain
			// import, with no change and no error (it keeps no value: token_in_state = false).
			Config:          requiredProviders + env.provider(authArg),
			ResourceName:    tokenAddr,
			ImportState:     true,
			ImportStateKind: resource.ImportBlockWithID,
			ImportStateId:   strconv.FormatInt(seeded.ID, 10),
			GenerateConfig:  true,
		},
		{
			// Written by hand, keeping the value in state (the default): the import reads no
			// value, so the token is read at apply, an update.
			Config: noPassword() + importBlock,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
		},
		{
			// A first rotate_when_changed, and keep_previous_for, are only stored.
			Config:           noPassword(`rotate_when_changed = { rotation = "1" }`, `keep_previous_for = "1h"`),
			ConfigPlanChecks: plansToken(plancheck.ResourceActionUpdate),
		},
		{
			// Rotating it in place creates a token: it needs a password.
			Config:      noPassword(`rotate_when_changed = { rotation = "2" }`, `keep_previous_for = "1h"`),
			PlanOnly:    true,
			ExpectError: missingPassword,
		},
		{
			// So does replacing it.
			Config:      noPassword(`rotate_when_changed = { rotation = "2" }`),
			PlanOnly:    true,
			ExpectError: missingPassword,
		},
		{
			Config:      noPassword(`rotate_when_changed = { rotation = "1" }`, `keep_previous_for = "1h"`, `store_hash = "other"`),
			PlanOnly:    true,
			ExpectError: missingPassword,
		},
		{
			// With a password, the rotation goes ahead.
			Config: env.provider(authArg) + serverTokenConfig("imported", withPasswordWO,
				`rotate_when_changed = { rotation = "2" }`, `keep_previous_for = "1h"`),
			ConfigPlanChecks:  plansToken(plancheck.ResourceActionUpdate),
			ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
		},
	})
	env.expectCalls(routeCreateToken, 1, "only the rotation creates a token")
}

// The CLI prints warnings but terraform-plugin-testing cannot assert on them, so this test
// speaks the plugin protocol, as Terraform does when it validates a configuration.
func TestServerToken_passwordDrawsWriteOnlyWarningWhereSupported(t *testing.T) {
	t.Parallel()
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
