package provider

import (
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// Creates whose reply is lost after BigCommerce created the token. The create has no
// idempotency key, so the provider never sends it twice: it lists the tokens and adopts the
// one new token of this name and email that the listing from before the create did not
// show. A run without any credential of the store borrows a short-lived one to make that
// listing. What cannot be settled is kept in state, and the next run settles it before it
// creates anything.

// lostReply is a fault served after the emulator handled the create for real.
type lostReply struct {
	name  string
	fault emulator.Fault
}

var lostReplies = []lostReply{
	{"500", emulator.Fault{Kind: emulator.FaultStatus, Status: 500, AfterHandling: true}},
	{"502 HTML page", emulator.Fault{Kind: emulator.FaultHTMLPage, Status: 502, AfterHandling: true}},
	{"gateway's 401 page", emulator.Fault{Kind: emulator.FaultHTMLPage, Status: 401, AfterHandling: true}},
	{"503", emulator.Fault{Kind: emulator.FaultStatus, Status: 503, AfterHandling: true}},
	{"reply slower than request_timeout", emulator.Fault{Kind: emulator.FaultSlow, Delay: 4 * time.Second, AfterHandling: true}},
	{"connection reset", emulator.Fault{Kind: emulator.FaultConnectionReset, AfterHandling: true}},
	{"malformed JSON", emulator.Fault{Kind: emulator.FaultMalformedJSON, AfterHandling: true}},
	{"body code 500 in HTTP 200", emulator.Fault{Kind: emulator.FaultBodyCode, Status: 500, AfterHandling: true}},
}

// credentialModes are the two ways a configuration lists its store: with the provider's
// auth_token, or with backend credentials only (the resources' own tokens, and a borrowed
// short-lived one before the first create).
var credentialModes = []bool{true, false}

func modeName(withAuthToken bool) string { return fmt.Sprintf("auth_token=%v", withAuthToken) }

// lostCreateEnv is an emulated store for a create whose reply is lost, and the provider
// arguments of the mode; injectLost queues the fault on the resource's create (after the
// borrowed credential's, without auth_token).
func lostCreateEnv(t *testing.T, withAuthToken bool) (env *accEnv, args []string, injectLost func(emulator.Fault)) {
	env = newAccEnv(t)
	args = []string{`request_timeout = "1s"`}
	if withAuthToken {
		authArg, _ := env.bootstrapAuthToken()
		args = append(args, authArg)
	}
	return env, args, func(f emulator.Fault) {
		if !withAuthToken {
			env.emu.InjectFault(routeCreateToken, passThrough)
		}
		env.emu.InjectFault(routeCreateToken, f)
	}
}

// settleWithinTheRun makes the list settle within one apply (ListLag 100 ms, a few short
// polls): a create that made nothing is settled as "none" before the apply ends.
func (e *accEnv) settleWithinTheRun() {
	e.clientConfig = append(e.clientConfig, func(c *b2b.Config) {
		c.ListLag, c.LocateWait, c.LocateAttempts = 100*time.Millisecond, 40*time.Millisecond, 5
	})
}

// A create whose reply is lost adopts the token it made, in both credential modes: one
// create, one token, and the borrowed credential deleted.
func TestAccServerTokenLostCreate_replyLostAfterCreateIsAdopted(t *testing.T) {
	t.Parallel()
	for _, withAuthToken := range credentialModes {
		for _, tt := range lostReplies {
			t.Run(modeName(withAuthToken)+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				env, args, injectLost := lostCreateEnv(t, withAuthToken)
				env.testTokens(t, []string{"adopted"}, []resource.TestStep{{
					PreConfig:         func() { injectLost(tt.fault) },
					Config:            env.provider(args...) + serverTokenConfig("adopted", withPasswordWO),
					ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
					Check: resource.ComposeTestCheckFunc(env.holdsTokens("adopted", 1), func(*terraform.State) error {
						if err := env.checkFaultsServed(routeCreateToken); err != nil {
							return err
						}
						return env.noBorrowedLeft()
					}),
				}})
				env.expectCreates("adopted", 1, "a create that may have reached BigCommerce is never re-sent")
			})
		}
	}
}

// A list that shows new tokens late (for several listings): the run keeps listing until the
// list must show what the create made, and adopts it; never a second token, in both
// credential modes.
func TestAccServerTokenLostCreate_underListLagIsAdopted(t *testing.T) {
	t.Parallel()
	for _, withAuthToken := range credentialModes {
		t.Run(modeName(withAuthToken), func(t *testing.T) {
			t.Parallel()
			env, args, injectLost := lostCreateEnv(t, withAuthToken)
			env.testTokens(t, []string{"lagging"}, []resource.TestStep{{
				PreConfig: func() {
					env.emu.SetListLag(6)
					injectLost(emulator.Fault{Kind: emulator.FaultStatus, Status: 500, AfterHandling: true})
				},
				Config:            env.provider(args...) + serverTokenConfig("lagging", withPasswordWO),
				ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
				Check:             env.holdsTokens("lagging", 1),
			}})
			env.expectCreates("lagging", 1, "a create that may have reached BigCommerce is never re-sent")
		})
	}
}

