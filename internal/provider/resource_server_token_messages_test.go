package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// What users read: the warnings and errors of a team's first week, as the CLI prints them.

// A token deleted outside Terraform warns in every credential mode, and the plan says what
// it does about it: with a password, it creates a new one.
func TestAccServerTokenMessages_outOfBandDeletionSaysWhatThisPlanDoes(t *testing.T) {
	t.Parallel()
	for _, withAuthToken := range credentialModes {
		t.Run(modeName(withAuthToken), func(t *testing.T) {
			t.Parallel()
			env := newAccEnv(t)
			cli := newTerraformCLI(t, env, "1.11.0")
			config := env.provider(providerArgsFor(env, withAuthToken)...) + serverTokenConfig("ci", withPasswordWO)
			cli.apply(config)
			env.removeTokens(env.tokensNamed("ci"))
			out := cli.run("plan", "-input=false")
			cli.contains(out, `must be replaced`, `Warning: Server token (deleted|revoked) outside Terraform`,
				`Warning: Gone server token: this plan creates a new one`)
			if strings.Contains(out, "the next plan") {
				t.Errorf("the plan speaks of the next plan, not of itself:\n%s", out)
			}
			cli.run("apply", "-auto-approve", "-input=false")
			if n := len(env.tokensNamed("ci")); n != 1 {
				t.Errorf("%d tokens named ci after the apply, want the new one", n)
			}
			cli.run("destroy", "-auto-approve", "-input=false")
		})
	}
}

// A password-less token (imported) that was revoked: a normal plan warns that it cannot
// create a new one and plans nothing; destroy, which runs a normal plan first, works.
func TestAccServerTokenMessages_destroyWorksWithoutPasswordWhateverWasRevoked(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	adopted := env.emu.AddToken("adopted", testEmail)
	cli := newTerraformCLI(t, env, "1.11.0")
	config := env.provider(authArg) + tokenBlock("adopted", "adopted") + importByID("b2b_server_token.adopted", adopted.ID)
	cli.apply(config)
	env.emu.RemoveToken(adopted.ID) // revoked with the action, or in the control panel
	out := cli.run("plan", "-input=false")
	cli.contains(out, `No changes`, `Warning: Gone server token: this plan cannot create a new one`, `sets no password`,
		`Set password_wo to create one in its place`)
	env.emu.ResetCalls()
	out = cli.run("destroy", "-auto-approve", "-input=false")
	cli.contains(out, `Destroy complete! Resources: 1 destroyed`)
	if n := len(env.callsTo(routeDeleteToken)); n != 0 {
		t.Errorf("%d deletes of a token proven gone", n)
	}
}

// A plan that creates a token without a password still fails at plan time.
func TestAccServerTokenMessages_newTokenWithoutPasswordFailsAtPlan(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	env.test(t, allVersions, []resource.TestStep{{
		Config:      env.provider() + tokenBlock("test", "ci"),
		PlanOnly:    true,
		ExpectError: errorText(`Missing password: set password_wo or password`, `This plan creates the server token "ci"`),
	}})
	env.expectNoCalls("a plan refused for its missing password")
}

// BigCommerce refuses custom roles with "role forbidden": the error says which roles may
// create tokens. A wrong store hash gets the same reply as a wrong password: the error says
// so, and names the store hash sent.
func TestAccServerTokenMessages_createRefusalsSayWhatToCheck(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, func(o *emulator.Options) {
		o.Users = append(o.Users, emulator.User{Email: opsEmail, Password: testPassword, Role: "custom-api-role"})
	})
	authArg, _ := env.bootstrapAuthToken()
	custom := env.provider(authArg) + hclBlock(`resource "b2b_server_token" "test"`,
		`name = "ci"`, fmt.Sprintf("email = %q", opsEmail), withPasswordWO)
	wrongStore := env.provider(authArg) + serverTokenConfig("ci", withPasswordWO, `store_hash = "wrongstore"`)
	env.testTokens(t, nil, []resource.TestStep{{
		Config: custom,
		ExpectError: errorText(`Could not create the server token`, `only backend users with the pre-built Administrator or Store Owner role`,
			`custom roles are refused`, `role forbidden`),
	}, {
		Config: wrongStore,
		ExpectError: errorText(`for a wrong store hash too`, `the store hash sent was "wrongstore"`,
			`The email or password you have entered is incorrect`),
	}})
	if n := len(env.callsTo(routeCreateToken)); n != 2 {
		t.Errorf("%d creates, want the two refused", n)
	}
}

// A 429 that outlasts every retry fails each create, but what to change is said once per
// run, not once per resource.
func TestAccServerTokenMessages_rateLimitIsExplainedOncePerRun(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	cli := newTerraformCLI(t, env, "1.11.0")
	env.emu.InjectFaults(routeCreateToken, 3, statusFault(429))
	out := cli.applyFails(env.provider(authArg, "max_retries = 0") + tokensConfig("limited", 3))
	if n := strings.Count(out, "Error: Could not create the server token"); n != 3 {
		t.Errorf("%d create errors, want one per resource:\n%s", n, out)
	}
	if n := strings.Count(out, "Raise max_retries"); n != 1 {
		t.Errorf("the advice was given %d times, want once:\n%s", n, out)
	}
	cli.contains(out, `explained once`)
}

// A provider with only auth_token works for the data sources: the token's store_hash claim
// is the provider's store (as for a second provider block fed an ephemeral token's value).
// The email filter compares case-insensitively, as everywhere.
func TestAccServerTokenMessages_authTokenAloneNamesTheStore(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	_, bootstrap := env.bootstrapAuthToken()
	env.emu.SeedTokens(5, "seed-", testEmail)
	env.emu.AddToken("ops", opsEmail)
	provider := fmt.Sprintf("provider \"b2b\" {\n  api_url    = %q\n  auth_token = %q\n}\n", env.url, bootstrap.Token)
	env.test(t, allVersions, []resource.TestStep{{
		Config: provider + `data "b2b_server_tokens" "mine" {
  email = "Admin@Example.COM"
}
`,
		ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		Check: resource.ComposeTestCheckFunc(
			resource.TestCheckResourceAttr("data.b2b_server_tokens.mine", "tokens.#", "6"), // the 5 seeds and the bootstrap token
			resource.TestCheckResourceAttr("data.b2b_server_tokens.mine", "tokens.0.store_hash", testStoreHash),
		),
	}})
}
