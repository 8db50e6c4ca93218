package provider

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// Creates whose reply is lost after BigCommerce created the token. The create has no
// idempotency key, so the provider never sends it twice: with an auth_token it lists the
// tokens and adopts the new one, without one it says plainly that a token may exist.

// lostReply is a fault served after the emulator handled the create for real.
type lostReply struct {
	name  string
	fault emulator.Fault
	// want matches the create's own error, as shown when it cannot be reconciled.
	want string
}

var lostReplies = []lostReply{
	{"500", emulator.Fault{Kind: emulator.FaultStatus, Status: 500, AfterHandling: true},
		`POST /auth/backend: HTTP 500 Internal Server Error: Internal Server Error`},
	{"502 HTML page", emulator.Fault{Kind: emulator.FaultHTMLPage, Status: 502, AfterHandling: true},
		`POST /auth/backend: HTTP 502 Bad Gateway: reply is not JSON \(text/html\)`},
	{"503", emulator.Fault{Kind: emulator.FaultStatus, Status: 503, AfterHandling: true},
		`POST /auth/backend: HTTP 503 Service Unavailable: Service Unavailable`},
	{"reply slower than request_timeout", emulator.Fault{Kind: emulator.FaultSlow, Delay: 4 * time.Second, AfterHandling: true},
		`POST /auth/backend: no reply within request_timeout`},
	{"connection reset", emulator.Fault{Kind: emulator.FaultConnectionReset, AfterHandling: true},
		`POST /auth/backend: `},
	{"malformed JSON", emulator.Fault{Kind: emulator.FaultMalformedJSON, AfterHandling: true},
		`POST /auth/backend: HTTP 200 OK: reply is not a JSON envelope`},
	{"body code 500 in HTTP 200", emulator.Fault{Kind: emulator.FaultBodyCode, Status: 500, AfterHandling: true},
		`POST /auth/backend: HTTP 200 OK \(body code 500\): Internal Server Error`},
}

// With the provider's auth_token, a create whose reply is lost adopts the token it made,
// found by name and email among the tokens that were not there before: one create, one
// token.
func TestAccServerTokenLostCreate_replyLostAfterCreateIsAdopted(t *testing.T) {
	t.Parallel()
	listedLate := lostReply{name: "500, token listed late", fault: emulator.Fault{Kind: emulator.FaultStatus, Status: 500, AfterHandling: true}}
	for _, tt := range append(append([]lostReply{}, lostReplies...), listedLate) {
		t.Run(tt.name, func(t *testing.T) {
			env := newAccEnv(t)
			authArg, _ := env.bootstrapAuthToken()
			if tt == listedLate {
				env.emu.SetListLag(2) // the adopted token shows up in the third listing
			}
			env.testTokens(t, []string{"adopted"}, []resource.TestStep{{
				PreConfig: func() { env.emu.InjectFault(routeCreateToken, tt.fault) },
				Config:    env.provider(authArg, `request_timeout = "1s"`) + serverTokenConfig("adopted", withPasswordWO),
				ConfigStateChecks: []statecheck.StateCheck{
					stateMatchesEmulator(env, tokenAddr),
				},
				Check: resource.ComposeTestCheckFunc(env.holdsTokens("adopted", 1), func(*terraform.State) error {
					if creates := env.callsTo(routeCreateToken); len(creates) != 1 || creates[0].Fault != tt.fault.Kind {
						return fmt.Errorf("%d creates, want exactly the one whose reply was lost", len(creates))
					}
					return nil
				}),
			}})
		})
	}
}

// Without a credential of the store, nothing listed before the create tells which tokens
// are new: the provider guesses nothing, and the error names the id of the token the lost
// create made. The create is never re-sent, and the credential it borrows to list is deleted.
func TestAccServerTokenLostCreate_withoutAuthTokenNamesTheToken(t *testing.T) {
	t.Parallel()
	for _, tt := range lostReplies {
		if tt.name != "500" && tt.name != "reply slower than request_timeout" && tt.name != "connection reset" {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			env := newAccEnv(t)
			resource.Test(t, resource.TestCase{
				TerraformVersionChecks:   writeOnlyVersions,
				ProtoV6ProviderFactories: env.factories(),
				CheckDestroy: func(*terraform.State) error {
					// The state holds nothing, and destroy leaves the token the create made.
					if left := env.tokensNamed("uncertain"); len(left) != 1 {
						return fmt.Errorf("emulator holds %d tokens named uncertain, want exactly the one the lost create made", len(left))
					}
					return nil
				},
				Steps: []resource.TestStep{{
					PreConfig: func() { env.emu.InjectFault(routeCreateToken, tt.fault) },
					Config:    env.provider(`request_timeout = "1s"`) + serverTokenConfig("uncertain", withPasswordWO),
					ExpectError: errorText(`Could not create the server token`,
						`BigCommerce may still have created the token`, `It was not re-sent, so at most one token was created`,
						`Tokens named "uncertain" for admin@example.com that this run did not\s+create: id \d+`, `import`, tt.want),
				}},
			})
			var creates int
			for _, c := range env.callsTo(routeCreateToken) {
				if strings.Contains(string(c.Body), `"uncertain"`) {
					creates++
				}
			}
			if creates != 1 {
				t.Errorf("%d creates of the token, want 1: a create that may have reached BigCommerce is never re-sent", creates)
			}
			for _, tok := range env.emu.Tokens() {
				if strings.HasPrefix(tok.Name, "terraform-b2b-reconcile-") {
					t.Errorf("the borrowed credential %q was not deleted", tok.Name)
				}
			}
		})
	}
}

