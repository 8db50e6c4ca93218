package provider

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// Acceptance tests of the provider against a misbehaving API: every fault the emulator can
// inject, through the real CLI. Each test checks that the operation succeeded or failed
// with a clear error, that no token is orphaned in the emulator and none lost from state.

// errorText matches texts, in this order, in Terraform's error output, which wraps long
// lines at any space: each text is a regular expression whose spaces match any run of
// white space, and anything may come between two texts.
func errorText(texts ...string) *regexp.Regexp {
	parts := make([]string, len(texts))
	for i, text := range texts {
		parts[i] = strings.Join(strings.Fields(text), `\s+`)
	}
	return regexp.MustCompile(strings.Join(parts, `[\s\S]*`))
}

// factoriesWith is env.factories() with the client configuration adjusted after fastWaits.
func (e *accEnv) factoriesWith(adjust func(*b2b.Config)) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"b2b": providerserver.NewProtocol6WithError(New("test", WithClientConfig(func(c *b2b.Config) {
			fastWaits(c)
			adjust(c)
		}))()),
	}
}

// faultedCalls are the calls to route that met an injected fault.
func (e *accEnv) faultedCalls(route string) []emulator.Call {
	var out []emulator.Call
	for _, c := range e.callsTo(route) {
		if c.Fault != emulator.FaultNone {
			out = append(out, c)
		}
	}
	return out
}

// successfulCalls counts the calls to route that were answered 200 without a fault.
func (e *accEnv) successfulCalls(route string) int {
	n := 0
	for _, c := range e.callsTo(route) {
		if c.Fault == emulator.FaultNone && c.Status == 200 {
			n++
		}
	}
	return n
}

// injectAll queues faults on route, in order.
func (e *accEnv) injectAll(route string, faults []emulator.Fault) {
	for _, f := range faults {
		e.emu.InjectFault(route, f)
	}
}

// checkFaultsServed fails unless every fault queued on the routes was served.
func (e *accEnv) checkFaultsServed(routes ...string) error {
	for _, r := range routes {
		if n := e.emu.PendingFaults(r); n != 0 {
			return fmt.Errorf("%d fault(s) on %s were never served: the test did not exercise them", n, r)
		}
	}
	return nil
}

var (
	statusFault = func(code int) emulator.Fault { return emulator.Fault{Kind: emulator.FaultStatus, Status: code} }
	// rateLimitFaults is a 429 with Retry-After, with BigCommerce's window header only, with
	// headers the client cannot use, and a 429 in the body of an HTTP 200.
	rateLimitFaults = []emulator.Fault{
		{Kind: emulator.FaultStatus, Status: 429, RetryAfter: "0"},
		{Kind: emulator.FaultStatus, Status: 429, WindowResetsAfter: "0.001 s"},
		{Kind: emulator.FaultStatus, Status: 429, WindowResetsAfter: "soon"},
		{Kind: emulator.FaultBodyCode, Status: 429},
	}
	serverErrorFaults = []emulator.Fault{
		statusFault(500), statusFault(502), statusFault(503), statusFault(504),
		{Kind: emulator.FaultHTMLPage, Status: 503},
		{Kind: emulator.FaultBodyCode, Status: 503},
	}
)

