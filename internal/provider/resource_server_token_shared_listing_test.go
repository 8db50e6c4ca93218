package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// These tests run without any provider auth_token, the configuration most users have: the
// resources' own tokens are the credentials, and one listing serves the whole store.

func tokensConfig(prefix string, n int, extra ...string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "resource \"b2b_server_token\" \"%s%d\" {\n  name        = \"%s%d\"\n  email       = %q\n  password_wo = %q\n  %s\n}\n",
			prefix, i, prefix, i, testEmail, testPassword, strings.Join(extra, "\n  "))
	}
	return b.String()
}

// checkNow runs fn as a plan check: at the point of the step where the plan is made.
type checkNow func() error

func (f checkNow) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = f()
}

func (f checkNow) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f()
}

func (e *accEnv) atMostCalls(route string, most int, what string) checkNow {
	return func() error {
		got := len(e.callsTo(route))
		e.t.Logf("%s: %d calls to %s (at most %d)", what, got, route, most)
		if got > most {
			return fmt.Errorf("%s: %d calls to %s, want at most %d", what, got, route, most)
		}
		return nil
	}
}

func pagesOf(n int) int { return (n + b2b.MaxPageSize - 1) / b2b.MaxPageSize }

func TestAccServerToken_refreshWithoutAuthTokenListsTheStoreOnce(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	env.emu.SeedTokens(1000, "seed-", testEmail)
	config := env.provider() + tokensConfig("r", 20)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: config,
		}, {
			PreConfig: env.emu.ResetCalls,
			Config:    config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectEmptyPlan(),
				env.atMostCalls("GET /backend/tokens", pagesOf(1020)+1, "refresh of 20 tokens in a store of 1,020"),
			}},
		}},
	})
}

func TestAccServerToken_createsShareIDLookups(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	env.emu.SeedTokens(1000, "seed-", testEmail)
	const creates, parallelism = 10, 10
	budget := (creates/parallelism + 1) * pagesOf(1010)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.provider() + tokensConfig("c", creates),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				checkNow(func() error { env.emu.ResetCalls(); return nil }),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				env.atMostCalls("GET /backend/tokens", budget, "apply of 10 creates"),
				env.atMostCalls("POST /auth/backend", creates, "apply of 10 creates"),
			},
		}},
	})
}

// A token deleted out of band is refused as a credential: the listing goes on with the
// next, the plan succeeds, only that token is planned again.
func TestAccServerToken_revokedCredentialDoesNotFailThePlan(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	config := env.provider() + tokensConfig("v", 3)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: config,
		}, {
			PreConfig: func() {
				for _, tok := range env.tokensNamed("v0") {
					env.emu.RemoveToken(tok.ID)
				}
			},
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction("b2b_server_token.v0", plancheck.ResourceActionCreate),
				plancheck.ExpectResourceAction("b2b_server_token.v1", plancheck.ResourceActionNoop),
				plancheck.ExpectResourceAction("b2b_server_token.v2", plancheck.ResourceActionNoop),
			}},
		}},
	})
}

// Two stores in one configuration: a store's listings and deletes are never sent with a
// token of the other store.
func TestAccServerToken_twoStoresNeverShareCredentials(t *testing.T) {
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
	checkOwnStoreOnly := checkNow(func() error {
		for hash, emu := range stores {
			for _, c := range emu.Calls() {
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
			for hash, emu := range stores {
				if n := len(emu.Tokens()); n != 0 {
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
func TestAccServerToken_pacingKeepsTheReserve(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	env.emu.SetRateLimitWindow(30, 5*time.Second)
	env.emu.SpendRate(10) // another integration of the store
	started := time.Now()
	config := env.provider("rate_limit_reserve = 10") + tokensConfig("p", 25)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: config,
		}, {
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectEmptyPlan(),
			}},
		}},
		CheckDestroy: env.checkNoTokensNamed("p0", "p24"),
	})
	calls := env.emu.Calls()
	t.Logf("pacing: %d requests, %d answered 429, %s", len(calls), env.emu.StatusCount(http.StatusTooManyRequests), time.Since(started).Round(time.Millisecond))
	if n := env.emu.StatusCount(http.StatusTooManyRequests); n != 0 {
		t.Errorf("the provider received %d 429s: it spent the store's budget below the reserve", n)
	}
}

// access_token is tried first for listings; where the API refuses it there (403), the run
// remembers that and uses the S2S tokens.
func TestAccServerToken_accessTokenListsWhenTheAPIAcceptsIt(t *testing.T) {
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
			resource.Test(t, resource.TestCase{
				TerraformVersionChecks:   writeOnlyVersions,
				ProtoV6ProviderFactories: env.factories(),
				Steps: []resource.TestStep{{
					Config: config,
				}, {
					PreConfig: env.emu.ResetCalls,
					Config:    config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
						checkNow(func() error { return checkListCredentials(env, accessToken, accepts) }),
					}},
				}},
			})
		})
	}
}

func checkListCredentials(env *accEnv, accessToken string, accepted bool) error {
	var withAccess, refused, withS2S int
	for _, c := range env.callsTo("GET /backend/tokens") {
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