// A list that shows new tokens later than the run can wait: the run cannot tell what the
// lost create made. The apply fails naming the token, state keeps what is known, and the
// next run settles it before it creates anything: its plan writes nothing and plans the
// tainted resource's replacement as settled at apply, and the apply (borrowing a credential
// when the run has none) keeps the token once the list shows it, and creates nothing while
// it cannot tell. No auth_token is needed, and only one token is ever created.
func TestAccServerTokenLostCreate_unsettledIsKeptForTheNextRun(t *testing.T) {
	t.Parallel()
	for _, withAuthToken := range credentialModes {
		t.Run(modeName(withAuthToken), func(t *testing.T) {
			t.Parallel()
			env, args, injectLost := lostCreateEnv(t, withAuthToken)
			clock := env.fakeClock() // the list never has time to show the token, until advanced
			config := env.provider(args...) + serverTokenConfig("lagging", withPasswordWO)
			steps := []resource.TestStep{{
				PreConfig: func() {
					env.emu.SetListLag(-1)
					injectLost(emulator.Fault{Kind: emulator.FaultStatus, Status: 500, AfterHandling: true})
				},
				Config: config,
				ExpectError: errorText(`Server token create may have made a token: lagging`, `It was not re-sent`,
					`State keeps what is known`, `a token named "lagging" \(email admin@example.com\) in store abc123`),
			}}
			// The list still does not show it: whatever the credentials, the plan writes nothing
			// and the apply, which settles it first (borrowing a credential when it has none),
			// cannot tell, and creates nothing.
			steps = append(steps, resource.TestStep{
				Config:      config,
				ExpectError: errorText(`Earlier create not settled: lagging`, `This run stops so that it does not create a second one`),
			}, resource.TestStep{
				PreConfig: func() {
					if n := env.createsNamed("lagging"); n != 1 {
						t.Errorf("%d creates after the lost reply, want 1", n)
					}
					env.emu.SetListLag(0)
					env.emu.RevealAll()
					clock.Advance(time.Minute)
				},
				Config: config,
				// Found (by the refresh with auth_token, by the apply without): the failed apply
				// left it tainted, and its replacement keeps it.
				ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
				Check:             env.holdsTokens("lagging", 1),
			})
			env.testTokens(t, []string{"lagging"}, steps)
			env.expectCreates("lagging", 1, "the lost one, kept by the replacement of the tainted resource")
		})
	}
}

// A create that failed with 429 until the retries ran out made nothing (a 429 comes before
// any work): the error is the API's, nothing is kept. One that failed with a 500 that made
// nothing cannot be told from a lost reply at once: state keeps it, and the next run, once
// the list had time to show a token, proves that none was made and creates the token.
func TestAccServerTokenLostCreate_failedCreateThatCreatedNothingIsSettledByTheNextRun(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	clock := env.fakeClock()
	authArg, _ := env.bootstrapAuthToken()
	config := env.provider(authArg, "max_retries = 1") + serverTokenConfig("second-try", withPasswordWO)
	env.testTokens(t, []string{"second-try"}, []resource.TestStep{
		{
			PreConfig:   func() { env.emu.InjectFaults(routeCreateToken, 2, statusFault(429)) },
			Config:      config,
			ExpectError: errorText(`Could not create the server token`, `POST /auth/backend: HTTP 429 Too Many Requests: Too many requests`),
		},
		{
			PreConfig: func() {
				if n := len(env.tokensNamed("second-try")); n != 0 {
					t.Errorf("a create refused with 429 left %d tokens", n)
				}
				env.emu.InjectFault(routeCreateToken, statusFault(500))
			},
			Config: config,
			ExpectError: errorText(`Server token create may have made a token: second-try`,
				`POST /auth/backend: HTTP 500 Internal Server Error: Internal Server Error`),
		},
		{
			PreConfig: func() {
				if n := len(env.tokensNamed("second-try")); n != 0 {
					t.Errorf("a create that failed with 500 left %d tokens", n)
				}
				clock.Advance(time.Minute) // the list has had time to show what the create made
			},
			Config:            config,
			ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
		},
	})
	env.expectCalls(routeCreateToken, 2+1+1, "two refused with 429, one failed, one created")
}

