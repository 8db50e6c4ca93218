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

// Creates whose reply is lost after BigCommerce created the token: POST /auth/backend has no
// idempotency key, so the provider never sends it twice; with an auth_token it lists the
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

// TestAccResilience_lostCreateReplyIsAdopted: with the provider's auth_token, a create whose
// reply is lost after the token was created ends with that token in state, found by name
// and email among the tokens that were not there before: one POST, one token.
func TestAccResilience_lostCreateReplyIsAdopted(t *testing.T) {
	t.Parallel()
	listedLate := lostReply{name: "500, token listed late", fault: emulator.Fault{Kind: emulator.FaultStatus, Status: 500, AfterHandling: true}}
	for _, tt := range append(append([]lostReply{}, lostReplies...), listedLate) {
		t.Run(tt.name, func(t *testing.T) {
			env := newAccEnv(t)
			authArg, _ := env.bootstrapAuthToken()
			if tt == listedLate {
				env.emu.SetListLag(2) // the adopted token shows up in the third listing
			}
			resource.Test(t, resource.TestCase{
				TerraformVersionChecks:   writeOnlyVersions,
				ProtoV6ProviderFactories: env.factories(),
				CheckDestroy:             env.checkNoTokensNamed("adopted"),
				Steps: []resource.TestStep{{
					PreConfig: func() { env.emu.InjectFault("POST /auth/backend", tt.fault) },
					Config:    env.provider(authArg, `request_timeout = "1s"`) + serverTokenConfig("adopted", withPasswordWO),
					ConfigStateChecks: []statecheck.StateCheck{
						stateMatchesEmulator{env, tokenAddr},
					},
					Check: func(*terraform.State) error {
						if n := len(env.tokensNamed("adopted")); n != 1 {
							return fmt.Errorf("emulator holds %d tokens named adopted, want 1", n)
						}
						posts := env.callsTo("POST /auth/backend")
						if len(posts) != 1 || posts[0].Fault != tt.fault.Kind {
							return fmt.Errorf("%d POST /auth/backend, want exactly the one whose reply was lost", len(posts))
						}
						return nil
					},
				}},
			})
		})
	}
}

// TestAccResilience_lostCreateReplyWithoutAuthTokenNamesTheToken: without any credential
// of the store, the provider borrows one (a short-lived token made with the same user's
// credentials, deleted afterwards) to list the tokens. Nothing listed before the create
// tells which tokens are new, so it guesses nothing: the apply fails with an error that
// names the id of the token the lost create made. The create is never re-sent.
func TestAccResilience_lostCreateReplyWithoutAuthTokenNamesTheToken(t *testing.T) {
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
					// The state holds nothing; the one token the create made is cleaned up here.
					left := env.tokensNamed("uncertain")
					if len(left) != 1 {
						return fmt.Errorf("emulator holds %d tokens named uncertain, want exactly the one the lost create made", len(left))
					}
					env.emu.RemoveToken(left[0].ID)
					return nil
				},
				Steps: []resource.TestStep{{
					PreConfig: func() { env.emu.InjectFault("POST /auth/backend", tt.fault) },
					Config:    env.provider(`request_timeout = "1s"`) + serverTokenConfig("uncertain", withPasswordWO),
					ExpectError: errorText(`Could not create the server token`,
						`BigCommerce may still have created the token`, `It was not re-sent, so at most one token was created`,
						`Tokens named "uncertain" for admin@example.com that this run did not\s+create: id \d+`, `import`, tt.want),
				}},
			})
			var creates int
			for _, c := range env.callsTo("POST /auth/backend") {
				if strings.Contains(string(c.Body), `"uncertain"`) {
					creates++
				}
			}
			if creates != 1 {
				t.Errorf("%d POST /auth/backend for the token, want 1: a create that may have reached BigCommerce is never re-sent", creates)
			}
			for _, tok := range env.emu.Tokens() {
				if strings.HasPrefix(tok.Name, "terraform-b2b-reconcile-") {
					t.Errorf("the borrowed credential %q was not deleted", tok.Name)
				}
			}
		})
	}
}

