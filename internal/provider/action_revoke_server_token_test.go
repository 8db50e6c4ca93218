package provider

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

const revokeAddr = "action.b2b_revoke_server_token.leaked"

func revokeAction(config ...string) string {
	return "action \"b2b_revoke_server_token\" \"leaked\" {\n  config {\n    " + strings.Join(config, "\n    ") + "\n  }\n}\n"
}

// checkRevoked checks that the emulator no longer holds want, and still holds every token of keep.
func checkRevoked(t *testing.T, env *accEnv, want int64, keep ...int64) {
	t.Helper()
	if _, ok := env.emu.Token(want); ok {
		t.Errorf("token %d was not revoked", want)
	}
	for _, id := range keep {
		if _, ok := env.emu.Token(id); !ok {
			t.Errorf("token %d was revoked too", id)
		}
	}
	if ids := env.deletedIDs(); !slices.Equal(ids, []int64{want}) {
		t.Errorf("want exactly one delete, of id %d; got ids %v", want, ids)
	}
}

// TestAccRevokeServerTokenAction_invokeByID is `terraform apply -invoke` with the token's id,
// driven through the CLI directly: terraform-plugin-testing has no -invoke.
func TestAccRevokeServerTokenAction_invokeByID(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, bootstrap := env.bootstrapAuthToken()
	leaked := env.emu.AddToken("ci-deploy", testEmail)
	sameName := env.emu.AddToken("ci-deploy", testEmail)
	cli := newTerraformCLI(t, env, "1.14.0")
	cli.write("main.tf", cli.requiredProviders()+env.provider(authArg)+revokeAction(fmt.Sprintf("id = %d", leaked.ID)))

	out := cli.run("apply", "-auto-approve", "-input=false", "-invoke="+revokeAddr)
	checkRevoked(t, env, leaked.ID, sameName.ID, bootstrap.ID)
	for _, want := range []string{
		fmt.Sprintf(`Found token "ci-deploy" (id %d, email %s) in store %s; revoking it.`, leaked.ID, testEmail, testStoreHash),
		fmt.Sprintf(`Revoked token "ci-deploy" (id %d, email %s) in store %s.`, leaked.ID, testEmail, testStoreHash),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output does not say %q:\n%s", want, out)
		}
	}

	// Again: the token is gone, which is reported, not an error.
	out = cli.run("apply", "-auto-approve", "-input=false", "-invoke="+revokeAddr)
	if want := fmt.Sprintf("BigCommerce knows no token id %d in store %s (its own reply to the delete): it was already revoked or deleted", leaked.ID, testStoreHash); !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
		t.Errorf("the second invocation does not say %q:\n%s", want, out)
	}
	if ids := env.deletedIDs(); len(ids) != 1 {
		t.Errorf("the second invocation deleted something: ids %v", ids)
	}
	if strings.Contains(out, leaked.Token) || strings.Contains(out, bootstrap.Token) {
		t.Error("a token value appears in the output")
	}
}

// TestAccRevokeServerTokenAction_invokeByValue revokes a leaked token known only by its value,
// with no credential but the token itself, which is never printed.
func TestAccRevokeServerTokenAction_invokeByValue(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	other := env.emu.AddToken("erp-sync", testEmail)
	leaked := env.emu.AddToken("ci-deploy", testEmail)
	cli := newTerraformCLI(t, env, "1.14.0")
	cli.write("main.tf", cli.requiredProviders()+env.provider()+
		"variable \"leaked\" {\n  type      = string\n  sensitive = true\n}\n"+
		revokeAction("token = var.leaked"))
	cli.environ = append(cli.environ, "TF_VAR_leaked="+leaked.Token)

	plan := cli.run("plan", "-input=false", "-invoke="+revokeAddr)
	out := cli.run("apply", "-auto-approve", "-input=false", "-invoke="+revokeAddr)
	checkRevoked(t, env, leaked.ID, other.ID)
	if want := fmt.Sprintf(`Revoked token "ci-deploy" (id %d, email %s) in store %s.`, leaked.ID, testEmail, testStoreHash); !strings.Contains(out, want) {
		t.Errorf("the output does not say %q:\n%s", want, out)
	}
	// The token authenticated its own revocation.
	for _, c := range env.callsTo(routeDeleteToken) {
		if c.Header.Get("authToken") != leaked.Token {
			t.Error("the delete did not authenticate with the leaked token")
		}
	}

	// Again: the token is now refused as a credential, and there is no other: it is revoked.
	again := cli.run("apply", "-auto-approve", "-input=false", "-invoke="+revokeAddr)
	if want := "No token with the given value is in store " + testStoreHash + ": BigCommerce refuses the value as invalid, and two complete listings do not show it. It was already revoked"; !strings.Contains(strings.Join(strings.Fields(again), " "), want) {
		t.Errorf("the second invocation does not say %q:\n%s", want, again)
	}
	for _, printed := range []string{plan, out, again} {
		if strings.Contains(printed, leaked.Token) {
			t.Errorf("the token value appears in the output:\n%s", strings.ReplaceAll(printed, leaked.Token, "<LEAKED>"))
		}
	}
}