// Within one run, once the list has had time to show a token (ListLag) and two complete
// listings do not, a create that failed with a 500 made nothing: the apply fails with the
// API's error, nothing is kept, and the next apply creates the token. Both credential modes.
func TestAccServerTokenLostCreate_settledWithinTheRunMakesNothingKept(t *testing.T) {
	t.Parallel()
	for _, withAuthToken := range credentialModes {
		t.Run(modeName(withAuthToken), func(t *testing.T) {
			t.Parallel()
			env, args, injectLost := lostCreateEnv(t, withAuthToken)
			env.settleWithinTheRun()
			config := env.provider(args...) + serverTokenConfig("nothing-made", withPasswordWO)
			env.testTokens(t, []string{"nothing-made"}, []resource.TestStep{{
				PreConfig:   func() { injectLost(statusFault(500)) },
				Config:      config,
				ExpectError: errorText(`Could not create the server token`, `POST /auth/backend: HTTP 500 Internal Server Error`),
			}, {
				RefreshState:       true,
				ExpectNonEmptyPlan: true, // nothing in state: the plan creates the token
				Check: func(s *terraform.State) error {
					if _, kept := s.RootModule().Resources[tokenAddr]; kept {
						return fmt.Errorf("a create proven to have made nothing was kept in state")
					}
					return nil
				},
			}, {
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
			}})
			env.expectCreates("nothing-made", 2, "the failed one, then the one that made the token")
		})
	}
}

// When two new tokens with the create's name and email appear after its reply was lost, the
// provider cannot tell which is its own: it adopts neither, the error names both ids, and
// the next plan stops until that is settled; once only one is left, it is adopted.
func TestAccServerTokenLostCreate_twoCandidatesAreNamedUntilOneIsLeft(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	var once sync.Once
	var decoy emulator.Token
	env.emu.OnRequest(func(c emulator.Call) {
		if isCall(c, routeCreateToken) && c.Fault != emulator.FaultNone {
			once.Do(func() { decoy = env.emu.AddToken("twin", testEmail) })
		}
	})
	config := env.provider(authArg) + serverTokenConfig("twin", withPasswordWO)
	env.testTokens(t, []string{"twin"}, []resource.TestStep{{
		PreConfig: func() {
			env.emu.InjectFault(routeCreateToken, emulator.Fault{Kind: emulator.FaultStatus, Status: 500, AfterHandling: true})
		},
		Config:      config,
		ExpectError: regexp.MustCompile(`several new tokens match the create whose reply was lost\s+\(ids\s+[0-9]+,\s+[0-9]+\)`),
	}, {
		Config:      config,
		ExpectError: errorText(`Earlier create not settled: twin`, `several new tokens match the create whose reply was lost`),
	}, {
		// Someone who knows the store deletes the token that is not this resource's.
		PreConfig:         func() { env.emu.RemoveToken(decoy.ID) },
		Config:            config,
		ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
		Check:             env.holdsTokens("twin", 1),
	}})
	env.expectCreates("twin", 1, "the lost one, kept once alone by the replacement of the tainted resource")
}

// Names need not be unique, so two resources may create tokens with the same name and
// email at once. When one create fails with a 500 that created nothing, its reconciliation
// must not adopt the token that the other create made (and owns).
func TestAccServerTokenLostCreate_neverAdoptsASiblingsToken(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	clock := env.fakeClock()
	authArg, _ := env.bootstrapAuthToken()
	config := env.provider(authArg) + countedTokensConfig(2, `"same"`)
	env.testTokens(t, []string{"same"}, []resource.TestStep{{
		PreConfig:   func() { env.emu.InjectFault(routeCreateToken, statusFault(500)) },
		Config:      config,
		ExpectError: errorText(`POST /auth/backend: HTTP 500 Internal Server Error`),
	}, {
		PreConfig: func() {
			if n := len(env.tokensNamed("same")); n != 1 {
				t.Errorf("%d tokens named same, want the sibling's only", n)
			}
			clock.Advance(time.Minute)
		},
		Config:  config,
		Destroy: true,
	}})
	if n := len(env.tokensNamed("same")); n != 0 {
		t.Errorf("%d tokens named same left", n)
	}
}

