package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
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

// The resource against a misbehaving API: every fault the emulator can inject, through the
// real CLI. Each test checks that the operation succeeded or failed with a clear error, that
// no token is orphaned in the emulator and none lost from state.

var (
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

// Faults that a retry cures, on the list, on the create where it cannot have reached the
// server (429), and on the delete of destroy: apply and destroy succeed, and exactly one
// token is created.
func TestAccServerTokenFaults_transientFaultsAreRetried(t *testing.T) {
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
			config := env.provider(append([]string{authArg}, tt.providerArgs...)...) + serverTokenConfig("retried", withPasswordWO)
			env.testTokens(t, []string{"retried"}, []resource.TestStep{{
				PreConfig: func() {
					env.injectAll(routeListTokens, tt.onList)
					env.injectAll(routeCreateToken, tt.onCreate)
				},
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeTestCheckFunc(env.holdsTokens("retried", 1), func(*terraform.State) error {
					return env.checkFaultsServed(routeListTokens, routeCreateToken)
				}),
			}, {
				PreConfig: func() { env.injectAll(routeDeleteToken, tt.onDrop) },
				Config:    config,
				Destroy:   true,
				Check: func(*terraform.State) error {
					if got := len(env.faultedCalls(routeDeleteToken)); got != len(tt.onDrop) {
						return fmt.Errorf("%d faulted deletes, want %d", got, len(tt.onDrop))
					}
					return env.checkFaultsServed(routeDeleteToken)
				},
			}})
			env.expectCalls(routeCreateToken, len(tt.onCreate)+1, "one per refused attempt and one that created")
		})
	}
}

// Faults that outlast max_retries, or that no retry cures, fail the refresh or the destroy
// with an error naming the method, path, status and BigCommerce's message; the token stays
// in state and in the store.
func TestAccServerTokenFaults_persistentFaultsFailClearlyAndKeepState(t *testing.T) {
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
		{routeListTokens, statusFault(503), attempts,
			`GET /backend/tokens: HTTP 503 Service Unavailable: Service Unavailable`},
		{routeListTokens, emulator.Fault{Kind: emulator.FaultBodyCode, Status: 500}, attempts,
			`GET /backend/tokens: HTTP 200 OK \(body code 500\): Internal Server Error`},
		{routeListTokens, emulator.Fault{Kind: emulator.FaultHTMLPage}, attempts,
			`GET /backend/tokens: HTTP 502 Bad Gateway: reply is not JSON \(text/html\)`},
		{routeListTokens, emulator.Fault{Kind: emulator.FaultSlow, Delay: 4 * time.Second}, attempts,
			`GET /backend/tokens: no reply within request_timeout`},
		// An HTTP 200 that is not JSON is no transient failure: it is not retried (a retry
		// would succeed, and the step would not fail).
		{routeListTokens, emulator.Fault{Kind: emulator.FaultMalformedJSON}, 1,
			`GET /backend/tokens: HTTP 200 OK: reply is not a JSON envelope: reply is not JSON \(application/json\)`},
		{routeDeleteToken, statusFault(503), attempts,
			`DELETE /auth/backend: HTTP 503 Service Unavailable: Service Unavailable`},
	}
	steps := []resource.TestStep{
		{Config: config, ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)}},
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
			Destroy:     f.route == routeDeleteToken,
			ExpectError: errorText(f.want),
		})
	}
	steps = append(steps, resource.TestStep{
		PreConfig: func() { checkPrevious(len(failures)) },
		Config:    config,
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
		},
		ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
	})
	env.testTokens(t, []string{"kept"}, steps)
	env.expectCalls(routeCreateToken, 0, "state never lost the token after the first step")
}

// A 429 with Retry-After: 0 is retried after the minimum wait with jitter, never at once; one
// with only X-Request-Window-Resets-After waits that long when it is longer; one with
// neither waits the configured backoff; measured from the 429 to the retry.
func TestAccServerTokenFaults_rateLimitWaitsAsTheServerAsks(t *testing.T) {
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
	const retryWaitMin = time.Second // the jittered minimum: 0.5 s to 1 s
	env.clientConfig = append(env.clientConfig, func(c *b2b.Config) {
		c.RetryWaitMin, c.RetryWaitMax = retryWaitMin, 3*retryWaitMin
	})
	config := env.provider(authArg) + serverTokenConfig("paced", withPasswordWO)
	env.testTokens(t, []string{"paced"}, []resource.TestStep{{
		PreConfig: func() {
			env.emu.InjectFault(routeCreateToken, emulator.Fault{Kind: emulator.FaultStatus, Status: 429, RetryAfter: "0"})
			env.emu.InjectFault(routeListTokens, emulator.Fault{Kind: emulator.FaultStatus, Status: 429, WindowResetsAfter: "1.5 s"})
		},
		Config:            config,
		ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
		Check: func(*terraform.State) error {
			if err := within(routeCreateToken, retryWaitMin/2, retryWaitMin+500*time.Millisecond); err != nil {
				return err
			}
			return within(routeListTokens, 1500*time.Millisecond, 2500*time.Millisecond)
		},
	}, {
		PreConfig: func() {
			env.emu.InjectFault(routeDeleteToken, emulator.Fault{Kind: emulator.FaultStatus, Status: 429, WindowResetsAfter: "unknown"})
		},
		Config:  config,
		Destroy: true,
		Check: func(*terraform.State) error {
			return within(routeDeleteToken, retryWaitMin/2, retryWaitMin+500*time.Millisecond)
		},
	}})
	if n := env.successfulCalls(routeCreateToken); n != 1 {
		t.Errorf("%d tokens created, want 1", n)
	}
}

