package provider

import (
	"fmt"
	"testing"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// A create in a store of 50,000 tokens costs a few list calls, as in a small one: the
// listing before it and the search for the new token read the newest end of the list only.
// In both list orders, with auth_token and with backend credentials only; the refresh and
// the destroy that follow read the newest end too.
func TestAccServerToken_createInABigStoreReadsTheNewestEndOnly(t *testing.T) {
	t.Parallel()
	for _, order := range []emulator.ListOrder{emulator.NewestFirst, emulator.OldestFirst} {
		for _, mode := range []string{"auth_token", "password only"} {
			t.Run(fmt.Sprintf("%v/%s", order, mode), func(t *testing.T) {
				t.Parallel()
				env := newAccEnv(t, func(o *emulator.Options) { o.ListOrder = order })
				env.emu.SeedTokens(50000, "seeded-", "someone@example.com")
				cli := newTerraformCLI(t, env, "1.11.0")
				credential := ""
				if mode == "auth_token" {
					credential, _ = env.bootstrapAuthToken()
				}
				config := env.provider(credential) + serverTokenConfig("big", withPasswordWO)
				lists := len(env.callsTo(routeListTokens))
				cli.apply(config)
				if n := len(env.callsTo(routeListTokens)) - lists; n > 8 {
					t.Errorf("the create cost %d list calls in a store of 50,000 tokens (a complete listing is 201); want at most 8", n)
				}
				env.expectCreates("big", 1, "one create")
				live := env.tokensNamed("big")
				if len(live) != 1 || cli.state()[fmt.Sprint(live[0].ID)] == nil {
					t.Fatalf("live %v, state %v: want the token made, in state", live, cli.state())
				}
				lists = len(env.callsTo(routeListTokens))
				cli.contains(cli.run("plan", "-input=false"), "No changes")
				cli.run("destroy", "-auto-approve", "-input=false")
				if n := len(env.callsTo(routeListTokens)) - lists; n > 6 {
					t.Errorf("the refresh plan and the destroy cost %d list calls; want at most 6", n)
				}
				if left := env.tokensNamed("big"); len(left) != 0 {
					t.Fatalf("destroy left %v", left)
				}
				if err := env.noBorrowedLeft(); err != nil {
					t.Error(err)
				}
			})
		}
	}
}
