package provider

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// Where write-only arguments are unsupported, a configuration that sets password_wo fails at
// plan time with an error that names the argument and the Terraform version it needs, and
// nothing is created.
func TestAccCLICompat_writeOnlyPasswordNeedsTerraform1_11(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{
			tfversion.SkipAbove(version.Must(version.NewVersion("1.10.999"))),
		},
		CheckDestroy: env.checkNoTokensNamed("ci"),
		Steps: []resource.TestStep{{
			Config: env.provider() + serverTokenConfig("ci", withPasswordWO),
			ExpectError: regexp.MustCompile(`(?s)WriteOnly Attribute Not Allowed.*password_wo.*` +
				`Write-only\s+attributes\s+are\s+only\s+supported\s+in\s+Terraform\s+1\.11\s+and\s+later`),
		}},
	})
	env.expectCalls(routeCreateToken, 0, "nothing is created")
}

// What every CLI the provider is tested on supports, down to Terraform 1.5.7: a token created
// with password (stored in state), an empty plan after it, and an import block (Terraform
// 1.5+) that adopts a token created elsewhere, with no password, reading its value at apply.
func TestAccCLICompat_passwordAndImportBlock(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	legacy := env.emu.AddToken("legacy", testEmail)
	const legacyAddr = "b2b_server_token.legacy"
	created := env.provider(authArg) + serverTokenConfig("compat", withPassword)
	imported := created + importByID(legacyAddr, legacy.ID) + tokenBlock("legacy", "legacy")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkNoTokensNamed("compat", "legacy"),
		Steps: []resource.TestStep{{
			Config: created,
			ConfigStateChecks: []statecheck.StateCheck{
				stateMatchesEmulator(env, tokenAddr),
				statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("password"), knownvalue.StringExact(testPassword)),
			},
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		}, {
			Config: imported,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(legacyAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionNoop),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				stateMatchesEmulator(env, legacyAddr),
				statecheck.ExpectKnownValue(legacyAddr, tfjsonpath.New("id"), knownvalue.StringExact(strconv.FormatInt(legacy.ID, 10))),
				statecheck.ExpectKnownValue(legacyAddr, tfjsonpath.New("token"), knownvalue.StringExact(legacy.Token)),
				statecheck.ExpectKnownValue(legacyAddr, tfjsonpath.New("password"), knownvalue.Null()),
			},
		}},
	})
}
