package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// What a reply proves, through the CLI against the emulator with something in front of it:
// a gateway's page, a stale replica, a certificate nothing trusts, an API host that changed.
// DESIGN.md states the rules; each test here is one of them, in both credential modes.

// providerArgsFor is the provider arguments of a credential mode: the emulator's bootstrap
// token as auth_token, or backend credentials only.
func providerArgsFor(env *accEnv, withAuthToken bool) []string {
	if !withAuthToken {
		return nil
	}
	authArg, _ := env.bootstrapAuthToken()
	return []string{authArg}
}

// A gateway's HTML 401 page in front of the listing (three resources, every listing) is no
// proof of revocation: the refresh fails and says the reply is not the API's, every token
// stays in state and in the store, and the next plan, the gateway gone, changes nothing. On a
// DELETE it fails the destroy: the token lives, and a later destroy deletes it.
func TestAccServerTokenEvidence_gatewayUnauthorizedPageProvesNothing(t *testing.T) {
	t.Parallel()
	for _, withAuthToken := range credentialModes {
		t.Run(modeName(withAuthToken), func(t *testing.T) {
			t.Parallel()
			env := newAccEnv(t)
			config := env.provider(providerArgsFor(env, withAuthToken)...) + tokensConfig("g", 3)
			var served atomic.Int32
			var remove func()
			env.testTokens(t, []string{"g0", "g1", "g2"}, []resource.TestStep{{
				Config: config,
			}, {
				PreConfig:   func() { remove = env.inFront(gatewayPage(routeListTokens, http.StatusUnauthorized, &served)) },
				Config:      config,
				ExpectError: errorText(`Could not read the server token`, `HTTP 401 Unauthorized: reply is not JSON \(text/html\)`, `not the B2B API's own`, `proves nothing`),
			}, {
				PreConfig: func() {
					remove()
					if served.Load() == 0 {
						t.Error("the gateway's page was never served")
					}
					for _, name := range []string{"g0", "g1", "g2"} {
						if len(env.tokensNamed(name)) != 1 {
							t.Errorf("token %s is gone from the store", name)
						}
					}
				},
				Config:           config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			}, {
				PreConfig:   func() { remove = env.inFront(gatewayPage(routeDeleteToken, http.StatusUnauthorized, &served)) },
				Config:      config,
				Destroy:     true,
				ExpectError: errorText(`Could not delete the server token`, `may still exist`, `DELETE /auth/backend: HTTP 401 Unauthorized: reply is not JSON`),
			}, {
				PreConfig: func() {
					remove()
					if n := len(env.tokensPrefixed("g")); n != 3 {
						t.Errorf("%d tokens in the store after a destroy refused by a gateway, want 3", n)
					}
				},
				Config: config,
			}})
		})
	}
}

// A stale replica answers every listing with a well-formed empty page: the refresh drops
// nothing (a listing that does not show a credential the API just accepted is not the whole
// store), and the plan deletes nothing, not even the previous token a rotation keeps.
func TestAccServerTokenEvidence_emptyListingNeverDropsOrDeletes(t *testing.T) {
	t.Parallel()
	for _, withAuthToken := range credentialModes {
		t.Run(modeName(withAuthToken), func(t *testing.T) {
			t.Parallel()
			env, _ := newRotationEnv(t)
			args := providerArgsFor(env, withAuthToken)
			var served atomic.Int32
			var remove func()
			env.testTokens(t, []string{rotatingName}, []resource.TestStep{
				{Config: rotatingConfig(env, "1", args...)},
				{Config: rotatingConfig(env, "2", args...), Check: liveTokens(env, 2)},
				{
					PreConfig: func() {
						env.emu.ResetCalls()
						remove = env.inFront(staleReplica(&served))
					},
					Config: rotatingConfig(env, "2", args...),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
						checkNow(func() error { return liveTokens(env, 2)(nil) }),
					}},
					Check: liveTokens(env, 2),
				},
				{
					PreConfig: func() {
						remove()
						if served.Load() == 0 {
							t.Error("the stale replica never answered")
						}
						if n := len(env.callsTo(routeDeleteToken)) + len(env.callsTo(routeCreateToken)); n != 0 {
							t.Errorf("%d creates and deletes while the replica was stale", n)
						}
					},
					Config:            rotatingConfig(env, "2", args...),
					ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
					Check:             resource.ComposeTestCheckFunc(liveTokens(env, 2), previousIsEmulatorToken(env)),
				},
			})
		})
	}
}