// A create refused with 429 until the retries ran out, and one that failed with a 500 that
// created nothing, fail with the API's error and leave nothing behind; the next apply
// creates the token.
func TestAccServerTokenLostCreate_failedCreateThatCreatedNothingFailsClearly(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	config := env.provider(authArg, "max_retries = 1") + serverTokenConfig("second-try", withPasswordWO)
	env.testTokens(t, []string{"second-try"}, []resource.TestStep{
		{
			PreConfig:   func() { env.emu.InjectFaults(routeCreateToken, 2, statusFault(429)) },
			Config:      config,
			ExpectError: errorText(`POST /auth/backend: HTTP 429 Too Many Requests: Too many requests`),
		},
		{
			PreConfig: func() {
				if n := len(env.tokensNamed("second-try")); n != 0 {
					t.Errorf("a create refused with 429 left %d tokens", n)
				}
				env.emu.InjectFault(routeCreateToken, statusFault(500))
			},
			Config:      config,
			ExpectError: errorText(`Could not create the server token`, `POST /auth/backend: HTTP 500 Internal Server Error: Internal Server Error`),
		},
		{
			PreConfig: func() {
				if n := len(env.tokensNamed("second-try")); n != 0 {
					t.Errorf("a create that failed with 500 left %d tokens", n)
				}
			},
			Config:            config,
			ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
		},
	})
	env.expectCalls(routeCreateToken, 2+1+1, "two refused with 429, one failed, one created")
}

// When two new tokens with the create's name and email appear after its reply was lost, the
// provider cannot tell which is its own: it adopts neither, and the error names both ids.
func TestAccServerTokenLostCreate_twoCandidatesAreNamed(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	var once sync.Once
	env.emu.OnRequest(func(c emulator.Call) {
		if isCall(c, routeCreateToken) && c.Fault != emulator.FaultNone {
			once.Do(func() { env.emu.AddToken("twin", testEmail) })
		}
	})
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy: func(*terraform.State) error {
			if left := env.tokensNamed("twin"); len(left) != 2 {
				return fmt.Errorf("emulator holds %d tokens named twin, want the two candidates", len(left))
			}
			return nil
		},
		Steps: []resource.TestStep{{
			PreConfig: func() {
				env.emu.InjectFault(routeCreateToken, emulator.Fault{Kind: emulator.FaultStatus, Status: 500, AfterHandling: true})
			},
			Config:      env.provider(authArg) + serverTokenConfig("twin", withPasswordWO),
			ExpectError: regexp.MustCompile(`several new tokens match the create whose reply was lost\s+\(ids\s+[0-9]+,\s+[0-9]+\)`),
		}},
	})
	env.expectCalls(routeCreateToken, 1, "a create whose outcome is unknown is never re-sent")
}

// Names need not be unique, so two resources may create tokens with the same name and
// email at once. When one create fails with a 500 that created nothing, its reconciliation
// must not adopt the token that the other create made (and owns).
func TestAccServerTokenLostCreate_neverAdoptsASiblingsToken(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	env.testTokens(t, []string{"same"}, []resource.TestStep{{
		PreConfig:   func() { env.emu.InjectFault(routeCreateToken, statusFault(500)) },
		Config:      env.provider(authArg) + countedTokensConfig(2, `"same"`),
		ExpectError: errorText(`POST /auth/backend: HTTP 500 Internal Server Error`),
	}})
	if n := len(env.tokensNamed("same")); n != 0 {
		t.Errorf("%d tokens named same left", n)
	}
}

// A lost create reply among three creates, without auth_token: the other two creates'
// tokens list the store, and the error names the id of the token the lost create made, so
// that nothing is guessed and nothing is created twice.
func TestAccServerTokenLostCreate_amongCreatesNamesTheToken(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	config := env.provider(`request_timeout = "2s"`) + tokensConfig("l", 3)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				env.emu.InjectFault(routeCreateToken, emulator.Fault{Kind: emulator.FaultSlow, Delay: 5 * time.Second, AfterHandling: true})
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
			// Destroy deletes what state holds; the lost one, which it never held, is left.
			if n := len(env.tokensPrefixed("l")); n != 1 {
				return fmt.Errorf("emulator holds %d tokens after destroy, want the lost one", n)
			}
			return nil
		},
	})
}

// A created token whose id was never found stays in state through refreshes: dropping it
// would orphan a live token.
func TestAccServerTokenLostCreate_unknownIDIsNeverDroppedByARefresh(t *testing.T) {
	t.Parallel()
	for _, withAuthToken := range []bool{false, true} {
		t.Run(fmt.Sprintf("auth_token=%v", withAuthToken), func(t *testing.T) {
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
				// It shows up at last: destroy finds it by its value.
				PreConfig: env.emu.RevealAll,
				Config:    config,
				Destroy:   true,
			}})
		})
	}
}