// TestAccResilience_failedCreateThatCreatedNothingFailsClearly: a create refused with 429
// until the retries ran out, and one that failed with a 500 that created nothing (the list
// shows no new token), fail with the API's error and leave nothing behind; the next apply
// creates the token.
func TestAccResilience_failedCreateThatCreatedNothingFailsClearly(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	config := env.provider(authArg, "max_retries = 1") + serverTokenConfig("second-try", withPasswordWO)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkNoTokensNamed("second-try"),
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { env.emu.InjectFaults("POST /auth/backend", 2, statusFault(429)) },
				Config:      config,
				ExpectError: errorText(`POST /auth/backend: HTTP 429 Too Many Requests: Too many requests`),
			},
			{
				PreConfig: func() {
					if n := len(env.tokensNamed("second-try")); n != 0 {
						t.Errorf("a create refused with 429 left %d tokens", n)
					}
					env.emu.InjectFault("POST /auth/backend", statusFault(500))
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
				ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator{env, tokenAddr}},
			},
		},
	})
	if got, want := env.emu.CallCount("POST /auth/backend"), 2+1+1; got != want {
		t.Errorf("%d POST /auth/backend, want %d", got, want)
	}
}

// TestAccResilience_lostCreateWithTwoCandidatesNamesThem: when two new tokens with the
// create's name and email appear after its reply was lost (another client created one at
// the same moment), the provider cannot tell which is its own: it adopts neither, and the
// error names both ids, so that no token is minted or adopted silently.
func TestAccResilience_lostCreateWithTwoCandidatesNamesThem(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	var once sync.Once
	env.emu.OnRequest(func(c emulator.Call) {
		if c.Method == "POST" && c.Path == "/auth/backend" && c.Fault != emulator.FaultNone {
			once.Do(func() { env.emu.AddToken("twin", testEmail) })
		}
	})
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy: func(*terraform.State) error {
			left := env.tokensNamed("twin")
			if len(left) != 2 {
				return fmt.Errorf("emulator holds %d tokens named twin, want the two candidates", len(left))
			}
			for _, tok := range left {
				env.emu.RemoveToken(tok.ID)
			}
			return nil
		},
		Steps: []resource.TestStep{{
			PreConfig: func() {
				env.emu.InjectFault("POST /auth/backend", emulator.Fault{Kind: emulator.FaultStatus, Status: 500, AfterHandling: true})
			},
			Config:      env.provider(authArg) + serverTokenConfig("twin", withPasswordWO),
			ExpectError: regexp.MustCompile(`several new tokens match the create whose reply was lost\s+\(ids\s+[0-9]+,\s+[0-9]+\)`),
		}},
	})
	if n := env.emu.CallCount("POST /auth/backend"); n != 1 {
		t.Errorf("%d POST /auth/backend, want 1", n)
	}
}

// TestAccResilience_failedCreateNeverAdoptsASiblingsToken: names need not be unique, so two
// resources may create tokens with the same name and email at once. When one create fails
// with a 500 that created nothing, its reconciliation must not adopt the token that the
// other create made (and owns): the failed one reports its error, and no two resources
// share a token.
//
// Known bug (internal/b2b/provision.go, reconcileLostCreate): the "before" listing is the
// index's cached one, taken before both creates, and the tokens that this client's other
// creates made are not excluded, so the failed create adopts its sibling's token; both
// instances end up in state with the same id, one token for two resources. Skipped until
// fixed; remove the Skip to reproduce.
func TestAccResilience_failedCreateNeverAdoptsASiblingsToken(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkNoTokensNamed("same"),
		Steps: []resource.TestStep{{
			PreConfig: func() { env.emu.InjectFault("POST /auth/backend", statusFault(500)) },
			Config: env.provider(authArg) + fmt.Sprintf(`
resource "b2b_server_token" "same" {
  count       = 2
  name        = "same"
  email       = %q
  password_wo = %q
}
`, testEmail, testPassword),
			ExpectError: errorText(`POST /auth/backend: HTTP 500 Internal Server Error`),
		}},
	})
	if n := len(env.tokensNamed("same")); n != 0 {
		t.Errorf("%d tokens named same left", n)
	}
}
