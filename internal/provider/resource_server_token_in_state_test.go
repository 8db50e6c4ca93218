package provider

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// secretsSeen gathers every value of the tokens a test made, deleted ones included, so that
// a later check finds any of them wherever it was written.
type secretsSeen struct {
	env    *accEnv
	values map[string]bool
}

func (s *secretsSeen) gather(name string) {
	for _, tok := range s.env.tokensNamed(name) {
		s.values[tok.Token] = true
	}
}

// absentFrom fails the test when text holds any secret seen; where is what text is.
func (s *secretsSeen) absentFrom(t *testing.T, where, text string) {
	t.Helper()
	if len(s.values) == 0 {
		t.Fatalf("no token value gathered: the check of %s could not fail", where)
	}
	for v := range s.values {
		if strings.Contains(text, v) {
			t.Errorf("%s holds a token value", where)
			return
		}
	}
}

// stateFileText is the state file, with each resource instance's private state decoded
// (Terraform writes it base64-encoded, twice: a plain search would miss a value in it).
func stateFileText(t *testing.T, cli *terraformCLI) string {
	t.Helper()
	raw := cli.read("terraform.tfstate")
	var state struct {
		Resources []struct {
			Instances []struct {
				Private string `json:"private"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal([]byte(raw), &state); err != nil {
		t.Fatalf("state file: %v", err)
	}
	text := raw
	for _, r := range state.Resources {
		for _, inst := range r.Instances {
			decoded, err := base64.StdEncoding.DecodeString(inst.Private)
			if err != nil {
				t.Fatalf("private state: %v", err)
			}
			// The framework's private state: a JSON object of base64 values, one per key.
			var keys map[string][]byte
			if err := json.Unmarshal(decoded, &keys); err != nil {
				t.Fatalf("private state %s: %v", decoded, err)
			}
			for _, v := range keys {
				text += "\n" + string(v)
			}
		}
	}
	return text
}

// savedPlanText plans into a file and returns `terraform show -json` of it.
func savedPlanText(t *testing.T, cli *terraformCLI) string {
	t.Helper()
	cli.run("plan", "-input=false", "-out=tfplan")
	out, err := cli.exec("show", "-json", "tfplan")
	if err != nil {
		t.Fatalf("terraform show -json tfplan: %v\n%s", err, out)
	}
	return out
}

// With token_in_state = false, no token value is in the state file or in a saved plan after
// create, refresh, an in-place rotation, a replacing rotation, an import (by id, and by
// identity where the CLI has it) and destroy; with
// the provider's auth_token and with its access_token.
func TestAccServerTokenInState_noValueInStateOrPlan(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"auth_token", "access_token"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			env := newAccEnv(t, withCustomers)
			cli := newTerraformCLI(t, env, "1.11")
			credential := fmt.Sprintf("access_token = %q", storeLevelAccessToken)
			if mode == "auth_token" {
				credential, _ = env.bootstrapAuthToken()
			} else {
				env.emu.SetAccessTokenListsTokens(true) // where BigCommerce accepts it for listing
			}
			seen := &secretsSeen{env: env, values: map[string]bool{}}
			token := func(rotation string, extra ...string) string {
				return env.provider(credential) + serverTokenConfig("ci", withPasswordWO, append([]string{
					"token_in_state = false", `rotate_when_changed = { r = "` + rotation + `" }`}, extra...)...)
			}
			check := func(step string) {
				t.Helper()
				seen.gather("ci")
				seen.absentFrom(t, step+": the state file", stateFileText(t, cli))
				plan := savedPlanText(t, cli)
				seen.absentFrom(t, step+": the saved plan", plan)
				if !strings.Contains(plan, `"actions":["no-op"]`) {
					t.Errorf("%s: the next plan is not empty:\n%s", step, plan)
				}
			}
			oneToken := func(step string) emulator.Token {
				t.Helper()
				toks := env.tokensNamed("ci")
				if len(toks) != 1 {
					t.Fatalf("%s: %d tokens named ci, want 1", step, len(toks))
				}
				return toks[0]
			}

			cli.apply(token("1"))
			check("create")
			made := oneToken("create")
			if got := cli.state()[fmt.Sprint(made.ID)]; got == nil || got["token"] != nil {
				t.Fatalf("create: state holds %v, want token %d with a null value", got, made.ID)
			}

			cli.apply(token("2", `keep_previous_for = "1h"`))
			check("rotation keeping the previous token")
			if toks := env.tokensNamed("ci"); len(toks) != 2 {
				t.Fatalf("rotation: %d tokens named ci, want the new one and the kept one", len(toks))
			}

			cli.apply(token("3"))
			check("rotation by replacement")
			current := oneToken("rotation by replacement")

			cli.run("state", "rm", tokenAddr)
			cli.apply(token("3") + importByID(tokenAddr, current.ID))
			check("import")
			if got := cli.state()[fmt.Sprint(current.ID)]; got == nil || got["token"] != nil {
				t.Fatalf("import: state holds %v, want token %d with a null value", got, current.ID)
			}

			if cli.versionAtLeast("1.12") {
				cli.run("state", "rm", tokenAddr)
				cli.apply(token("3") + hclBlock("import", "to = "+tokenAddr, fmt.Sprintf(`identity = { id = "%d" }`, current.ID)))
				check("import by identity")
			}

			cli.run("destroy", "-auto-approve", "-input=false")
			seen.absentFrom(t, "destroy: the state file", stateFileText(t, cli))
			if left := env.tokensNamed("ci"); len(left) != 0 {
				t.Errorf("destroy left %d tokens named ci", len(left))
			}
			env.expectCreates("ci", 3, "one create, then one per rotation; import and refresh make none")
		})
	}
}

// Changing token_in_state is an in-place update that makes and deletes no token: to false
// drops the values from state, to true reads them (the kept previous token's too) from the
// list.
func TestAccServerTokenInState_changingItUpdatesInPlace(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cli := newTerraformCLI(t, env, "1.11")
	credential, _ := env.bootstrapAuthToken()
	rotation := "1"
	config := func(inState string) string {
		return env.provider(credential) + serverTokenConfig("ci", withPasswordWO, `rotate_when_changed = { r = "`+rotation+`" }`,
			`keep_previous_for = "1h"`, "token_in_state = "+inState)
	}
	cli.apply(config("true"))
	rotation = "2"
	cli.apply(config("true"))
	byID := func() map[int64]string {
		out := map[int64]string{}
		for _, t := range env.tokensNamed("ci") {
			out[t.ID] = t.Token
		}
		return out
	}
	before := byID()
	if len(before) != 2 {
		t.Fatalf("%d tokens named ci, want the current and the previous one", len(before))
	}
	valuesInState := func() (string, string) {
		for _, attrs := range cli.state() {
			token, _ := attrs["token"].(string)
			previous, _ := attrs["previous_token"].(string)
			return token, previous
		}
		t.Fatal("no token in state")
		return "", ""
	}

	cli.write("main.tf", cli.requiredProviders()+config("false"))
	if got := cli.plan().ResourceChanges[0].Change.Actions; len(got) != 1 || got[0] != "update" {
		t.Fatalf("turning token_in_state off plans %v, want [update]", got)
	}
	cli.apply(config("false"))
	if token, previous := valuesInState(); token != "" || previous != "" {
		t.Errorf("token_in_state = false left values in state")
	}

	cli.apply(config("true"))
	token, previous := valuesInState()
	var current, prior int64
	for id, v := range before {
		switch v {
		case token:
			current = id
		case previous:
			prior = id
		}
	}
	if current == 0 || prior == 0 || current == prior {
		t.Errorf("token_in_state = true did not read back the current and previous values")
	}
	if after := byID(); len(after) != 2 || after[current] != before[current] || after[prior] != before[prior] {
		t.Errorf("changing token_in_state changed the tokens: %v, then %v", before, after)
	}
	env.expectCreates("ci", 2, "changing token_in_state makes no token")
}

// Kept out of state, a token can only be read and deleted with a credential of the
// provider's own: without auth_token or access_token the plan fails, naming both and their
// env vars, and nothing is made.
func TestAccServerTokenInState_needsAStoreLevelCredential(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cli := newTerraformCLI(t, env, "1.11")
	out := cli.applyFails(env.provider() + serverTokenConfig("ci", withPasswordWO, "token_in_state = false"))
	cli.contains(out, "No credential to manage a token kept out of state", "token_in_state",
		"auth_token", envAuthToken, "access_token", envAccessToken)
	env.expectCreates("ci", 0, "a plan that fails makes nothing")
}

// Never orphaned: a new token whose id the list does not show yet keeps its value, in the
// resource's private state, with a warning that says why; the first refresh that finds the id
// removes it. Both credential modes.
func TestAccServerTokenInState_valueKeptUntilIDKnown(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"auth_token", "access_token"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			env := newAccEnv(t, withCustomers)
			clock := env.fakeClock()
			cli := newTerraformCLI(t, env, "1.11")
			credential := fmt.Sprintf("access_token = %q", storeLevelAccessToken)
			if mode == "auth_token" {
				credential, _ = env.bootstrapAuthToken()
			} else {
				env.emu.SetAccessTokenListsTokens(true)
			}
			config := env.provider(credential) + serverTokenConfig("late", withPasswordWO, "token_in_state = false")
			seen := &secretsSeen{env: env, values: map[string]bool{}}

			env.emu.SetListLag(-1)
			out := cli.applyFails(config)
			cli.contains(out, "Token value kept in state until its id is known", "token_in_state is false")
			seen.gather("late")
			if text := stateFileText(t, cli); !func() bool {
				for v := range seen.values {
					if strings.Contains(text, v) {
						return true
					}
				}
				return false
			}() {
				t.Fatal("the value of a token whose id is unknown is not kept: the token would be orphaned")
			}

			env.emu.RevealAll()
			env.emu.SetListLag(0)
			clock.Advance(time.Minute)
			cli.apply(config)
			seen.absentFrom(t, "the state file once the id is known", stateFileText(t, cli))
			toks := env.tokensNamed("late")
			if len(toks) != 1 {
				t.Fatalf("%d tokens named late, want 1: the one made first, kept by the tainted resource's replacement", len(toks))
			}
			if cli.state()[fmt.Sprint(toks[0].ID)] == nil {
				t.Errorf("state does not hold token %d", toks[0].ID)
			}
			env.expectCreates("late", 1, "the first, found by the next refresh and kept by the replacement of the tainted resource")
		})
	}
}