// Replies that are not what the API promised fail the refresh or the destroy clearly and
// never drop a token from state.
func TestAccServerTokenFaults_unexpectedRepliesKeepState(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	config := env.provider("max_retries = 0") + serverTokenConfig("kept", withPasswordWO)
	fail := func(route string, f emulator.Fault, destroy bool, want string) resource.TestStep {
		return resource.TestStep{
			PreConfig:   func() { env.emu.InjectFault(route, f) },
			Config:      config,
			Destroy:     destroy,
			ExpectError: regexp.MustCompile(want),
		}
	}
	env.testTokens(t, []string{"kept"}, []resource.TestStep{
		{Config: config},
		fail(routeListTokens, emulator.Fault{Kind: emulator.FaultRedirect, Status: 307}, false,
			`(?s)GET /backend/tokens: HTTP 307.*refused\s+a\s+redirect\s+to\s+http://attacker.invalid`),
		fail(routeListTokens, emulator.Fault{Kind: emulator.FaultNullData}, false, `data\s+is\s+not\s+a\s+list\s+of\s+tokens\s+\(null\)`),
		fail(routeListTokens, emulator.Fault{Kind: emulator.FaultNotAList}, false, `data\s+is\s+not\s+a\s+list\s+of\s+tokens`),
		fail(routeListTokens, emulator.Fault{Kind: emulator.FaultTotalCount, TotalCount: -1}, false, `totalCount -1`),
		fail(routeDeleteToken, emulator.Fault{Kind: emulator.FaultHTMLPage, Status: 404}, true,
			`(?s)DELETE /auth/backend: HTTP 404 Not Found: reply is not JSON.*not\s+the\s+B2B\s+API's\s+own.*proves\s+nothing.*Check\s+api_url`),
		{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectEmptyPlan(),
			}},
			ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
		},
	})
	for _, c := range env.emu.Calls() {
		if strings.Contains(c.Path, "steal") {
			t.Errorf("a redirect was followed: %s %s", c.Method, c.Path)
		}
	}
}

// Fifty tokens applied at once under 429s on the create, the list and the delete each get a
// token of their own, and destroy leaves nothing. Creates overlap, up to the CLI's default
// -parallelism of 10.
func TestAccServerTokenFaults_fiftyTokensInParallelUnderRateLimits(t *testing.T) {
	t.Parallel()
	const count = 50
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()

	// Put a counter of concurrent creates in front of the emulator.
	var mu sync.Mutex
	inFlight, maxInFlight := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method+" "+strings.TrimPrefix(r.URL.Path, "/api/io") == routeCreateToken {
			mu.Lock()
			inFlight++
			maxInFlight = max(maxInFlight, inFlight)
			mu.Unlock()
			// Hold a create until another arrives (or a while passes), so that creates the
			// provider sends in parallel are seen in parallel however loaded the machine is.
			for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
				mu.Lock()
				together := inFlight >= 2
				mu.Unlock()
				if together {
					break
				}
			}
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
	config := env.provider(authArg, "max_retries = 10") + countedTokensConfig(count, `"parallel-${count.index}"`)
	var checks []statecheck.StateCheck
	for i := range count {
		checks = append(checks, stateMatchesEmulator(env, fmt.Sprintf("b2b_server_token.many[%d]", i)))
	}
	checks = append(checks, distinctIDs{"b2b_server_token.many", count})

	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy: func(*terraform.State) error {
			if left := env.tokensPrefixed("parallel-"); len(left) != 0 {
				return fmt.Errorf("%d tokens left after destroy", len(left))
			}
			return env.checkFaultsServed(routeDeleteToken)
		},
		Steps: []resource.TestStep{{
			PreConfig: func() {
				env.emu.InjectFaults(routeCreateToken, 15, rateLimited)
				env.emu.InjectFaults(routeListTokens, 10, rateLimited)
			},
			Config:            config,
			ConfigStateChecks: checks,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: func(*terraform.State) error {
				if err := env.checkFaultsServed(routeCreateToken, routeListTokens); err != nil {
					return err
				}
				if n := len(env.tokensPrefixed("parallel-")); n != count {
					return fmt.Errorf("emulator holds %d tokens, want %d", n, count)
				}
				if n := env.successfulCalls(routeCreateToken); n != count {
					return fmt.Errorf("%d successful creates, want %d", n, count)
				}
				mu.Lock()
				peak := maxInFlight
				mu.Unlock()
				if peak < 2 || peak > 10 {
					return fmt.Errorf("at most %d creates ran at once, want 2 to 10 (-parallelism=10)", peak)
				}
				return nil
			},
		}, {
			PreConfig: func() { env.emu.InjectFaults(routeDeleteToken, 10, rateLimited) },
			Config:    config,
			Destroy:   true,
		}},
	})
	env.expectCalls(routeCreateToken, count+15, "one per token and one per 429")
}

// distinctIDs checks that the count instances of the resource prefix have distinct ids.
type distinctIDs struct {
	prefix string
	count  int
}

func (c distinctIDs) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resources, err := stateResources(req)
	if err != nil {
		resp.Error = err
		return
	}
	owner := map[string]string{}
	for address, attrs := range resources {
		if !strings.HasPrefix(address, c.prefix+"[") {
			continue
		}
		id := fmt.Sprint(attrs["id"])
		if other, dup := owner[id]; dup {
			resp.Error = fmt.Errorf("%s and %s both hold the token %s", other, address, id)
			return
		}
		owner[id] = address
	}
	if len(owner) != c.count {
		resp.Error = fmt.Errorf("%d instances of %s in state, want %d", len(owner), c.prefix, c.count)
	}
}