// Token values may repeat: the documented S2S JWT carries only email, store_hash and db, so
// two tokens of one user are the same string. Each resource still records its own token's
// id (told by name and absence from the listing before its create), destroy deletes the
// right ones, and a token stays destroyable after its twin was deleted.
func TestAccServerTokenEvidence_sameValueTokensKeepTheirOwnIDs(t *testing.T) {
	t.Parallel()
	for _, withAuthToken := range credentialModes {
		t.Run(modeName(withAuthToken), func(t *testing.T) {
			t.Parallel()
			env := newAccEnv(t, func(o *emulator.Options) { o.TokenValues = emulator.DocumentedClaims })
			args := providerArgsFor(env, withAuthToken)
			both := env.provider(args...) + tokensConfig("twin", 2)
			onlyOne := env.provider(args...) + tokensConfig("twin", 1)
			env.testTokens(t, []string{"twin0", "twin1"}, []resource.TestStep{{
				Config: both,
				ConfigStateChecks: []statecheck.StateCheck{
					stateMatchesEmulator(env, "b2b_server_token.twin0"), stateMatchesEmulator(env, "b2b_server_token.twin1"),
				},
				Check: func(*terraform.State) error {
					a, b := env.tokensNamed("twin0"), env.tokensNamed("twin1")
					if len(a) != 1 || len(b) != 1 || a[0].Token != b[0].Token {
						return fmt.Errorf("want two tokens of one value (the documented claims), got %d and %d", len(a), len(b))
					}
					return nil
				},
			}, {
				// Destroying twin1 deletes twin1's id, and twin0 is still read with the value.
				Config:            onlyOne,
				ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, "b2b_server_token.twin0")},
				Check:             resource.ComposeTestCheckFunc(env.holdsTokens("twin0", 1), env.holdsTokens("twin1", 0)),
			}, {
				Config:           onlyOne,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			}})
		})
	}
}

// A request that never left (the TLS handshake failed: a certificate nothing trusts) made
// nothing: the error names the certificate problem and says nothing was created, no
// short-lived credential is borrowed for it, and the API saw no request at all.
func TestAccServerTokenEvidence_requestThatNeverLeftIsNotACreate(t *testing.T) {
	t.Parallel()
	for _, withAuthToken := range credentialModes {
		t.Run(modeName(withAuthToken), func(t *testing.T) {
			t.Parallel()
			env := newTLSAccEnv(t)
			args := append(providerArgsFor(env, withAuthToken), "max_retries = 1")
			env.testTokens(t, []string{"never-sent"}, []resource.TestStep{{
				Config:      env.provider(args...) + serverTokenConfig("never-sent", withPasswordWO),
				ExpectError: errorText(`Could not create the server token`, `certificate`, `The TLS handshake with`, `never left this machine`),
			}})
			if n := len(env.emu.Calls()); n != 0 {
				t.Errorf("the API saw %d requests through a failed TLS handshake", n)
			}
		})
	}
}

// A token is a credential only at the API host where it was made: after api_url changes,
// the refresh sends no token of the state to the new host, and keeps it as it is, saying why
// (resource_server_token_host_test.go has the rest of the host rule).
func TestAccServerTokenEvidence_tokensAreNeverSentToAnotherHost(t *testing.T) {
	t.Parallel()
	made, other := newAccEnv(t), newAccEnv(t)
	config := made.provider() + serverTokenConfig("here", withPasswordWO)
	moved := other.provider() + serverTokenConfig("here", withPasswordWO)
	made.testTokens(t, []string{"here"}, []resource.TestStep{{
		Config: config,
	}, {
		Config:   moved,
		PlanOnly: true, // nothing to do: the token is unknown at the new host, and kept
	}, {
		Config: config, // back to where it was made, for the destroy
	}})
	value := made.tokensNamed("here")
	for _, c := range other.emu.Calls() {
		if len(value) > 0 && c.Header.Get("authToken") == value[0].Token {
			t.Errorf("%s %s carried the token made at the other host", c.Method, c.Path)
		}
	}
}

// An import has no token of its own: it reads with the provider's credential only, never
// with the tokens other resources of the configuration hold, so every plan gives the same
// answer, and the error names the id being imported.
func TestAccServerTokenEvidence_importWithoutProviderCredentialFailsEveryTime(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	adopt := env.emu.AddToken("adopt-me", testEmail)
	managed := env.provider() + tokensConfig("managed", 1)
	importing := managed + tokenBlock("adopted", "adopt-me") + importByID("b2b_server_token.adopted", adopt.ID)
	fails := resource.TestStep{
		Config: importing,
		ExpectError: errorText(`No credential to read the server token`,
			fmt.Sprintf(`Importing the server token with id %d of store "abc123"`, adopt.ID), `needs a credential of the provider's own`,
			`never depends on the order Terraform reads them in`, `auth_token \(or B2B_AUTH_TOKEN\)`),
	}
	env.testTokens(t, []string{"managed0"}, []resource.TestStep{{Config: managed}, fails, fails, fails})
}

