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

var (
	withPasswordWO = fmt.Sprintf("password_wo = %q", testPassword)
	withPassword   = fmt.Sprintf("password = %q", testPassword)
)

// tokenBlock is a b2b_server_token resource labelled label, of the backend user testEmail,
// with the argument lines.
func tokenBlock(label, name string, args ...string) string {
	return hclBlock(fmt.Sprintf("resource \"b2b_server_token\" %q", label),
		append([]string{fmt.Sprintf("name  = %q", name), fmt.Sprintf("email = %q", testEmail)}, args...)...)
}

// serverTokenConfig is the resource at tokenAddr.
func serverTokenConfig(name, passwordArg string, extra ...string) string {
	return tokenBlock("test", name, append([]string{passwordArg}, extra...)...)
}

// tokensConfig is n resources, labelled and named prefix0, prefix1, and so on.
func tokensConfig(prefix string, n int, extra ...string) string {
	var b strings.Builder
	for i := range n {
		name := fmt.Sprintf("%s%d", prefix, i)
		b.WriteString(tokenBlock(name, name, append([]string{withPasswordWO}, extra...)...))
	}
	return b.String()
}

// countedTokensConfig is count instances of b2b_server_token.many, named by the HCL string
// name, such as "many-${count.index}".
func countedTokensConfig(count int, name string) string {
	return hclBlock(`resource "b2b_server_token" "many"`, fmt.Sprintf("count = %d", count),
		"name  = "+name, fmt.Sprintf("email = %q", testEmail), withPasswordWO)
}

// importByID is an import block of the token id into address.
func importByID(address string, id int64) string {
	return hclBlock("import", "to = "+address, fmt.Sprintf("id = %q", strconv.FormatInt(id, 10)))
}

func TestAccServerToken_createWithWriteOnlyPasswordAndOwnToken(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	env.testTokens(t, []string{"ci"}, []resource.TestStep{{
		Config: env.provider() + serverTokenConfig("ci", withPasswordWO),
		ConfigStateChecks: []statecheck.StateCheck{
			stateMatchesEmulator(env, tokenAddr),
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
		// Without auth_token the resource lists and deletes with its own token (its create
		// borrowed a short-lived one to list before it, deleted since).
		PreConfig: env.emu.ResetCalls,
		Config:    env.provider() + serverTokenConfig("ci", withPasswordWO),
		Check: func(*terraform.State) error {
			created := env.tokensNamed("ci")
			if len(created) != 1 {
				return fmt.Errorf("want 1 token named ci, emulator holds %d", len(created))
			}
			for _, c := range env.callsTo(routeListTokens) {
				if got := c.Header.Get("authToken"); got != created[0].Token {
					return fmt.Errorf("list authenticated with another token than the resource's own")
				}
			}
			return nil
		},
	}})
	if ids := env.deletedIDs(); len(ids) != 1 {
		t.Errorf("want one successful delete (after the reset) with the id in its body, got ids %v", ids)
	}
}

func TestAccServerToken_passwordInStateUsesProviderAuthToken(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, bootstrap := env.bootstrapAuthToken()
	env.testTokens(t, []string{"ci"}, []resource.TestStep{{
		Config: env.provider(authArg) + serverTokenConfig("ci", withPassword),
		ConfigStateChecks: []statecheck.StateCheck{
			stateMatchesEmulator(env, tokenAddr),
			statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("password"), knownvalue.StringExact(testPassword)),
		},
		Check: func(*terraform.State) error {
			for _, c := range env.callsTo(routeListTokens) {
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
		Config:           env.provider(authArg) + serverTokenConfig("ci", `password = "another-password"`),
		ConfigPlanChecks: plansToken(plancheck.ResourceActionUpdate),
	}, {
		// Moving from password to password_wo does not replace it either.
		Config:           env.provider(authArg) + serverTokenConfig("ci", withPasswordWO),
		ConfigPlanChecks: plansToken(plancheck.ResourceActionUpdate),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("password"), knownvalue.Null()),
		},
	}})
	env.expectCalls(routeCreateToken, 1, "the token is created once and never replaced")
}