// A lost create reply among three creates, without auth_token: the listing from before the
// creates (made with a borrowed credential) tells the lost create's token from every other,
// so it is adopted, and exactly one token per resource exists.
func TestAccServerTokenLostCreate_amongCreatesWithoutAuthTokenIsAdopted(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	config := env.provider(`request_timeout = "2s"`) + tokensConfig("l", 3)
	env.testTokens(t, []string{"l0", "l1", "l2"}, []resource.TestStep{{
		PreConfig: func() {
			env.emu.InjectFault(routeCreateToken, passThrough)
			env.emu.InjectFault(routeCreateToken, emulator.Fault{Kind: emulator.FaultSlow, Delay: 5 * time.Second, AfterHandling: true})
		},
		Config: config,
		Check: func(s *terraform.State) error {
			if n := len(env.tokensPrefixed("l")); n != 3 {
				return fmt.Errorf("emulator holds %d tokens, want 3: one per resource", n)
			}
			if n := len(s.RootModule().Resources); n != 3 {
				return fmt.Errorf("%d resources in state, want 3", n)
			}
			return env.noBorrowedLeft()
		},
	}})
	if n := len(env.callsTo(routeCreateToken)) - env.borrowedCreates(); n != 3 {
		t.Errorf("%d creates of the resources, want 3", n)
	}
}

// A created token whose id was never found stays in state through refreshes: dropping it
// would orphan a live token (its value still authenticates, so a listing that does not show
// it is not complete).
func TestAccServerTokenLostCreate_unknownIDIsNeverDroppedByARefresh(t *testing.T) {
	t.Parallel()
	for _, withAuthToken := range credentialModes {
		t.Run(modeName(withAuthToken), func(t *testing.T) {
			t.Parallel()
			env := newAccEnv(t)
			env.emu.SetListLag(-1)
			var args []string
			if withAuthToken {
				authArg, _ := env.bootstrapAuthToken()
				args = append(args, authArg)
			}
			config := env.provider(args...) + serverTokenConfig("hidden", withPasswordWO)
			env.testTokens(t, []string{"hidden"}, []resource.TestStep{{
				Config:      config,
				ExpectError: regexp.MustCompile(`its id was not found`),
			}, {
				PreConfig:          func() { time.Sleep(600 * time.Millisecond) }, // past the list lag of fastWaits
				RefreshState:       true,
				ExpectNonEmptyPlan: true, // tainted: the next apply replaces it
				Check: func(s *terraform.State) error {
					rs, ok := s.RootModule().Resources[tokenAddr]
					if !ok || rs.Primary.Attributes["token"] == "" {
						return fmt.Errorf("the token whose id is unknown was dropped from state by a refresh")
					}
					return nil
				},
			}, {
				// It shows up at last: destroy finds it by its value, name and email.
				PreConfig: env.emu.RevealAll,
				Config:    config,
				Destroy:   true,
			}})
		})
	}
}

// Without any credential of the store, the run borrows a short-lived one to list before the
// first create. When that borrowed create's own reply is lost, the error names it (so that
// it can be deleted), and the resource's create is never sent.
func TestAccServerTokenLostCreate_borrowedCredentialWhoseReplyIsLostIsNamed(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	env.testTokens(t, []string{"uncertain"}, []resource.TestStep{{
		PreConfig: func() {
			env.emu.InjectFault(routeCreateToken, emulator.Fault{Kind: emulator.FaultStatus, Status: 500, AfterHandling: true})
		},
		Config:      env.provider() + serverTokenConfig("uncertain", withPasswordWO),
		ExpectError: regexp.MustCompile(`(?s)short-lived token\s+named\s+"terraform-b2b-listing-[0-9a-f]{8}".*may have made it:\s+delete it.*nothing\s+else\s+was\s+created`),
	}})
	env.expectCreates("uncertain", 0, "no create is sent without a listing from before it")
}

// The borrowed credential is deleted once the creates are done; when that delete fails, a
// warning names it and its id, so that nothing is left unknown.
func TestAccServerTokenLostCreate_borrowedCredentialLeftIsNamed(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cli := newTerraformCLI(t, env, "1.11.0")
	env.emu.InjectFaults(routeDeleteToken, 2, statusFault(500)) // the borrowed credential's delete and its retry
	out := cli.apply(env.provider("max_retries = 1") + serverTokenConfig("kept-credential", withPasswordWO))
	borrowed := env.tokensPrefixed(b2b.BorrowedNamePrefix)
	if len(borrowed) != 1 {
		t.Fatalf("%d short-lived credentials in the store, want the one whose delete failed", len(borrowed))
	}
	cli.contains(out, `Warning: Short-lived credential left in the store`,
		regexp.QuoteMeta(fmt.Sprintf(`a short-lived token named %q (id %d), made to list the store's tokens, could not be deleted: delete it`, borrowed[0].Name, borrowed[0].ID)),
		`DELETE /auth/backend: HTTP 500`)
	env.removeTokens(borrowed)
	cli.run("destroy", "-auto-approve", "-input=false")
	if n := len(env.tokensNamed("kept-credential")); n != 0 {
		t.Errorf("%d tokens left after destroy", n)
	}
}
