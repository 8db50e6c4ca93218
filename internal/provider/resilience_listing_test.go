package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// listingMatchesEmulator checks the b2b_server_tokens data source at address: no id twice,
// as many tokens as its total_count, and exactly the tokens the emulator holds.
type listingMatchesEmulator struct {
	env     *accEnv
	address string
}

func (c listingMatchesEmulator) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	attrs, err := stateAttributes(req, c.address)
	if err != nil {
		resp.Error = err
		return
	}
	listed, _ := attrs["tokens"].([]any)
	seen := map[string]bool{}
	for _, item := range listed {
		token, _ := item.(map[string]any)
		id := fmt.Sprint(token["id"])
		if seen[id] {
			resp.Error = fmt.Errorf("%s lists the token %s twice", c.address, id)
			return
		}
		seen[id] = true
	}
	if total := fmt.Sprint(attrs["total_count"]); total != strconv.Itoa(len(listed)) {
		resp.Error = fmt.Errorf("%s lists %d tokens, but its total_count is %s", c.address, len(listed), total)
		return
	}
	held := c.env.emu.Tokens()
	for _, tok := range held {
		if !seen[strconv.FormatInt(tok.ID, 10)] {
			resp.Error = fmt.Errorf("%s misses the token %d (%d listed, the emulator holds %d)", c.address, tok.ID, len(listed), len(held))
			return
		}
	}
	if len(listed) != len(held) {
		resp.Error = fmt.Errorf("%s lists %d tokens, the emulator holds %d", c.address, len(listed), len(held))
	}
}

// TestAccResilience_tokensChangingBetweenPagesAreNeitherMissedNorCountedTwice: a store of
// 601 tokens is three pages of GET /backend/tokens, newest first. Tokens deleted at the
// head between two pages shift the later pages up (a naive reader misses the tokens at the
// page boundary), tokens created there shift them down (a naive reader sees some twice).
// Once per refresh, while the page at offset 250 is served, the emulator deletes (then, in
// the next step, creates) three tokens at the head. The refresh must not declare any
// imported token at a page boundary gone (the plan stays empty), and the data source must
// list every token exactly once.
func TestAccResilience_tokensChangingBetweenPagesAreNeitherMissedNorCountedTwice(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	seeded := env.emu.SeedTokens(600, "seed-", testEmail) // ids 2..601; list index i is id 601-i
	byID := map[int64]emulator.Token{}
	for _, tok := range seeded {
		byID[tok.ID] = tok
	}
	// Around the boundaries of the pages at offsets 250 (ids 351/350) and 500 (ids 101/100):
	// a shift by three skips ids 99-101 or 349-351, or repeats ids 102-104 or 352-354.
	managed := []int64{354, 351, 349, 104, 102, 101, 99, 2}
	// One resource and import block per token: the legacy state shim behind Check does not
	// support for_each.
	var config strings.Builder
	config.WriteString(env.provider(authArg) + "data \"b2b_server_tokens\" \"all\" {}\n")
	var checks []statecheck.StateCheck
	for _, id := range managed {
		label := fmt.Sprintf("id_%d", id)
		fmt.Fprintf(&config, "\nimport {\n  to = b2b_server_token.%s\n  id = \"%d\"\n}\n", label, id)
		fmt.Fprintf(&config, "\nresource \"b2b_server_token\" %q {\n  name        = %q\n  email       = %q\n  password_wo = %q\n}\n",
			label, byID[id].Name, testEmail, testPassword)
		checks = append(checks, stateMatchesEmulator{env, "b2b_server_token." + label})
	}
	checks = append(checks, listingMatchesEmulator{env, "data.b2b_server_tokens.all"})

	// shiftOnce makes change once, while the first page at an offset other than 0 is
	// served, and remembers where in the record of calls that happened.
	var mu sync.Mutex
	shiftedAt := -1
	shiftOnce := func(change func()) func() {
		return func() {
			var once sync.Once
			mu.Lock()
			shiftedAt = -1
			mu.Unlock()
			env.emu.ResetCalls()
			env.emu.OnRequest(func(c emulator.Call) {
				q, _ := url.ParseQuery(c.RawQuery)
				if c.Method != "GET" || c.Path != "/backend/tokens" || q.Get("offset") == "0" {
					return
				}
				once.Do(func() {
					change()
					mu.Lock()
					shiftedAt = len(env.emu.Calls()) - 1
					mu.Unlock()
				})
			})
		}
	}
	// reread checks that the listing went on after the change and was read again from the
	// start: the test exercised a listing whose pages did not add up.
	reread := func(*terraform.State) error {
		mu.Lock()
		at := shiftedAt
		mu.Unlock()
		if at < 0 {
			return fmt.Errorf("the store never changed between two pages")
		}
		laterPage, restarted := false, false
		for _, c := range env.emu.Calls()[at+1:] {
			if c.Method != "GET" || c.Path != "/backend/tokens" {
				continue
			}
			q, _ := url.ParseQuery(c.RawQuery)
			switch {
			case q.Get("offset") != "0":
				laterPage = true
			case laterPage:
				restarted = true
			}
			if restarted {
				return nil
			}
		}
		return fmt.Errorf("no page was read after the change, or the listing was not read again from the start")
	}
	head := func() []emulator.Token { // the three newest tokens that are not managed
		tokens := env.emu.Tokens()
		sort.Slice(tokens, func(i, j int) bool { return tokens[i].ID > tokens[j].ID })
		return tokens[:3]
	}
	emptyPlan := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}

	resource.Test(t, resource.TestCase{
		TerraformVersionChecks: writeOnlyVersions,
		// One page at a time, so that the pages after the change are read after it.
		ProtoV6ProviderFactories: env.factoriesWith(func(c *b2b.Config) { c.ListConcurrency = 1 }),
		Steps: []resource.TestStep{
			{Config: config.String(), ConfigStateChecks: checks},
			{
				PreConfig: shiftOnce(func() {
					for _, tok := range head() {
						env.emu.RemoveToken(tok.ID)
					}
				}),
				Config:            config.String(),
				ConfigPlanChecks:  emptyPlan,
				ConfigStateChecks: checks,
				Check:             reread,
			},
			{
				PreConfig: shiftOnce(func() {
					for i := range 3 {
						env.emu.AddToken(fmt.Sprintf("added-between-pages-%d", i), testEmail)
					}
				}),
				Config:            config.String(),
				ConfigPlanChecks:  emptyPlan,
				ConfigStateChecks: checks,
				Check:             reread,
			},
		},
	})
	env.emu.OnRequest(nil)
	if n := env.emu.CallCount("POST /auth/backend"); n != 0 {
		t.Errorf("%d creates: a token was wrongly declared gone and created again", n)
	}
	for _, id := range managed {
		if _, ok := env.emu.Token(id); ok {
			t.Errorf("token %d is still in the emulator after destroy", id)
		}
	}
}