func TestAccServerToken_outOfBandDeletionPlansRecreate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		withAuthToken bool
	}{{"scanned with auth_token", true}, {"own token rejected", false}} {
		t.Run(tc.name, func(t *testing.T) {
			env := newAccEnv(t)
			var extra []string
			if tc.withAuthToken {
				arg, _ := env.bootstrapAuthToken()
				extra = append(extra, arg)
			}
			config := env.provider(extra...) + serverTokenConfig("ci", withPasswordWO)
			env.testTokens(t, []string{"ci"}, []resource.TestStep{
				{Config: config},
				{
					PreConfig:         func() { env.removeTokens(env.tokensNamed("ci")) },
					Config:            config,
					ConfigPlanChecks:  plansToken(plancheck.ResourceActionDestroyBeforeCreate),
					ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
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
	env.testTokens(t, []string{"ci"}, []resource.TestStep{
		{Config: config},
		{
			PreConfig: func() {
				env.emu.InjectFaults(routeListTokens, 2, statusFault(503))
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
			ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
		},
	})
	env.expectCalls(routeCreateToken, 1, "the token is created once and never replaced")
}

func TestAccServerToken_importRecoversToken(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	seeded := env.emu.AddToken("imported", testEmail)
	id := strconv.FormatInt(seeded.ID, 10)
	env.testTokens(t, []string{"imported"}, []resource.TestStep{
		{
			Config:        requiredProviders + env.provider(authArg) + serverTokenConfig("imported", withPasswordWO),
			ResourceName:  tokenAddr,
			ImportState:   true,
			ImportStateId: "not-a-number",
			ExpectError:   regexp.MustCompile(`must be the numeric token id`),
		},
		{
			// terraform import with the CLI finds the token; it reads no value: the
			// configuration's token_in_state decides at apply whether state keeps one.
			Config:        requiredProviders + env.provider(authArg) + serverTokenConfig("imported", withPasswordWO),
			ResourceName:  tokenAddr,
			ImportState:   true,
			ImportStateId: id,
			ImportStateCheck: func(states []*terraform.InstanceState) error {
				if len(states) != 1 || states[0].Attributes["token"] != "" || states[0].Attributes["name"] != "imported" {
					return fmt.Errorf("import did not find the token without its value: %v", states)
				}
				return nil
			},
		},
		{
			// An import block, then the first plan with `password` is an in-place update that
			// stores it and the token's value, read from the list.
			Config:           env.provider(authArg) + importByID(tokenAddr, seeded.ID) + serverTokenConfig("imported", withPassword),
			ConfigPlanChecks: plansToken(plancheck.ResourceActionUpdate),
			ConfigStateChecks: []statecheck.StateCheck{
				stateMatchesEmulator(env, tokenAddr),
				statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("id"), knownvalue.StringExact(id)),
				statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("password"), knownvalue.StringExact(testPassword)),
			},
		},
		{
			ResourceName:            tokenAddr,
			ImportState:             true,
			ImportStateVerify:       true,
			ImportStateVerifyIgnore: []string{"password", "password_wo", "token"},
		},
	})
	env.expectCalls(routeCreateToken, 0, "an import creates nothing")
}

func TestAccServerToken_importWithoutAuthTokenNamesIt(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	seeded := env.emu.AddToken("imported", testEmail)
	env.test(t, allVersions, []resource.TestStep{{
		Config:        requiredProviders + env.provider() + serverTokenConfig("imported", withPasswordWO),
		ResourceName:  tokenAddr,
		ImportState:   true,
		ImportStateId: strconv.FormatInt(seeded.ID, 10),
		ExpectError:   regexp.MustCompile(`auth_token[\s\S]*B2B_AUTH_TOKEN`),
	}})
}

func TestAccServerToken_renameReplaces(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	env.testTokens(t, []string{"first", "second"}, []resource.TestStep{
		{Config: env.provider() + serverTokenConfig("first", withPasswordWO)},
		{
			Config:            env.provider() + serverTokenConfig("second", withPasswordWO),
			ConfigPlanChecks:  plansToken(plancheck.ResourceActionDestroyBeforeCreate),
			ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
			// The renamed token is deleted.
			Check: env.holdsTokens("first", 0),
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
	env.testTokens(t, []string{"rotating"}, []resource.TestStep{
		{Config: config("2026-01")},
		{
			PreConfig: func() {
				first = env.tokensNamed("rotating")[0]
				env.emu.ResetCalls()
			},
			Config:            config("2026-02"),
			ConfigPlanChecks:  plansToken(plancheck.ResourceActionCreateBeforeDestroy),
			ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
			Check: func(*terraform.State) error {
				left := env.tokensNamed("rotating")
				if len(left) != 1 || left[0].ID == first.ID {
					return fmt.Errorf("want only the new token left, emulator holds %v", left)
				}
				created, deleted := -1, -1
				for i, c := range env.emu.Calls() {
					if isCall(c, routeCreateToken) && created < 0 {
						created = i
					}
					if isCall(c, routeDeleteToken) && c.Status == 200 {
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
			Config:   config("2026-02"),
			PlanOnly: true,
		},
	})
}

func TestAccServerToken_idFoundLate(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	env.emu.SetListLag(2)
	env.testTokens(t, []string{"late"}, []resource.TestStep{{
		Config:            env.provider() + serverTokenConfig("late", withPasswordWO),
		ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
	}})
	env.expectCreates("late", 1, "the create is not re-sent while its id is looked for")
}

func TestAccServerToken_idNeverFoundOrphansNothing(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	env.emu.SetListLag(-1)
	config := env.provider() + serverTokenConfig("unlisted", withPasswordWO)
	env.testTokens(t, []string{"unlisted"}, []resource.TestStep{
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
			Config:            config,
			ConfigPlanChecks:  plansToken(plancheck.ResourceActionDestroyBeforeCreate),
			ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
			// Only the replacement is left.
			Check: env.holdsTokens("unlisted", 1),
		},
	})
}

// A delete answered 404 means the token is gone already: destroy succeeds.
func TestAccServerToken_deleteOfUnknownIDSucceeds(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	config := env.provider(authArg) + serverTokenConfig("gone", withPasswordWO)
	env.testTokens(t, nil, []resource.TestStep{
		{Config: config},
		{
			PreConfig: func() { env.emu.InjectFault(routeDeleteToken, statusFault(404)) },
			Config:    config,
			Destroy:   true,
			// The injected 404 answered the delete, so the token is still there.
			Check: env.holdsTokens("gone", 1),
		},
	})
}

// Emails compare case-insensitively: the configured spelling stays, with no diff.
func TestAccServerToken_emailCaseNeverReplaces(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	config := env.provider() + strings.Replace(serverTokenConfig("cased", withPasswordWO), testEmail, "Admin@Example.COM", 1)
	env.testTokens(t, []string{"cased"}, []resource.TestStep{{
		Config: config,
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("email"), knownvalue.StringExact("Admin@Example.COM")),
		},
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
		},
	}})
}

func TestAccServerToken_planTimeValidation(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	token := func(name, email string, args ...string) string {
		return hclBlock(`resource "b2b_server_token" "test"`, append([]string{fmt.Sprintf("name  = %q", name), fmt.Sprintf("email = %q", email)}, args...)...)
	}
	cases := []struct{ name, config, want string }{
		{"invalid email", env.provider() + token("x", "not-an-email", withPasswordWO), `(?s)email.*must be an email address`},
		{"both passwords", env.provider() + token("x", testEmail, withPassword, withPasswordWO), `(?s)password.*password_wo`},
		{"neither password", env.provider() + token("x", testEmail), `Missing password: set password_wo or password`},
		{"empty name", env.provider() + token("", testEmail, withPasswordWO), `(?s)name.*length`},
		{"uppercase store", env.provider() + token("x", testEmail, withPasswordWO, `store_hash = "ABC"`), `(?s)store_hash.*lowercase`},
		{
			"api_url not https",
			"provider \"b2b\" {\n  api_url = \"http://api.example.com/api/io\"\n}\n" + token("x", testEmail, withPasswordWO),
			`(?s)api_url.*must use https`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env.test(t, allVersions, []resource.TestStep{{
				Config:      tc.config,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(tc.want),
			}})
		})
	}
	env.expectNoCalls("plan-time validation")
}
