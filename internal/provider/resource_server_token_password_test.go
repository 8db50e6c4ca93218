package provider

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"

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
	id := strconv.FormatInt(seeded.ID, 10)
	importBlock := fmt.Sprintf("import {\n  to = %s\n  id = %q\n}\n", tokenAddr, id)
	noPassword := func(extra ...string) string {
		return env.provider(authArg) + serverTokenConfig("imported", "", extra...)
	}
	missingPassword := regexp.MustCompile(`Missing password: set password_wo or password`)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factoriesWithClock(newTestClock()),
		CheckDestroy:             env.checkNoTokensNamed("imported"),
		Steps: []resource.TestStep{
			{
				// The configuration `terraform plan -generate-config-out` writes plans as a
				// plain import, with no change and no error.
				Config:          requiredProviders + env.provider(authArg),
				ResourceName:    tokenAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   id,
				GenerateConfig:  true,
			},
			{
				// The same, written by hand.
				Config: noPassword() + importBlock,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionNoop)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator{env, tokenAddr}},
			},
			{
				// A first rotate_when_changed, and keep_previous_for, are only stored.
				Config: noPassword(`rotate_when_changed = { rotation = "1" }`, `keep_previous_for = "1h"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate)},
				},
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
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator{env, tokenAddr}},
			},
		},
	})
	if n := env.emu.CallCount("POST /auth/backend"); n != 1 {
		t.Errorf("want the one create of the rotation, got %d", n)
	}
}