// TestAccResilience_transientFaultsAreRetried: faults that a retry cures, on the list (the
// first listing of a create), the create where it cannot have reached the server (429) and
// the delete of destroy. The apply and the destroy succeed, exactly one token is created,
// and every fault was served.
func TestAccResilience_transientFaultsAreRetried(t *testing.T) {
	t.Parallel()
	slow := emulator.Fault{Kind: emulator.FaultSlow, Delay: 4 * time.Second}
	slowAfterDelete := emulator.Fault{Kind: emulator.FaultSlow, Delay: 4 * time.Second, AfterHandling: true}
	reset := emulator.Fault{Kind: emulator.FaultConnectionReset}
	tests := []struct {
		name                     string
		providerArgs             []string
		onList, onCreate, onDrop []emulator.Fault
	}{
		{
			name:   "429 with and without Retry-After",
			onList: rateLimitFaults, onCreate: rateLimitFaults, onDrop: rateLimitFaults,
		},
		{
			name:         "500 502 503 504, an HTML error page and a 503 in the body",
			providerArgs: []string{"max_retries = 6"},
			onList:       serverErrorFaults, onDrop: serverErrorFaults,
		},
		{
			name:   "connection reset",
			onList: []emulator.Fault{reset, reset}, onDrop: []emulator.Fault{reset, reset},
		},
		{
			// The second delete is carried out, then its reply is lost: the third one's 404
			// says the token is gone, which is what destroy wanted.
			name:         "reply slower than request_timeout",
			providerArgs: []string{`request_timeout = "1s"`},
			onList:       []emulator.Fault{slow}, onDrop: []emulator.Fault{slow, slowAfterDelete},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newAccEnv(t)
			authArg, _ := env.bootstrapAuthToken()
			resource.Test(t, resource.TestCase{
				TerraformVersionChecks:   writeOnlyVersions,
				ProtoV6ProviderFactories: env.factories(),
				CheckDestroy: resource.ComposeAggregateTestCheckFunc(
					env.checkNoTokensNamed("retried"),
					func(*terraform.State) error {
						if got := len(env.faultedCalls("DELETE /auth/backend")); got != len(tt.onDrop) {
							return fmt.Errorf("%d faulted deletes, want %d", got, len(tt.onDrop))
						}
						return env.checkFaultsServed("DELETE /auth/backend")
					},
				),
				Steps: []resource.TestStep{{
					PreConfig: func() {
						env.injectAll("GET /backend/tokens", tt.onList)
						env.injectAll("POST /auth/backend", tt.onCreate)
					},
					Config:            env.provider(append([]string{authArg}, tt.providerArgs...)...) + serverTokenConfig("retried", withPasswordWO),
					ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator{env, tokenAddr}},
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					Check: func(*terraform.State) error {
						if err := env.checkFaultsServed("GET /backend/tokens", "POST /auth/backend"); err != nil {
							return err
						}
						if n := len(env.tokensNamed("retried")); n != 1 {
							return fmt.Errorf("emulator holds %d tokens named retried, want 1", n)
						}
						env.injectAll("DELETE /auth/backend", tt.onDrop)
						return nil
					},
				}},
			})
			if got, want := len(env.callsTo("POST /auth/backend")), len(tt.onCreate)+1; got != want {
				t.Errorf("%d POST /auth/backend, want %d: one per refused attempt and one that created", got, want)
			}
		})
	}
}

// TestAccResilience_persistentFaultsFailClearlyAndKeepState: faults that outlast the
// retries (max_retries = 2 from the provider block) or that a retry cannot cure fail the
// refresh, or the destroy, with an error that names the method, the path, the status and
// BigCommerce's message; the token stays in state and in the emulator, and the next run
// plans nothing.
func TestAccResilience_persistentFaultsFailClearlyAndKeepState(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	config := env.provider(authArg, "max_retries = 2", `request_timeout = "1s"`) + serverTokenConfig("kept", withPasswordWO)
	const attempts = 3 // max_retries + 1
	failures := []struct {
		route     string
		fault     emulator.Fault
		wantCalls int // also how many copies of fault are injected
		want      string
	}{
		{"GET /backend/tokens", statusFault(503), attempts,
			`GET /backend/tokens: HTTP 503 Service Unavailable: Service Unavailable`},
		{"GET /backend/tokens", emulator.Fault{Kind: emulator.FaultBodyCode, Status: 500}, attempts,
			`GET /backend/tokens: HTTP 200 OK \(body code 500\): Internal Server Error`},
		{"GET /backend/tokens", emulator.Fault{Kind: emulator.FaultHTMLPage}, attempts,
			`GET /backend/tokens: HTTP 502 Bad Gateway: reply is not JSON \(text/html\)`},
		{"GET /backend/tokens", emulator.Fault{Kind: emulator.FaultSlow, Delay: 4 * time.Second}, attempts,
			`GET /backend/tokens: no reply within request_timeout`},
		// An HTTP 200 that is not JSON is no transient failure: it is not retried (a retry
		// would succeed, and the step would not fail).
		{"GET /backend/tokens", emulator.Fault{Kind: emulator.FaultMalformedJSON}, 1,
			`GET /backend/tokens: HTTP 200 OK: reply is not a JSON envelope: reply is not JSON \(application/json\)`},
		{"DELETE /auth/backend", statusFault(503), attempts,
			`DELETE /auth/backend: HTTP 503 Service Unavailable: Service Unavailable`},
	}
	steps := []resource.TestStep{
		{Config: config, ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator{env, tokenAddr}}},
	}
	// checkPrevious counts the calls of the failure before i, once its step has run.
	checkPrevious := func(i int) {
		if i == 0 {
			return
		}
		f := failures[i-1]
		if got := len(env.callsTo(f.route)); got != f.wantCalls {
			t.Errorf("%q: %d calls to %s, want %d (max_retries = 2)", f.want, got, f.route, f.wantCalls)
		}
		if n := env.emu.PendingFaults(f.route); n != 0 {
			t.Errorf("%q: %d injected faults left unserved", f.want, n)
		}
	}
	for i, f := range failures {
		steps = append(steps, resource.TestStep{
			PreConfig: func() {
				checkPrevious(i)
				env.emu.ResetCalls()
				env.emu.InjectFaults(f.route, f.wantCalls, f.fault)
			},
			Config:      config,
			Destroy:     strings.HasPrefix(f.route, "DELETE"),
			ExpectError: errorText(f.want),
		})
	}
	steps = append(steps, resource.TestStep{
		PreConfig: func() { checkPrevious(len(failures)) },
		Config:    config,
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
		},
		ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator{env, tokenAddr}},
	})
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             env.checkNoTokensNamed("kept"),
		Steps:                    steps,
	})
	if n := env.emu.CallCount("POST /auth/backend"); n != 0 {
		t.Errorf("%d creates after the first step, want none: state never lost the token", n)
	}
}

