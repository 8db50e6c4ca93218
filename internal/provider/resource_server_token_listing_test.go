package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// How the resource lists its store: one listing serves every resource of a run, with the
// resources' own tokens as the credentials when there is no provider auth_token (the
// configuration most users have), and a listing whose pages shift under it never drops a
// token.

func TestAccServerTokenListing_refreshWithoutAuthTokenListsTheStoreOnce(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	env.emu.SeedTokens(1000, "seed-", testEmail)
	config := env.provider() + tokensConfig("r", 20)
	env.testTokens(t, nil, []resource.TestStep{
		{Config: config},
		replan(env, config, env.atMostCalls(routeListTokens, pagesOf(1020)+1, "refresh of 20 tokens in a store of 1,020")),
	})
}

// replan is a second run of config after its apply: the plan is empty, and checks see only
// the calls of its refresh.
func replan(env *accEnv, config string, checks ...plancheck.PlanCheck) resource.TestStep {
	return resource.TestStep{
		PreConfig: env.emu.ResetCalls,
		Config:    config,
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply: append([]plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}, checks...),
		},
	}
}

func TestAccServerTokenListing_createsShareIDLookups(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	env.emu.SeedTokens(1000, "seed-", testEmail)
	const creates, parallelism = 10, 10
	budget := (creates/parallelism + 1) * pagesOf(1010)
	env.testTokens(t, nil, []resource.TestStep{{
		Config: env.provider() + tokensConfig("c", creates),
		ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			betweenPlanAndApply(env.emu.ResetCalls),
		}},
		ConfigStateChecks: []statecheck.StateCheck{
			env.atMostCalls(routeListTokens, budget, "apply of 10 creates"),
			env.atMostCalls(routeCreateToken, creates+1, "apply of 10 creates and the short-lived credential to list before them"),
		},
	}})
	if n := env.borrowedCreates(); n != 1 {
		t.Errorf("%d short-lived credentials made, want 1 for the whole apply", n)
	}
}

// A token deleted out of band is refused as a credential: the listing goes on with the
// next, the plan succeeds, only that token is planned again (replaced: its state says it is
// gone).
func TestAccServerTokenListing_revokedCredentialDoesNotFailThePlan(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	config := env.provider() + tokensConfig("v", 3)
	env.testTokens(t, nil, []resource.TestStep{{
		Config: config,
	}, {
		PreConfig: func() { env.removeTokens(env.tokensNamed("v0")) },
		Config:    config,
		ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectResourceAction("b2b_server_token.v0", plancheck.ResourceActionDestroyBeforeCreate),
			plancheck.ExpectResourceAction("b2b_server_token.v1", plancheck.ResourceActionNoop),
			plancheck.ExpectResourceAction("b2b_server_token.v2", plancheck.ResourceActionNoop),
		}},
	}})
}

// Two stores in one configuration: a store's listings and deletes are never sent with a
// token of the other store.
func TestAccServerTokenListing_twoStoresNeverShareCredentials(t *testing.T) {
	t.Parallel()
	users := []emulator.User{{Email: testEmail, Password: testPassword, Role: "administrator"}}
	stores := map[string]*emulator.Server{
		"storea": emulator.New(emulator.Options{StoreHash: "storea", Users: users}),
		"storeb": emulator.New(emulator.Options{StoreHash: "storeb", Users: users}),
	}
	mux := httptest.NewServer(storeRouter(stores))
	t.Cleanup(mux.Close)
	env := &accEnv{t: t, url: mux.URL + "/api/io", env: map[string]string{}}
	config := fmt.Sprintf("provider \"b2b\" {\n  api_url = %q\n  store_hash = \"storea\"\n}\n", env.url) +
		tokensConfig("a", 2) + tokensConfig("b", 2, `store_hash = "storeb"`)
	hashes := slices.Sorted(maps.Keys(stores))
	checkOwnStoreOnly := checkNow(func() error {
		for _, hash := range hashes {
			for _, c := range stores[hash].Calls() {
				if tok := c.Header.Get("authToken"); tok != "" {
					if claimed, _ := b2b.TokenStoreHash(tok); claimed != hash {
						return fmt.Errorf("store %s received a token of store %q on %s %s", hash, claimed, c.Method, c.Path)
					}
				}
			}
		}
		return nil
	})
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config:            config,
			ConfigStateChecks: []statecheck.StateCheck{checkOwnStoreOnly},
		}, {
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectEmptyPlan(), checkOwnStoreOnly,
			}},
		}},
		CheckDestroy: func(*terraform.State) error {
			for _, hash := range hashes {
				if n := len(stores[hash].Tokens()); n != 0 {
					return fmt.Errorf("store %s holds %d tokens after destroy", hash, n)
				}
			}
			return checkOwnStoreOnly()
		},
	})
}