// The wait for the store's rate-limit window is not part of request_timeout: a create held
// back longer than the timeout is still sent once, and makes one token.
func TestAccServerTokenEvidence_rateLimitWaitDoesNotEatTheRequestTimeout(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	env.emu.SetRateLimitWindow(30, 3*time.Second)
	env.emu.SpendRate(8) // 22 left: at or below the reserve of 25, every request waits for the next window
	env.testTokens(t, []string{"paced"}, []resource.TestStep{{
		Config:            env.provider(authArg, `request_timeout = "1s"`, "rate_limit_reserve = 25") + serverTokenConfig("paced", withPasswordWO),
		ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
	}})
	env.expectCreates("paced", 1, "a create that waited for the window is sent once, with its whole timeout")
}

// A token whose id was never learned (the list never showed it), then deleted by someone
// else: destroy is not blocked for ever; once the list has had time to show it, two
// complete listings prove it gone and the destroy succeeds.
func TestAccServerTokenEvidence_destroyOfAGoneTokenWithoutIDEnds(t *testing.T) {
	t.Parallel()
	for _, withAuthToken := range credentialModes {
		t.Run(modeName(withAuthToken), func(t *testing.T) {
			t.Parallel()
			env := newAccEnv(t)
			clock := env.fakeClock()
			config := env.provider(providerArgsFor(env, withAuthToken)...) + serverTokenConfig("vanished", withPasswordWO)
			env.testTokens(t, []string{"vanished"}, []resource.TestStep{{
				PreConfig:   func() { env.emu.SetListLag(-1) },
				Config:      config,
				ExpectError: errorText(`Server token created, but its id was not found`),
			}, {
				PreConfig: func() {
					env.removeTokens(env.tokensNamed("vanished"))
					env.emu.SetListLag(0)
					clock.Advance(time.Minute)
				},
				Config:  config,
				Destroy: true,
			}})
		})
	}
}

// A secret the server echoes back (a password in a validation message) never reaches a
// diagnostic: the provider scrubs every secret it knows, not only from logs.
func TestAccServerTokenEvidence_echoedSecretsAreScrubbed(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cli := newTerraformCLI(t, env, "1.11.0")
	env.inFront(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost {
			return false
		}
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		msg := fmt.Sprintf("password %s is not valid for %s", body["password"], body["email"])
		_ = json.NewEncoder(w).Encode(map[string]any{"code": 400, "data": map[string]string{"errMsg": msg}, "meta": map[string]string{"message": "Parameter Error"}})
		return true
	})
	authArg, _ := env.bootstrapAuthToken()
	out := cli.applyFails(env.provider(authArg) + serverTokenConfig("echo", withPasswordWO))
	cli.contains(out, `Could not create the server token`, `password \(redacted\) is not valid for admin@example.com`)
	if strings.Contains(out, testPassword) {
		t.Errorf("the password reached the CLI's output:\n%s", out)
	}
}

// A configured auth_token that BigCommerce refuses is not silently replaced: the run goes
// on with the resource's own token, and warns once, naming the argument and its env var.
func TestAccServerTokenEvidence_refusedConfiguredCredentialWarns(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cli := newTerraformCLI(t, env, "1.11.0")
	cli.apply(env.provider() + tokensConfig("w", 2))
	authArg, bootstrap := env.bootstrapAuthToken()
	env.emu.RemoveToken(bootstrap.ID) // revoked since it was put in the pipeline
	cli.write("main.tf", cli.requiredProviders()+env.provider(authArg)+tokensConfig("w", 2))
	out := cli.run("plan", "-input=false")
	cli.contains(out, `Warning: BigCommerce refuses the configured auth_token`, `auth_token \(or B2B_AUTH_TOKEN\) as invalid`,
		`another credential of the store, that one did the work`)
	if n := strings.Count(out, "Warning: BigCommerce refuses the configured auth_token"); n != 1 {
		t.Errorf("the warning was given %d times, want once per run", n)
	}
	cli.contains(out, `No changes`)
	cli.run("destroy", "-auto-approve", "-input=false")
}