// TestAccResilience_rateLimitWaitsAsTheServerAsks: with waits of seconds configured, a 429
// with Retry-After: 0 is retried at once, one with only X-Request-Window-Resets-After
// waits that long, and one with neither waits the configured backoff. Measured on the
// emulator's clock of replies: from the 429 to the retry.
func TestAccResilience_rateLimitWaitsAsTheServerAsks(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	var mu sync.Mutex
	type seen struct {
		route  string
		status int
		at     time.Time
	}
	var replies []seen
	env.emu.OnRequest(func(c emulator.Call) {
		mu.Lock()
		replies = append(replies, seen{c.Method + " " + c.Path, c.Status, time.Now()})
		mu.Unlock()
	})
	// gap is the time from route's first 429 to the request after it.
	gap := func(route string) (time.Duration, error) {
		mu.Lock()
		defer mu.Unlock()
		for i, r := range replies {
			if r.route != route || r.status != 429 {
				continue
			}
			for _, next := range replies[i+1:] {
				if next.route == route {
					return next.at.Sub(r.at), nil
				}
			}
		}
		return 0, fmt.Errorf("no retry of a 429 on %s", route)
	}
	within := func(route string, lo, hi time.Duration) error {
		d, err := gap(route)
		if err != nil {
			return err
		}
		if d < lo || d >= hi {
			return fmt.Errorf("%s retried %v after its 429, want within [%v, %v)", route, d, lo, hi)
		}
		return nil
	}
	const retryWaitMin = 8 * time.Second // backoff without a usable header: 4 s to 8 s
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks: writeOnlyVersions,
		ProtoV6ProviderFactories: env.factoriesWith(func(c *b2b.Config) {
			c.RetryWaitMin, c.RetryWaitMax = retryWaitMin, 2*retryWaitMin
		}),
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			env.checkNoTokensNamed("paced"),
			func(*terraform.State) error {
				return within("DELETE /auth/backend", retryWaitMin/2, 2*retryWaitMin)
			},
		),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				env.emu.InjectFault("POST /auth/backend", emulator.Fault{Kind: emulator.FaultStatus, Status: 429, RetryAfter: "0"})
				env.emu.InjectFault("GET /backend/tokens", emulator.Fault{Kind: emulator.FaultStatus, Status: 429, WindowResetsAfter: "0.3 s"})
			},
			Config:            env.provider(authArg) + serverTokenConfig("paced", withPasswordWO),
			ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator{env, tokenAddr}},
			Check: func(*terraform.State) error {
				if err := within("POST /auth/backend", 0, retryWaitMin/4); err != nil {
					return err
				}
				if err := within("GET /backend/tokens", 300*time.Millisecond, retryWaitMin/2); err != nil {
					return err
				}
				env.emu.InjectFault("DELETE /auth/backend", emulator.Fault{Kind: emulator.FaultStatus, Status: 429, WindowResetsAfter: "unknown"})
				return nil
			},
		}},
	})
	if n := env.successfulCalls("POST /auth/backend"); n != 1 {
		t.Errorf("%d tokens created, want 1", n)
	}
}