// TestAccRevokeServerTokenAction_trigger runs the action from a resource's action_trigger,
// through terraform-plugin-testing.
func TestAccRevokeServerTokenAction_trigger(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, bootstrap := env.bootstrapAuthToken()
	leaked := env.emu.AddToken("ci-deploy", testEmail)
	env.test(t, queryVersions, []resource.TestStep{{
		Config: env.provider(authArg) + revokeAction(fmt.Sprintf("id = %q", fmt.Sprint(leaked.ID))) + `
resource "terraform_data" "incident" {
  input = "INC-42"
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.b2b_revoke_server_token.leaked]
    }
  }
}
`,
		Check: func(*terraform.State) error {
			if _, ok := env.emu.Token(leaked.ID); ok {
				return fmt.Errorf("token %d was not revoked", leaked.ID)
			}
			if _, ok := env.emu.Token(bootstrap.ID); !ok {
				return fmt.Errorf("another token was revoked")
			}
			return nil
		},
	}})
}

func TestAccRevokeServerTokenAction_validation(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cases := []struct{ name, config, want string }{
		{"id and token", revokeAction(`id = 1`, `token = "x"`), `(?s)Exactly one of these attributes must be configured.*id.*token`},
		{"neither", revokeAction(`store_hash = "abc123"`), `(?s)Exactly one of these attributes must be configured`},
		{"id not a number", revokeAction(`id = "ci-deploy"`), `(?s)id.*must be the numeric token id`},
		{"store_hash", revokeAction(`id = 1`, `store_hash = "ABC"`), `(?s)store_hash.*lowercase`},
		// For incident response a typo must not look like "already revoked".
		{"token not a JWT", revokeAction(`token = "not-a-token"`), `(?s)Not a server token.*not a B2B Edition server-to-server token.*value is not shown`},
		{"JWT without the S2S claims", revokeAction(`token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"`), `(?s)Not a server token`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env.test(t, queryVersions, []resource.TestStep{{
				Config:      env.provider() + tc.config,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(tc.want),
			}})
		})
	}
	env.expectNoCalls("validation")
}

// A gateway's HTML 401 in front of the listing proves nothing: a leaked token that still
// works is never reported "already revoked"; the action fails and says so.
func TestAccRevokeServerTokenAction_gatewayPageIsNoRevocation(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	leaked := env.emu.AddToken("ci-deploy", testEmail)
	cli := newTerraformCLI(t, env, "1.14.0")
	cli.write("main.tf", cli.requiredProviders()+env.provider()+
		"variable \"leaked\" {\n  type      = string\n  sensitive = true\n}\n"+revokeAction("token = var.leaked"))
	cli.environ = append(cli.environ, "TF_VAR_leaked="+leaked.Token)
	var served atomic.Int32
	remove := env.inFront(gatewayPage(routeListTokens, 401, &served))
	out, err := cli.exec("apply", "-auto-approve", "-input=false", "-invoke="+revokeAddr)
	remove()
	if err == nil || strings.Contains(out, "already revoked") {
		t.Fatalf("a gateway's 401 page was taken for a revocation:\n%s", out)
	}
	cli.contains(out, `Could not revoke the server token`, `may still be valid`, `not the B2B API's own`)
	if _, ok := env.emu.Token(leaked.ID); !ok || served.Load() == 0 {
		t.Errorf("the token was deleted (%v) or the gateway never answered (%d)", !ok, served.Load())
	}
}

// Token values may repeat: revoking by value deletes every token that has it (a leaked value
// works while any of them lives), and names each.
func TestAccRevokeServerTokenAction_byValueRevokesEveryTokenOfTheValue(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, func(o *emulator.Options) { o.TokenValues = emulator.DocumentedClaims })
	first := env.emu.AddToken("ci-deploy", testEmail)
	second := env.emu.AddToken("erp-sync", testEmail) // the same user: the same value
	other := env.emu.AddToken("ops", opsEmail)
	if first.Token != second.Token {
		t.Fatal("the emulator made two values for one user")
	}
	cli := newTerraformCLI(t, env, "1.14.0")
	cli.write("main.tf", cli.requiredProviders()+env.provider()+
		"variable \"leaked\" {\n  type      = string\n  sensitive = true\n}\n"+revokeAction("token = var.leaked"))
	cli.environ = append(cli.environ, "TF_VAR_leaked="+first.Token)
	out := cli.run("apply", "-auto-approve", "-input=false", "-invoke="+revokeAddr)
	for _, tok := range []emulator.Token{first, second} {
		if _, ok := env.emu.Token(tok.ID); ok {
			t.Errorf("token %d of the leaked value was not revoked", tok.ID)
		}
		cli.contains(out, fmt.Sprintf(`Revoked token %q \(id %d, email %s\)`, tok.Name, tok.ID, testEmail))
	}
	if _, ok := env.emu.Token(other.ID); !ok {
		t.Error("a token of another value was revoked")
	}
}

// A replica that is behind lists nothing: revoking by id still sends the delete, and the
// live token it missed is revoked, never reported "already revoked".
func TestAccRevokeServerTokenAction_byIDBehindAStaleListing(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	leaked := env.emu.AddToken("ci-deploy", testEmail)
	cli := newTerraformCLI(t, env, "1.14.0")
	cli.write("main.tf", cli.requiredProviders()+env.provider(authArg)+revokeAction(fmt.Sprintf("id = %d", leaked.ID)))
	var served atomic.Int32
	defer env.inFront(staleReplica(&served))()
	out := cli.run("apply", "-auto-approve", "-input=false", "-invoke="+revokeAddr)
	if _, live := env.emu.Token(leaked.ID); live || strings.Contains(out, "already revoked") {
		t.Fatalf("the leaked token %d is live %v after the action:\n%s", leaked.ID, live, out)
	}
	if served.Load() == 0 {
		t.Fatal("the stale listing was never served")
	}
}