// storeRouter serves several emulated stores on one base URL, as BigCommerce serves every
// store: by the store hash in the body of a create, by X-Store-Hash, or by the store_hash
// claim of the authToken.
func storeRouter(stores map[string]*emulator.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hash := r.Header.Get("X-Store-Hash")
		if tok := r.Header.Get("authToken"); tok != "" {
			hash, _ = b2b.TokenStoreHash(tok)
		}
		if r.Method == http.MethodPost && r.Body != nil {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var create struct {
				StoreHash string `json:"storeHash"`
			}
			if json.Unmarshal(body, &create) == nil && create.StoreHash != "" {
				hash = create.StoreHash
			}
		}
		emu, ok := stores[hash]
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"detail": "Invalid token."}`))
			return
		}
		emu.ServeHTTP(w, r)
	})
}

// With the store's budget shared with another integration, the provider paces itself: an
// apply, a plan and a destroy of 25 tokens receive no 429.
func TestAccServerTokenListing_pacingKeepsTheReserve(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	env.emu.SetRateLimitWindow(30, 5*time.Second)
	env.emu.SpendRate(10) // another integration of the store
	started := time.Now()
	config := env.provider("rate_limit_reserve = 10") + tokensConfig("p", 25)
	env.testTokens(t, []string{"p0", "p24"}, []resource.TestStep{{
		Config: config,
	}, {
		Config: config,
		ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectEmptyPlan(),
		}},
	}})
	calls := env.emu.Calls()
	t.Logf("pacing: %d requests, %d answered 429, %s", len(calls), env.emu.StatusCount(http.StatusTooManyRequests), time.Since(started).Round(time.Millisecond))
	if n := env.emu.StatusCount(http.StatusTooManyRequests); n != 0 {
		t.Errorf("the provider received %d 429s: it spent the store's budget below the reserve", n)
	}
}

// access_token is tried first for listings; where the API refuses it there (403), the run
// remembers that and uses the S2S tokens.
func TestAccServerTokenListing_accessTokenListsWhenTheAPIAcceptsIt(t *testing.T) {
	t.Parallel()
	for _, accepts := range []bool{true, false} {
		t.Run(fmt.Sprintf("accepted=%v", accepts), func(t *testing.T) {
			t.Parallel()
			const accessToken = "store-level-access-token"
			env := newAccEnv(t, func(o *emulator.Options) {
				o.AccessTokens = []string{accessToken}
				o.AccessTokenListsTokens = accepts
			})
			env.env[envAccessToken] = accessToken
			config := env.provider() + tokensConfig("x", 3)
			env.testTokens(t, nil, []resource.TestStep{
				{Config: config},
				replan(env, config, checkNow(func() error { return checkListCredentials(env, accessToken, accepts) })),
			})
		})
	}
}

func checkListCredentials(env *accEnv, accessToken string, accepted bool) error {
	var withAccess, refused, withS2S int
	for _, c := range env.callsTo(routeListTokens) {
		switch {
		case c.Header.Get("X-Auth-Token") == accessToken:
			withAccess++
			if c.Status == http.StatusForbidden {
				refused++
			}
		case c.Header.Get("authToken") != "":
			withS2S++
		}
	}
	if accepted && (withAccess == 0 || withS2S != 0) {
		return fmt.Errorf("accepted access token: %d listings with it, %d with S2S tokens", withAccess, withS2S)
	}
	if !accepted && (refused != 1 || withS2S == 0) {
		return fmt.Errorf("refused access token: tried %d times (want once per run), %d listings with S2S tokens", refused, withS2S)
	}
	return nil
}

// A store of N tokens and a configuration of M server tokens: the listing cost of a
// refresh must not grow with M, and creating M tokens costs M POSTs and at most M/2 + 2 list
// calls, whatever N: the plan's and the creates' look at the newest page, and one newest page
// for the creates that end together. Terraform's default parallelism (10) applies;
// the injected latency makes concurrent requests overlap as they do against the real API.
func TestAccServerTokenListing_costIndependentOfResourceCount(t *testing.T) {
	t.Parallel()
	const seeded, managed = 600, 30
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	env.emu.SeedTokens(seeded, "seed-", testEmail)
	env.emu.SetLatency(20 * time.Millisecond)
	storePages := pagesOf(seeded + 1 + managed)
	config := env.provider(authArg) + countedTokensConfig(managed, `"many-${count.index}"`)
	lists := func() int { return env.emu.CallCount(routeListTokens) }
	env.testTokens(t, []string{fmt.Sprintf("many-%d", managed-1)}, []resource.TestStep{
		{
			PreConfig: env.emu.ResetCalls,
			Config:    config,
			Check: func(*terraform.State) error {
				posts := env.emu.CallCount(routeCreateToken)
				limit := managed/2 + 2
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
	})
}

// listingMatchesEmulator checks the b2b_server_tokens data source at address: no id twice,
// as many tokens as its total_count, and exactly the tokens the emulator holds.
func listingMatchesEmulator(env *accEnv, address string) attributesCheck {
	return attributesCheck{address, func(attrs map[string]any) error {
		listed, _ := attrs["tokens"].([]any)
		seen := map[string]bool{}
		for _, item := range listed {
			token, _ := item.(map[string]any)
			id := fmt.Sprint(token["id"])
			if seen[id] {
				return fmt.Errorf("lists the token %s twice", id)
			}
			seen[id] = true
		}
		if total := fmt.Sprint(attrs["total_count"]); total != strconv.Itoa(len(listed)) {
			return fmt.Errorf("lists %d tokens, but its total_count is %s", len(listed), total)
		}
		held := env.emu.Tokens()
		for _, tok := range held {
			if !seen[strconv.FormatInt(tok.ID, 10)] {
				return fmt.Errorf("misses the token %d (%d listed, the emulator holds %d)", tok.ID, len(listed), len(held))
			}
		}
		if len(listed) != len(held) {
			return fmt.Errorf("lists %d tokens, the emulator holds %d", len(listed), len(held))
		}
		return nil
	}}
}

// Tokens deleted or created at the head of the list while a refresh reads its pages shift
// the later pages: the refresh must not miss a token at a page boundary and declare it gone,
// and the data source must list every token exactly once.
// listingStep is the distance between the pages of a complete listing: a page of
// b2b.MaxPageSize tokens, less the 5 it shares with the page before.
const listingStep = b2b.MaxPageSize - 5

func TestAccServerTokenListing_tokensChangingBetweenPagesAreNeitherMissedNorCountedTwice(t *testing.T) {
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
		config.WriteString(importByID("b2b_server_token."+label, id) + tokenBlock(label, byID[id].Name, withPasswordWO))
		checks = append(checks, stateMatchesEmulator(env, "b2b_server_token."+label))
	}
	checks = append(checks, listingMatchesEmulator(env, "data.b2b_server_tokens.all"))

	// shiftOnce makes change once, while the first page of a complete listing at an offset
	// other than 0 is served, and remembers where in the record of calls that happened. A
	// complete listing's pages start pageOverlap tokens before the previous one ends (offsets
	// 245, 490); the refresh's scan reads whichever pages hold the managed tokens, and may
	// come first (as on OpenTofu), so the change waits for a complete listing's page.
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
				offset, _ := strconv.Atoi(q.Get("offset"))
				if !isCall(c, routeListTokens) || offset == 0 || offset%listingStep != 0 {
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
			if !isCall(c, routeListTokens) {
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
	// One page at a time, so that the pages after the change are read after it.
	env.clientConfig = append(env.clientConfig, func(c *b2b.Config) { c.ListConcurrency = 1 })

	env.testTokens(t, nil, []resource.TestStep{
		{Config: config.String(), ConfigStateChecks: checks},
		{
			PreConfig: shiftOnce(func() {
				env.removeTokens(head())
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
	})
	env.emu.OnRequest(nil)
	env.expectCalls(routeCreateToken, 0, "no token was wrongly declared gone and created again")
	for _, id := range managed {
		if _, ok := env.emu.Token(id); ok {
			t.Errorf("token %d is still in the emulator after destroy", id)
		}
	}
}

// Someone deletes one token and creates another while a refresh reads the pages (the list
// oldest first): the count stays the same, but every page after the deletion shifts. The
// refresh must notice and read again, not conclude that a live token is gone.
func TestAccServerTokenListing_shiftedListingNeverDropsAToken(t *testing.T) {
	t.Parallel()
	for _, withAuthToken := range []bool{false, true} {
		t.Run(fmt.Sprintf("auth_token=%v", withAuthToken), func(t *testing.T) {
			t.Parallel()
			env := newAccEnv(t, func(o *emulator.Options) { o.ListOrder = emulator.OldestFirst })
			// The managed token is the 251st, the first of the second page before the shift.
			// With auth_token only the pages' overlap can tell; without it, a listing made
			// with the resource's own token that does not show it is not complete either.
			seeded := env.emu.SeedTokens(250, "seed-", testEmail)
			var args []string
			if withAuthToken {
				env.emu.RemoveToken(seeded[len(seeded)-1].ID)
				authArg, _ := env.bootstrapAuthToken()
				args = append(args, authArg)
			}
			config := env.provider(args...) + serverTokenConfig("shifted", withPasswordWO)
			var once sync.Once
			env.testTokens(t, []string{"shifted"}, []resource.TestStep{{
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
			}})
		})
	}
}
