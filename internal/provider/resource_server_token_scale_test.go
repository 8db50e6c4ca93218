package provider

import (
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

// A store of N tokens and a configuration of M server tokens: the listing cost of a
// refresh must not grow with M, and creating M tokens costs M POSTs and at most
// (ceil(M/10)+1) x ceil(N/250) list calls. Terraform's default parallelism (10) applies;
// the injected latency makes concurrent requests overlap as they do against the real API.
func TestAccServerToken_listCostIndependentOfResourceCount(t *testing.T) {
	t.Parallel()
	const seeded, managed = 600, 30
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	env.emu.SeedTokens(seeded, "seed-", testEmail)
	env.emu.SetLatency(20 * time.Millisecond)
	ceilDiv := func(a, b int) int { return (a + b - 1) / b }
	storePages := ceilDiv(seeded+1+managed, b2b.MaxPageSize)
	config := env.provider(authArg) + fmt.Sprintf(`
resource "b2b_server_token" "many" {
  count       = %d
  name        = "many-${count.index}"
  email       = %q
  password_wo = %q
}
`, managed, testEmail, testPassword)

	lists := func() int { return env.emu.CallCount("GET /backend/tokens") }
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkNoTokensNamed(fmt.Sprintf("many-%d", managed-1)),
		Steps: []resource.TestStep{
			{
				PreConfig: env.emu.ResetCalls,
				Config:    config,
				Check: func(*terraform.State) error {
					posts := env.emu.CallCount("POST /auth/backend")
					limit := (ceilDiv(managed, 10) + 1) * storePages
					t.Logf("apply of %d creates: %d POSTs, %d list calls (limit %d)", managed, posts, lists(), limit)
					if posts != managed || lists() > limit {
						return fmt.Errorf("creating %d tokens cost %d POSTs and %d list calls, want %d and at most %d", managed, posts, lists(), managed, limit)
					}
					return nil
				},
			},
			{
				// `terraform plan` refreshes every resource: one listing serves them all.
				PreConfig: env.emu.ResetCalls,
				Config:    config,
				PlanOnly:  true,
			},
			{
				PreConfig: func() {
					if got, limit := lists(), storePages+1; got > limit {
						t.Errorf("a refresh of %d resources cost %d list calls, want at most %d", managed, got, limit)
					}
				},
				Config:   config,
				PlanOnly: true,
			},
		},
	})
}
