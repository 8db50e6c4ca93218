package provider

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

const tokenAddr = "b2b_server_token.test"

func serverTokenConfig(name, passwordArg string, extra ...string) string {
	body := fmt.Sprintf("  name  = %q\n  email = %q\n  %s\n", name, testEmail, passwordArg)
	for _, line := range extra {
		body += "  " + line + "\n"
	}
	return "resource \"b2b_server_token\" \"test\" {\n" + body + "}\n"
}

var withPasswordWO = fmt.Sprintf("password_wo = %q", testPassword)
var withPassword = fmt.Sprintf("password = %q", testPassword)

func TestAccServerToken_createWithWriteOnlyPasswordAndOwnToken(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkNoTokensNamed("ci"),
		Steps: []resource.TestStep{{
			Config: env.provider() + serverTokenConfig("ci", withPasswordWO),
			ConfigStateChecks: []statecheck.StateCheck{
				stateMatchesEmulator{env, tokenAddr},
				statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9]+$`))),
				statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("store_hash"), knownvalue.StringExact(testStoreHash)),
				statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("event_channel"), knownvalue.StringExact("app")),
				statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("password_wo"), knownvalue.Null()),
				statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("password"), knownvalue.Null()),
				statecheck.ExpectSensitiveValue(tokenAddr, tfjsonpath.New("token")),
				secretAbsentFromState{testPassword},
			},
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		}, {
			// Without auth_token the resource lists and deletes with its own token.
			Config: env.provider() + serverTokenConfig("ci", withPasswordWO),
			Check: func(*terraform.State) error {
				created := env.tokensNamed("ci")
				if len(created) != 1 {
					return fmt.Errorf("want 1 token named ci, emulator holds %d", len(created))
				}
				for _, c := range env.callsTo("GET /backend/tokens") {
					if got := c.Header.Get("authToken"); got != created[0].Token {
						return fmt.Errorf("list authenticated with another token than the resource's own")
					}
				}
				return nil
			},
		}},
	})
	if ids := env.deletedIDs(); len(ids) != 1 {
		t.Errorf("want one successful DELETE /auth/backend with the id in its body, got ids %v", ids)
	}
}

func TestAccServerToken_passwordInStateUsesProviderAuthToken(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, bootstrap := env.bootstrapAuthToken()
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkNoTokensNamed("ci"),
		Steps: []resource.TestStep{{
			Config: env.provider(authArg) + serverTokenConfig("ci", withPassword),
			ConfigStateChecks: []statecheck.StateCheck{
				stateMatchesEmulator{env, tokenAddr},
				statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("password"), knownvalue.StringExact(testPassword)),
			},
			Check: func(*terraform.State) error {
				for _, c := range env.callsTo("GET /backend/tokens") {
					if c.Header.Get("authToken") != bootstrap.Token {
						return fmt.Errorf("list did not authenticate with the provider's auth_token")
					}
					if c.Header.Get("X-Store-Hash") != "" {
						return fmt.Errorf("X-Store-Hash sent together with authToken")
					}
				}
				return nil
			},
		}, {
			// A new password is only stored: the token is not replaced.
			Config: env.provider(authArg) + serverTokenConfig("ci", `password = "another-password"`),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate)},
			},
		}, {
			// Moving from password to password_wo does not replace it either.
			Config: env.provider(authArg) + serverTokenConfig("ci", withPasswordWO),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate)},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("password"), knownvalue.Null()),
			},
		}},
	})
	if n := env.emu.CallCount("POST /auth/backend"); n != 1 {
		t.Errorf("want exactly one create, got %d", n)
	}
}

func TestAccServerToken_outOfBandDeletionPlansRecreate(t *testing.T) {
	t.Parallel()
	for name, withAuthToken := range map[string]bool{"scanned with auth_token": true, "own token rejected": false} {
		t.Run(name, func(t *testing.T) {
			env := newAccEnv(t)
			var extra []string
			if withAuthToken {
				arg, _ := env.bootstrapAuthToken()
				extra = append(extra, arg)
			}
			config := env.provider(extra...) + serverTokenConfig("ci", withPasswordWO)
			resource.Test(t, resource.TestCase{
				TerraformVersionChecks:   writeOnlyVersions,
				ProtoV6ProviderFactories: env.factories(),
				CheckDestroy:             env.checkNoTokensNamed("ci"),
				Steps: []resource.TestStep{
					{Config: config},
					{
						PreConfig: func() {
							for _, tok := range env.tokensNamed("ci") {
								env.emu.RemoveToken(tok.ID)
							}
						},
						Config: config,
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionCreate)},
						},
						ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator{env, tokenAddr}},
					},
				},
			})
		})
	}
}

func TestAccServerToken_listErrorKeepsState(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	config := env.provider(authArg, "max_retries = 1") + serverTokenConfig("ci", withPasswordWO)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkNoTokensNamed("ci"),
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					env.emu.InjectFaults("GET /backend/tokens", 2, emulator.Fault{Kind: emulator.FaultStatus, Status: 503})
				},
				Config:      config,
				ExpectError: regexp.MustCompile(`GET /backend/tokens: HTTP 503`),
			},
			{
				// The failed refresh removed nothing: the token is still managed, no re-create.
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator{env, tokenAddr}},
			},
		},
	})
	if n := env.emu.CallCount("POST /auth/backend"); n != 1 {
		t.Errorf("want exactly one create, got %d", n)
	}
}

func TestAccServerToken_importRecoversToken(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	seeded := env.emu.AddToken("imported", testEmail)
	id := strconv.FormatInt(seeded.ID, 10)
	importBlock := fmt.Sprintf("import {\n  to = %s\n  id = %q\n}\n", tokenAddr, id)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkNoTokensNamed("imported"),
		Steps: []resource.TestStep{
			{
				Config:        requiredProviders + env.provider(authArg) + serverTokenConfig("imported", withPasswordWO),
				ResourceName:  tokenAddr,
				ImportState:   true,
				ImportStateId: "not-a-number",
				ExpectError:   regexp.MustCompile(`must be the numeric token id`),
			},
			{
				// terraform import with the CLI recovers the token value.
				Config:        requiredProviders + env.provider(authArg) + serverTokenConfig("imported", withPasswordWO),
				ResourceName:  tokenAddr,
				ImportState:   true,
				ImportStateId: id,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					if len(states) != 1 || states[0].Attributes["token"] != seeded.Token || states[0].Attributes["name"] != "imported" {
						return fmt.Errorf("import did not recover the token from the list")
					}
					return nil
				},
				ImportStatePersist: false,
			},
			{
				// An import block, then the first plan with `password` is an in-place update that stores it.
				Config: env.provider(authArg) + importBlock + serverTokenConfig("imported", withPassword),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					stateMatchesEmulator{env, tokenAddr},
					statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
					statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("password"), knownvalue.StringExact(testPassword)),
				},
			},
			{
				ResourceName:            tokenAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"password", "password_wo"},
			},
		},
	})
	if n := env.emu.CallCount("POST /auth/backend"); n != 0 {
		t.Errorf("import must not create tokens, got %d creates", n)
	}
}

func TestAccServerToken_importWithoutAuthTokenNamesIt(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	seeded := env.emu.AddToken("imported", testEmail)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config:        requiredProviders + env.provider() + serverTokenConfig("imported", withPasswordWO),
			ResourceName:  tokenAddr,
			ImportState:   true,
			ImportStateId: strconv.FormatInt(seeded.ID, 10),
			ExpectError:   regexp.MustCompile(`auth_token[\s\S]*B2B_AUTH_TOKEN`),
		}},
	})
}

func TestAccServerToken_renameReplaces(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkNoTokensNamed("first", "second"),
		Steps: []resource.TestStep{
			{Config: env.provider() + serverTokenConfig("first", withPasswordWO)},
			{
				Config: env.provider() + serverTokenConfig("second", withPasswordWO),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator{env, tokenAddr}},
				Check: func(*terraform.State) error {
					if n := len(env.tokensNamed("first")); n != 0 {
						return fmt.Errorf("the renamed token was not deleted: %d left", n)
					}
					return nil
				},
			},
		},
	})
}

func TestAccServerToken_rotationCreatesBeforeDestroying(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	config := func(rotation string) string {
		return env.provider() + serverTokenConfig("rotating", withPasswordWO,
			fmt.Sprintf("rotate_when_changed = { rotation = %q }", rotation),
			"lifecycle {\n    create_before_destroy = true\n  }")
	}
	var first emulator.Token
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkNoTokensNamed("rotating"),
		Steps: []resource.TestStep{
			{
				Config: config("2026-01"),
				Check: func(*terraform.State) error {
					first = env.tokensNamed("rotating")[0]
					env.emu.ResetCalls()
					return nil
				},
			},
			{
				Config: config("2026-02"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionCreateBeforeDestroy)},
				},
				ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator{env, tokenAddr}},
				Check: func(*terraform.State) error {
					left := env.tokensNamed("rotating")
					if len(left) != 1 || left[0].ID == first.ID {
						return fmt.Errorf("want only the new token left, emulator holds %v", left)
					}
					created, deleted := -1, -1
					for i, c := range env.emu.Calls() {
						if c.Method == "POST" && c.Path == "/auth/backend" && created < 0 {
							created = i
						}
						if c.Method == "DELETE" && c.Path == "/auth/backend" && c.Status == 200 {
							deleted = i
						}
					}
					if created < 0 || deleted < 0 || created > deleted {
						return fmt.Errorf("want the new token created (call %d) before the old one deleted (call %d)", created, deleted)
					}
					return nil
				},
			},
			{
				// Setting the same rotation value again changes nothing.
				Config:             config("2026-02"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: false,
			},
		},
	})
}

func TestAccServerToken_idFoundLate(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	env.emu.SetListLag(2)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkNoTokensNamed("late"),
		Steps: []resource.TestStep{{
			Config:            env.provider() + serverTokenConfig("late", withPasswordWO),
			ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator{env, tokenAddr}},
		}},
	})
	if n := env.emu.CallCount("POST /auth/backend"); n != 1 {
		t.Errorf("want exactly one create while the id was looked for, got %d", n)
	}
}

func TestAccServerToken_idNeverFoundOrphansNothing(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	env.emu.SetListLag(-1)
	config := env.provider() + serverTokenConfig("unlisted", withPasswordWO)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkNoTokensNamed("unlisted"),
		Steps: []resource.TestStep{
			{
				Config:      config,
				ExpectError: regexp.MustCompile(`its id was not found`),
			},
			{
				// State kept the token value; once the API lists it, the tainted token is
				// replaced, and the old one is deleted by the id found for its value.
				PreConfig: func() {
					if n := len(env.tokensNamed("unlisted")); n != 1 {
						t.Fatalf("want the unlisted token in the emulator, got %d", n)
					}
					env.emu.SetListLag(0)
					env.emu.RevealAll()
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator{env, tokenAddr}},
				Check: func(*terraform.State) error {
					if n := len(env.tokensNamed("unlisted")); n != 1 {
						return fmt.Errorf("want only the replacement left, emulator holds %d", n)
					}
					return nil
				},
			},
		},
	})
}

func TestAccServerToken_deleteOfUnknownIDSucceeds(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy: func(*terraform.State) error {
			// The injected 404 answered the delete, so the token is still there: remove it.
			left := env.tokensNamed("gone")
			if len(left) != 1 {
				return fmt.Errorf("want the token untouched by the 404 delete, got %d", len(left))
			}
			env.emu.RemoveToken(left[0].ID)
			return nil
		},
		Steps: []resource.TestStep{{
			Config: env.provider(authArg) + serverTokenConfig("gone", withPasswordWO),
			Check: func(*terraform.State) error {
				env.emu.InjectFault("DELETE /auth/backend", emulator.Fault{Kind: emulator.FaultStatus, Status: 404})
				return nil
			},
		}},
	})
}

func TestAccServerToken_planTimeValidation(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	token := func(name, email string, args ...string) string {
		return fmt.Sprintf("resource \"b2b_server_token\" \"test\" {\n  name  = %q\n  email = %q\n  %s\n}\n", name, email, strings.Join(args, "\n  "))
	}
	cases := map[string]struct{ config, want string }{
		"invalid email":    {env.provider() + token("x", "not-an-email", withPasswordWO), `(?s)email.*must be an email address`},
		"both passwords":   {env.provider() + token("x", testEmail, withPassword, withPasswordWO), `(?s)password.*password_wo`},
		"neither password": {env.provider() + token("x", testEmail), `Missing password: set password_wo or password`},
		"empty name":       {env.provider() + token("", testEmail, withPasswordWO), `(?s)name.*length`},
		"uppercase store":  {env.provider() + token("x", testEmail, withPasswordWO, `store_hash = "ABC"`), `(?s)store_hash.*lowercase`},
		"api_url not https": {
			"provider \"b2b\" {\n  api_url = \"http://api.example.com/api/io\"\n}\n" + token("x", testEmail, withPasswordWO),
			`(?s)api_url.*must use https`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factories(),
				Steps: []resource.TestStep{{
					Config:      tc.config,
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
	if n := len(env.emu.Calls()); n != 0 {
		t.Errorf("plan-time validation must not call the API, got %d calls", n)
	}
}
