package provider

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// A lost create reply among three creates, without auth_token: the other two creates'
// tokens list the store, and the error names the id of the token the lost create made, so
// that nothing is guessed and nothing is created twice.
func TestAccServerToken_lostReplyAmongCreatesNamesTheToken(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	config := env.provider(`request_timeout = "2s"`) + tokensConfig("l", 3)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				env.emu.InjectFault("POST /auth/backend", emulator.Fault{Kind: emulator.FaultSlow, Delay: 5 * time.Second, AfterHandling: true})
			},
			Config:      config,
			ExpectError: regexp.MustCompile(`(?s)Tokens\s+named\s+"l[0-2]"\s+for\s+admin@example.com\s+that\s+this\s+run\s+did\s+not\s+create:\s+id\s+\d+`),
		}, {
			// Exactly one token per resource exists: the lost create was not re-sent.
			RefreshState:       true,
			ExpectNonEmptyPlan: true, // the resource whose reply was lost is not in state
			Check: func(s *terraform.State) error {
				if n := len(env.emu.Tokens()); n != 3 {
					return fmt.Errorf("emulator holds %d tokens, want 3: one per resource", n)
				}
				if n := len(s.RootModule().Resources); n != 2 {
					return fmt.Errorf("%d resources in state, want the 2 whose replies arrived", n)
				}
				return nil
			},
		}},
		CheckDestroy: func(*terraform.State) error {
			for _, tok := range env.emu.Tokens() {
				env.emu.RemoveToken(tok.ID) // the lost one, which state never held
			}
			return nil
		},
	})
}

// A created token whose id was never found stays in state through refreshes: dropping it
// would orphan a live token.
func TestAccServerToken_unknownIDIsNeverDroppedByARefresh(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	env.emu.SetListLag(-1)
	config := env.provider() + serverTokenConfig("hidden", withPasswordWO)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkNoTokensNamed("hidden"),
		Steps: []resource.TestStep{{
			Config:      config,
			ExpectError: regexp.MustCompile(`its id was not found`),
		}, {
			RefreshState:       true,
			ExpectNonEmptyPlan: true, // tainted: the next apply replaces it
			Check: func(s *terraform.State) error {
				rs, ok := s.RootModule().Resources[tokenAddr]
				if !ok || rs.Primary.Attributes["token"] == "" {
					return fmt.Errorf("the token whose id is unknown was dropped from state by a refresh")
				}
				env.emu.RevealAll() // it shows up at last: destroy finds it by value
				return nil
			},
		}},
	})
}

// Emails compare case-insensitively: the configured spelling stays, with no diff.
func TestAccServerToken_emailCaseNeverReplaces(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	config := env.provider() + strings.Replace(serverTokenConfig("cased", withPasswordWO), testEmail, "Admin@Example.COM", 1)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkNoTokensNamed("cased"),
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("email"), knownvalue.StringExact("Admin@Example.COM")),
			},
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		}},
	})
}

// Replies that are not what the API promised fail the refresh or the destroy clearly and
// never drop a token from state.
func TestAccServerToken_unexpectedRepliesKeepState(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	config := env.provider("max_retries = 0") + serverTokenConfig("kept", withPasswordWO)
	fail := func(route string, f emulator.Fault, destroy bool, want string) resource.TestStep {
		return resource.TestStep{
			PreConfig:   func() { env.emu.InjectFault(route, f) },
			Config:      config,
			Destroy:     destroy,
			ExpectError: regexp.MustCompile(want),
		}
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkNoTokensNamed("kept"),
		Steps: []resource.TestStep{
			{Config: config},
			fail("GET /backend/tokens", emulator.Fault{Kind: emulator.FaultRedirect, Status: 307}, false,
				`(?s)GET /backend/tokens: HTTP 307.*refused\s+a\s+redirect\s+to\s+http://attacker.invalid`),
			fail("GET /backend/tokens", emulator.Fault{Kind: emulator.FaultNullData}, false, `data\s+is\s+not\s+a\s+list\s+of\s+tokens\s+\(null\)`),
			fail("GET /backend/tokens", emulator.Fault{Kind: emulator.FaultNotAList}, false, `data\s+is\s+not\s+a\s+list\s+of\s+tokens`),
			fail("GET /backend/tokens", emulator.Fault{Kind: emulator.FaultTotalCount, TotalCount: -1}, false, `totalCount -1`),
			fail("DELETE /auth/backend", emulator.Fault{Kind: emulator.FaultHTMLPage, Status: 404}, true,
				`(?s)DELETE /auth/backend: HTTP 404 Not Found: reply is not JSON.*check\s+api_url`),
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator{env, tokenAddr}},
			},
		},
	})
	for _, c := range env.emu.Calls() {
		if strings.Contains(c.Path, "steal") {
			t.Errorf("a redirect was followed: %s %s", c.Method, c.Path)
		}
	}
}

// Someone deletes one token and creates another while a refresh reads the pages (the list
// oldest first): the count stays the same, but every page after the deletion shifts. The
// refresh must notice and read again, not conclude that a live token is gone.
func TestAccServerToken_shiftedListingNeverDropsAToken(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, func(o *emulator.Options) { o.ListOrder = emulator.OldestFirst })
	seeded := env.emu.SeedTokens(250, "seed-", testEmail) // the managed token is the 251st
	config := env.provider() + serverTokenConfig("shifted", withPasswordWO)
	var once sync.Once
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkNoTokensNamed("shifted"),
		Steps: []resource.TestStep{{
			Config: config,
		}, {
			PreConfig: func() {
				env.emu.OnRequest(func(c emulator.Call) {
					if c.Method == "GET" && strings.Contains(c.RawQuery, "offset=0") {
						once.Do(func() {
							env.emu.RemoveToken(seeded[0].ID)
							env.emu.AddToken("someone-else", testEmail)
						})
					}
				})
			},
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectEmptyPlan(),
			}},
		}},
	})
}
