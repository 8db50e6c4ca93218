package provider

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// A refresh reads only the pages that hold the configuration's tokens: presence needs no
// complete listing, a page that shows a token proves it exists. Where the tokens are depends
// on the list's order, which BigCommerce does not document: the provider tells it from the
// first page's ids (they grow with creation) and reads where the tokens must be.

var listOrders = []emulator.ListOrder{emulator.NewestFirst, emulator.OldestFirst}

// refreshCostEnv is a store of 1,000 seeded tokens listed in order.
func refreshCostEnv(t *testing.T, order emulator.ListOrder) *accEnv {
	env := newAccEnv(t, withCustomers, func(o *emulator.Options) { o.ListOrder = order })
	env.emu.SeedTokens(1000, "seed-", testEmail)
	return env
}

// refreshCosts is a plan-only step that checks the refresh made at most most list calls.
func refreshCosts(env *accEnv, config string, most int, what string) resource.TestStep {
	return resource.TestStep{
		PreConfig: env.emu.ResetCalls,
		Config:    config,
		ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectEmptyPlan(),
			env.atMostCalls(routeListTokens, most, what),
		}},
	}
}

// The 20 newest tokens of a store of 1,000: one page when the list is newest first; the first
// page and the last when it is oldest first. In both credential modes.
func TestAccServerTokenRefreshCost_newestTokensCostTheirPages(t *testing.T) {
	t.Parallel()
	for _, order := range listOrders {
		for _, withAuthToken := range credentialModes {
			t.Run(fmt.Sprintf("%s first/%s", order, modeName(withAuthToken)), func(t *testing.T) {
				t.Parallel()
				env := refreshCostEnv(t, order)
				config := env.provider(providerArgsFor(env, withAuthToken)...) + tokensConfig("new", 20)
				most := map[emulator.ListOrder]int{emulator.NewestFirst: 1, emulator.OldestFirst: 2}[order]
				env.testTokens(t, []string{"new0", "new19"}, []resource.TestStep{
					{Config: config},
					refreshCosts(env, config, most, "refresh of the 20 newest tokens"),
				})
			})
		}
	}
}

// Twenty tokens imported from the oldest end of the store: the pages that hold them, found
// from the first page's ids. Imports read with the provider's own credential: auth_token, or
// the store-level access token where BigCommerce accepts it for listing.
func TestAccServerTokenRefreshCost_oldestTokensCostTheirPages(t *testing.T) {
	t.Parallel()
	for _, order := range listOrders {
		for _, credential := range []string{"auth_token", "access_token"} {
			t.Run(fmt.Sprintf("%s first/%s", order, credential), func(t *testing.T) {
				t.Parallel()
				env := refreshCostEnv(t, order)
				args := []string{fmt.Sprintf("access_token = %q", storeLevelAccessToken)}
				if credential == "auth_token" {
					args = providerArgsFor(env, true)
				} else {
					env.emu.SetAccessTokenListsTokens(true)
				}
				var config strings.Builder
				config.WriteString(env.provider(args...))
				for _, tok := range env.emu.Tokens()[:20] {
					label := fmt.Sprintf("old%d", tok.ID)
					config.WriteString(tokenBlock(label, tok.Name) + importByID("b2b_server_token."+label, tok.ID))
				}
				most := map[emulator.ListOrder]int{emulator.NewestFirst: 2, emulator.OldestFirst: 1}[order]
				env.testTokens(t, nil, []resource.TestStep{
					{Config: config.String()},
					refreshCosts(env, config.String(), most, "refresh of the 20 oldest tokens"),
				})
			})
		}
	}
}

// Tokens created at the newest end and deleted at the oldest while the refresh reads (churn,
// another integration of the store): every page shifts, a managed token may not be where the
// ids say, and it is still found (by the complete listing if need be); one deleted is proven
// gone only by two complete listings. Nothing live is ever dropped. Both orders, both modes.
func TestAccServerTokenRefreshCost_tokensOffThePagesAreFoundOrProvenGone(t *testing.T) {
	t.Parallel()
	for _, order := range listOrders {
		for _, withAuthToken := range credentialModes {
			t.Run(fmt.Sprintf("%s first/%s", order, modeName(withAuthToken)), func(t *testing.T) {
				t.Parallel()
				env := refreshCostEnv(t, order)
				args := providerArgsFor(env, withAuthToken)
				config := env.provider(args...) + tokensConfig("churn", 5)
				var mu sync.Mutex
				churning, oldest := false, int64(0)
				env.emu.OnRequest(func(c emulator.Call) {
					mu.Lock()
					defer mu.Unlock()
					if churning && isCall(c, routeListTokens) && oldest < 990 {
						env.emu.SeedTokens(10, "other-", opsEmail)
						for range 10 {
							oldest++
							env.emu.RemoveToken(oldest) // a seed token: deletes shift every later page
						}
					}
				})
				env.testTokens(t, []string{"churn0", "churn4"}, []resource.TestStep{{
					Config: config,
				}, {
					PreConfig: func() {
						mu.Lock()
						churning = true
						mu.Unlock()
					},
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
				}, {
					PreConfig: func() {
						mu.Lock()
						churning = false
						mu.Unlock()
						env.removeTokens(env.tokensNamed("churn2"))
						env.emu.ResetCalls()
					},
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("b2b_server_token.churn2", plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectResourceAction("b2b_server_token.churn0", plancheck.ResourceActionNoop),
					}},
					ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, "b2b_server_token.churn2")},
				}})
			})
		}
	}
}
