package provider

import (
	"fmt"
	"strings"
	"testing"
)

// A plan that creates a token warns when the store already holds one of its name and email
// that no state of the run holds (another pipeline's, here a second working directory on
// the same store), naming its id; with auth_token and with an access token that lists. The
// plan still creates, and writes nothing. The same configuration's own token, a rotation's
// replacement and a token of another name are no cause for it.
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
			config := env.provider(credential) + serverTokenConfig("shared", withPasswordWO,
				`rotate_when_changed = { rotation = "1" }`)
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
			rotated := env.provider(credential) + serverTokenConfig("shared", withPasswordWO,
				`rotate_when_changed = { rotation = "2" }`)
			if out := pipelineA.apply(rotated); strings.Contains(out, "already exists") {
				t.Errorf("a rotation's plan warned of the token it replaces:\n%s", out)
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
