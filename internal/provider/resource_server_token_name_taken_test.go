package provider

import (
	"fmt"
	"strings"
	"testing"
)

// A plan that creates a token warns when the store already holds one of its name and email
// that no state of the run holds (another pipeline's, here a second working directory on
// the same store), naming its id; with auth_token and with an access token that lists. The
// plan still creates, and writes nothing. The same configuration's own token, a rotating
// token's replacements (create_before_destroy included) and a token of another name are no
// cause for it.
func TestAccServerToken_planWarnsOfANameAndEmailTakenElsewhere(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"auth_token", "access_token"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			env := newAccEnv(t, withCustomers)
			credential := fmt.Sprintf("access_token = %q", storeLevelAccessToken)
			if mode == "auth_token" {
				credential, _ = env.bootstrapAuthToken()
			} else {
				env.emu.SetAccessTokenListsTokens(true)
			}
			pipelineA := newTerraformCLI(t, env, "1.11.0")
			pipelineB := newTerraformCLI(t, env, "1.11.0")
			config := env.provider(credential) + serverTokenConfig("shared", withPasswordWO)
			outA := pipelineA.apply(config)
			if strings.Contains(outA, "already exists") {
				t.Errorf("the first pipeline's plan warned of a token that did not exist:\n%s", outA)
			}
			theirs := env.tokensNamed("shared")[0]

			pipelineB.write("main.tf", pipelineB.requiredProviders()+config)
			creates := env.createsNamed("shared")
			outB := pipelineB.run("plan", "-input=false")
			pipelineB.contains(outB, "Plan: 1 to add", "A server token of this name and email already exists: shared",
				fmt.Sprintf("(ids %d)", theirs.ID))
			if env.createsNamed("shared") != creates {
				t.Error("the plan created a token")
			}

			if out := pipelineA.run("plan", "-input=false"); strings.Contains(out, "already exists") {
				t.Errorf("a plan warned of its own token:\n%s", out)
			}
			for _, rotation := range []string{"1", "2"} {
				// The second with create_before_destroy: the create runs while the token it
				// replaces is still there, and Terraform plans it again at apply.
				extra := []string{fmt.Sprintf("rotate_when_changed = { rotation = %q }", rotation)}
				if rotation == "2" {
					extra = append(extra, "lifecycle {\n    create_before_destroy = true\n  }")
				}
				rotated := env.provider(credential) + serverTokenConfig("shared", withPasswordWO, extra...)
				if out := pipelineA.apply(rotated); strings.Contains(out, "already exists") {
					t.Errorf("a rotation's plan or apply warned of the token it replaces:\n%s", out)
				}
			}
			other := env.provider(credential) + serverTokenConfig("mine", withPasswordWO)
			pipelineB.write("main.tf", pipelineB.requiredProviders()+other)
			if out := pipelineB.run("plan", "-input=false"); strings.Contains(out, "already exists") {
				t.Errorf("a plan warned of a token of another name:\n%s", out)
			}
			pipelineA.run("destroy", "-auto-approve", "-input=false")
		})
	}
}

// With backend credentials only, a plan has no credential of its own to list with: the
// first plan of a configuration warns of nothing (it borrows nothing, as a plan writes
// nothing), and a later one lists with the tokens of its state refreshed before it (here
// through depends_on: OpenTofu may plan a new resource before it refreshes the others), and
// warns.
func TestAccServerToken_planWarnsOfANameTakenWithBackendCredentialsOnly(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	pipelineA := newTerraformCLI(t, env, "1.11.0")
	pipelineB := newTerraformCLI(t, env, "1.11.0")
	pipelineA.apply(env.provider() + serverTokenConfig("shared", withPasswordWO))
	theirs := env.tokensNamed("shared")[0]

	mine := tokenBlock("mine", "mine", withPasswordWO)
	pipelineB.write("main.tf", pipelineB.requiredProviders()+env.provider()+serverTokenConfig("shared", withPasswordWO)+mine)
	if out := pipelineB.run("plan", "-input=false"); strings.Contains(out, "already exists") {
		t.Errorf("a plan with no credential to list with warned:\n%s", out)
	}
	pipelineB.apply(env.provider() + mine)
	pipelineB.write("main.tf", pipelineB.requiredProviders()+env.provider()+
		serverTokenConfig("shared", withPasswordWO, "depends_on = [b2b_server_token.mine]")+mine)
	creates := env.createsNamed("shared")
	pipelineB.contains(pipelineB.run("plan", "-input=false"), "Plan: 1 to add",
		"A server token of this name and email already exists: shared", fmt.Sprintf("(ids %d)", theirs.ID))
	if env.createsNamed("shared") != creates || env.borrowedCreates() > 2 {
		t.Errorf("the plan created a token (%d creates of shared, %d borrowed)", env.createsNamed("shared"), env.borrowedCreates())
	}
	pipelineB.run("destroy", "-auto-approve", "-input=false")
	pipelineA.run("destroy", "-auto-approve", "-input=false")
	if err := env.noBorrowedLeft(); err != nil {
		t.Error(err)
	}
}