// TestAccResilience_fiftyTokensInParallelUnderRateLimits applies 50 tokens at once under
// injected 429s on the create and the list (and on the delete, at destroy). Every resource
// must end up with its own token: each state id is a distinct emulator token whose value
// and name are the state's, and destroy leaves nothing.
//
// Parallelism: TestStep has no option for it, but terraform-exec passes -parallelism=10 to
// every plan, apply and destroy (its default, which is also Terraform's). The test checks
// that creates did overlap, and never more than 10 at once.
func TestAccResilience_fiftyTokensInParallelUnderRateLimits(t *testing.T) {
	t.Parallel()
	const count = 50
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()

	// Put a counter of concurrent creates in front of the emulator.
	var mu sync.Mutex
	inFlight, maxInFlight := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		create := r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/auth/backend")
		if create {
			mu.Lock()
			inFlight++
			maxInFlight = max(maxInFlight, inFlight)
			mu.Unlock()
			defer func() {
				mu.Lock()
				inFlight--
				mu.Unlock()
			}()
		}
		env.emu.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	env.url = srv.URL + "/api/io"

	rateLimited := emulator.Fault{Kind: emulator.FaultStatus, Status: 429, WindowResetsAfter: "0.002 s"}
	config := env.provider(authArg, "max_retries = 10") + fmt.Sprintf(`
resource "b2b_server_token" "many" {
  count       = %d
  name        = "parallel-${count.index}"
  email       = %q
  password_wo = %q
}
`, count, testEmail, testPassword)
	named := func() []emulator.Token {
		var out []emulator.Token
		for _, tok := range env.emu.Tokens() {
			if strings.HasPrefix(tok.Name, "parallel-") {
				out = append(out, tok)
			}
		}
		return out
	}
	var checks []statecheck.StateCheck
	for i := range count {
		checks = append(checks, stateMatchesEmulator{env, fmt.Sprintf("b2b_server_token.many[%d]", i)})
	}
	checks = append(checks, distinctIDs{"b2b_server_token.many", count})

	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy: func(*terraform.State) error {
			if left := named(); len(left) != 0 {
				return fmt.Errorf("%d tokens left after destroy", len(left))
			}
			return env.checkFaultsServed("DELETE /auth/backend")
		},
		Steps: []resource.TestStep{{
			PreConfig: func() {
				env.emu.InjectFaults("POST /auth/backend", 15, rateLimited)
				env.emu.InjectFaults("GET /backend/tokens", 10, rateLimited)
			},
			Config:            config,
			ConfigStateChecks: checks,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: func(*terraform.State) error {
				if err := env.checkFaultsServed("POST /auth/backend", "GET /backend/tokens"); err != nil {
					return err
				}
				if n := len(named()); n != count {
					return fmt.Errorf("emulator holds %d tokens, want %d", n, count)
				}
				if n := env.successfulCalls("POST /auth/backend"); n != count {
					return fmt.Errorf("%d successful creates, want %d", n, count)
				}
				mu.Lock()
				peak := maxInFlight
				mu.Unlock()
				if peak < 2 || peak > 10 {
					return fmt.Errorf("at most %d creates ran at once, want 2 to 10 (-parallelism=10)", peak)
				}
				env.emu.InjectFaults("DELETE /auth/backend", 10, rateLimited)
				return nil
			},
		}},
	})
	if got, want := env.emu.CallCount("POST /auth/backend"), count+15; got != want {
		t.Errorf("%d POST /auth/backend, want %d: one per token and one per 429", got, want)
	}
}

// distinctIDs checks that the count instances of the resource prefix have distinct ids.
type distinctIDs struct {
	prefix string
	count  int
}

func (c distinctIDs) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil {
		resp.Error = fmt.Errorf("no state")
		return
	}
	owner := map[string]string{}
	for _, r := range req.State.Values.RootModule.Resources {
		if !strings.HasPrefix(r.Address, c.prefix+"[") {
			continue
		}
		id := fmt.Sprint(r.AttributeValues["id"])
		if other, dup := owner[id]; dup {
			resp.Error = fmt.Errorf("%s and %s both hold the token %s", other, r.Address, id)
			return
		}
		owner[id] = r.Address
	}
	if len(owner) != c.count {
		resp.Error = fmt.Errorf("%d instances of %s in state, want %d", len(owner), c.prefix, c.count)
	}
}
