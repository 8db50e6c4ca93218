package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// The acceptance tests' wiring: an emulated store, the provider that talks to it, the
// configurations they share, and queries of the emulator's record of calls.

// The store every acceptance test starts with.
const (
	testStoreHash = "abc123"
	testEmail     = "admin@example.com"
	testPassword  = "Correct-Horse-42"
	// opsEmail is a second backend user's email, for filters and name clashes.
	opsEmail = "ops@example.com"
	// seededTokenCount puts a store well past two full pages of the token list.
	seededTokenCount = 600

	storeLevelAccessToken = "store-level-S3cret"
	customerEmail         = "buyer@example.com"
	customerPassword      = "Buyer-S3cret-pass"
)

// storefrontCustomer is a storefront customer of channels 1 and 2.
var storefrontCustomer = emulator.Customer{ID: 42, Email: customerEmail, Password: customerPassword, ChannelIDs: []int64{1, 2}}

// withCustomers adds the storefront customer and a store-level access token to the store.
func withCustomers(o *emulator.Options) {
	o.Customers = append(o.Customers, storefrontCustomer)
	o.AccessTokens = append(o.AccessTokens, storeLevelAccessToken)
}

// The server-token routes, as the emulator's record of calls names them.
const (
	routeCreateToken = "POST /auth/backend"
	routeDeleteToken = "DELETE /auth/backend"
	routeListTokens  = "GET /backend/tokens"
)

// The acceptance tests run on Terraform 1.5.7 (the oldest tested), 1.11 and 1.15, and on
// OpenTofu 1.12 (the GNUmakefile's testacc targets). A test of a feature that an older CLI
// lacks skips itself there.
var (
	// allVersions: the feature works on every CLI the tests run on.
	allVersions       []tfversion.TerraformVersionCheck
	functionVersions  = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)}
	ephemeralVersions = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)}
	// writeOnlyVersions gate configurations that set password_wo.
	writeOnlyVersions = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)}
	// identityVersions: resource identity needs Terraform or OpenTofu 1.12.
	identityVersions = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)}
	// queryVersions: list resources (terraform query) and actions need Terraform 1.14.
	queryVersions = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)}
)

// accEnv is one acceptance test's world: an emulator of the B2B API on loopback, and a
// provider that talks to it with waits shortened to milliseconds.
type accEnv struct {
	t   *testing.T
	emu *emulator.Server
	url string
	// env is the provider's environment: its own, not the process's, so that tests run in
	// parallel.
	env map[string]string
	// clientConfig adjusts the API client's configuration further (after fastWaits).
	clientConfig []func(*b2b.Config)
	// clock, when set, is the provider's clock instead of the system's.
	clock *testClock
	// front, when set, answers a request in front of the emulator (a gateway, a stale
	// replica) when it returns true.
	front atomic.Pointer[frontFunc]
}

// frontFunc answers a request in front of the emulator, or returns false to pass it on.
type frontFunc func(w http.ResponseWriter, r *http.Request) bool

func newAccEnv(t *testing.T, tweak ...func(*emulator.Options)) *accEnv {
	t.Helper()
	opts := emulator.Options{
		StoreHash: testStoreHash,
		Users:     []emulator.User{{Email: testEmail, Password: testPassword, Role: "administrator"}},
	}
	for _, f := range tweak {
		f(&opts)
	}
	emu := emulator.New(opts)
	env := &accEnv{t: t, emu: emu, env: map[string]string{}}
	srv := httptest.NewServer(env.handler())
	t.Cleanup(srv.Close)
	env.url = srv.URL + "/api/io"
	return env
}

// newTLSAccEnv is newAccEnv served over https with a certificate nothing trusts.
func newTLSAccEnv(t *testing.T) *accEnv {
	t.Helper()
	emu := emulator.New(emulator.Options{
		StoreHash: testStoreHash,
		Users:     []emulator.User{{Email: testEmail, Password: testPassword, Role: "administrator"}},
	})
	env := &accEnv{t: t, emu: emu, env: map[string]string{}}
	srv := httptest.NewTLSServer(env.handler())
	t.Cleanup(srv.Close)
	env.url = srv.URL + "/api/io"
	return env
}

// handler is the emulator behind whatever stands in front of it.
func (e *accEnv) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if front := e.front.Load(); front != nil && (*front)(w, r) {
			return
		}
		e.emu.ServeHTTP(w, r)
	})
}

// inFront puts f in front of the emulator until the returned func is called.
func (e *accEnv) inFront(f frontFunc) (remove func()) {
	e.front.Store(&f)
	return func() { e.front.Store(nil) }
}

// gatewayPage answers every request to route with a gateway's HTML page of status, as nginx
// in front of the API does; counted in served.
func gatewayPage(route string, status int, served *atomic.Int32) frontFunc {
	method, p, _ := strings.Cut(route, " ")
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != method || r.URL.Path != "/api/io"+p {
			return false
		}
		served.Add(1)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><head><title>%d %s</title></head><body><center><h1>%d %s</h1></center><hr><center>nginx</center></body></html>",
			status, http.StatusText(status), status, http.StatusText(status))
		return true
	}
}

// staleReplica answers every listing with a well-formed empty page, as a replica that is
// behind would; counted in served.
func staleReplica(served *atomic.Int32) frontFunc {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || r.URL.Path != "/api/io/backend/tokens" {
			return false
		}
		served.Add(1)
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"code":200,"data":[],"meta":{"message":"SUCCESS","pagination":{"totalCount":0,"offset":%d,"limit":250}}}`, offset)
		return true
	}
}

// factories serve the provider under test, configured by the env.
func (e *accEnv) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	adjust := func(c *b2b.Config) {
		fastWaits(c)
		for _, f := range e.clientConfig {
			f(c)
		}
	}
	opts := []Option{WithClientConfig(adjust), WithEnv(e.env)}
	if e.clock != nil {
		opts = append(opts, WithClock(e.clock.Now))
	}
	return map[string]func() (tfprotov6.ProviderServer, error){
		"b2b": providerserver.NewProtocol6WithError(New("test", opts...)()),
	}
}

func fastWaits(c *b2b.Config) {
	c.RetryWaitMin = time.Millisecond
	c.RetryWaitMax = 5 * time.Millisecond
	c.LocateWait = time.Millisecond
	c.LocateAttempts = 4
	// The list shows a token within half a second of its create: a run's polls (a few
	// milliseconds) never wait that long, so what a lost create made is settled by the
	// next run, as it is with BigCommerce when the list lags more than a run's patience.
	c.ListLag = 500 * time.Millisecond
}

// fakeClock makes the provider read the time from a clock that only the test advances, so
// that kept tokens expire without waiting.
func (e *accEnv) fakeClock() *testClock {
	e.clock = &testClock{}
	e.clock.nanos.Store(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	return e.clock
}

// testClock tells the time in nanoseconds since 1970, UTC; the provider reads it
// concurrently. It stands still unless told to tick (then real time passes on it too).
type testClock struct {
	nanos     atomic.Int64
	tickingAt atomic.Pointer[time.Time]
}

func (c *testClock) Now() time.Time {
	now := time.Unix(0, c.nanos.Load()).UTC()
	if since := c.tickingAt.Load(); since != nil {
		now = now.Add(time.Since(*since))
	}
	return now
}

// Tick lets real time pass on the clock from now on: a run that waits for the list to
// settle sees the time pass as it would.
func (c *testClock) Tick() {
	now := time.Now()
	c.tickingAt.Store(&now)
}

func (c *testClock) Advance(d time.Duration) { c.nanos.Add(int64(d)) }

// requiredProviders names the provider's source as terraform-plugin-testing serves it. The
// framework adds this block itself, except when the first step is an import, and OpenTofu,
// unlike Terraform, then looks the provider up in its own registry.
const requiredProviders = `terraform {
  required_providers {
    b2b = {
      source = "registry.terraform.io/hashicorp/b2b"
    }
  }
}
`

// provider renders a provider block for the emulator; extra lines go inside it.
func (e *accEnv) provider(extra ...string) string {
	return fmt.Sprintf("provider \"b2b\" {\n  api_url    = %q\n  store_hash = %q\n  %s\n}\n", e.url, testStoreHash, strings.Join(extra, "\n  "))
}

// hclBlock is a configuration block, such as `ephemeral "b2b_server_token" "x"`, with one
// argument a line.
func hclBlock(header string, args ...string) string {
	var body strings.Builder
	for _, arg := range args {
		body.WriteString("  " + arg + "\n")
	}
	return header + " {\n" + body.String() + "}\n"
}

// bootstrapAuthToken adds a token to the store out of band and returns a provider argument
// line that authenticates with it.
func (e *accEnv) bootstrapAuthToken() (string, emulator.Token) {
	tok := e.emu.AddToken("bootstrap", testEmail)
	return fmt.Sprintf("auth_token = %q", tok.Token), tok
}

// test runs steps with the provider, skipped on a CLI that versions rule out.
func (e *accEnv) test(t *testing.T, versions []tfversion.TerraformVersionCheck, steps []resource.TestStep) {
	t.Helper()
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   versions,
		ProtoV6ProviderFactories: e.factories(),
		Steps:                    steps,
	})
}

// testTokens runs steps with the provider on a CLI that has write-only arguments (the
// configurations set password_wo), then checks that destroy left no token named any of
// leftNone.
func (e *accEnv) testTokens(t *testing.T, leftNone []string, steps []resource.TestStep) {
	t.Helper()
	tc := resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: e.factories(),
		Steps:                    steps,
	}
	if leftNone != nil {
		tc.CheckDestroy = e.checkNoTokensNamed(leftNone...)
	}
	resource.Test(t, tc)
}

// An ephemeral value never reaches state, so the echo provider copies the values under test
// into the state of echo.test, the only place a test can see them.
const echoAddr = "echo.test"

// testEphemeral runs steps with the provider and echo, on a Terraform that has ephemeral
// resources.
func (e *accEnv) testEphemeral(t *testing.T, steps ...resource.TestStep) {
	t.Helper()
	factories := e.factories()
	factories["echo"] = echoprovider.NewProviderServer()
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersions,
		ProtoV6ProviderFactories: factories,
		Steps:                    steps,
	})
}

// echoAttributes makes echo.test hold the named attributes of the object at address, such
// as ephemeral.b2b_storefront_token.x. Echo only results, never the arguments: state then
// shows a secret argument only if the provider put it there.
func echoAttributes(address string, names ...string) string {
	lines := make([]string, len(names))
	for i, name := range names {
		lines[i] = fmt.Sprintf("    %s = %s.%s\n", name, address, name)
	}
	return echoConfig("{\n" + strings.Join(lines, "") + "  }")
}

// echoConfig makes echo.test hold data, an HCL expression.
func echoConfig(data string) string {
	return "provider \"echo\" {\n  data = " + data + "\n}\n\nresource \"echo\" \"test\" {}\n"
}

// tokensWhere is what the emulator holds of the tokens whose name matches.
func (e *accEnv) tokensWhere(match func(name string) bool) []emulator.Token {
	var out []emulator.Token
	for _, t := range e.emu.Tokens() {
		if match(t.Name) {
			out = append(out, t)
		}
	}
	return out
}

func (e *accEnv) tokensNamed(name string) []emulator.Token {
	return e.tokensWhere(func(n string) bool { return n == name })
}

func (e *accEnv) tokensPrefixed(prefix string) []emulator.Token {
	return e.tokensWhere(func(n string) bool { return strings.HasPrefix(n, prefix) })
}

// holdsTokens checks how many tokens named name the emulator holds.
func (e *accEnv) holdsTokens(name string, want int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := len(e.tokensNamed(name)); got != want {
			return fmt.Errorf("the emulator holds %d tokens named %q, want %d", got, name, want)
		}
		return nil
	}
}

// removeTokens deletes tokens out of band, as someone else would.
func (e *accEnv) removeTokens(tokens []emulator.Token) {
	for _, t := range tokens {
		e.emu.RemoveToken(t.ID)
	}
}

// checkNoTokensNamed is a CheckDestroy: nothing the test created is left in the store.
func (e *accEnv) checkNoTokensNamed(names ...string) func(*terraform.State) error {
	return func(*terraform.State) error {
		for _, name := range names {
			if left := e.tokensNamed(name); len(left) > 0 {
				return fmt.Errorf("orphaned in the emulator after destroy: %d token(s) named %q", len(left), name)
			}
		}
		return nil
	}
}

// isCall says whether c is a call to route, such as routeListTokens.
func isCall(c emulator.Call, route string) bool {
	method, p, _ := strings.Cut(route, " ")
	return c.Method == method && c.Path == p
}

// callsTo lists the emulator's record of one route.
func (e *accEnv) callsTo(route string) []emulator.Call {
	var out []emulator.Call
	for _, c := range e.emu.Calls() {
		if isCall(c, route) {
			out = append(out, c)
		}
	}
	return out
}

// checkCalls runs check on every recorded call to route, failing when there is none.
func (e *accEnv) checkCalls(route string, check func(emulator.Call) error) error {
	calls := e.callsTo(route)
	if len(calls) == 0 {
		return fmt.Errorf("no call to %s", route)
	}
	for i, c := range calls {
		if c.Header.Get("authToken") != "" && c.Header.Get("X-Store-Hash") != "" {
			return fmt.Errorf("%s call %d sent authToken together with X-Store-Hash", route, i+1)
		}
		if err := check(c); err != nil {
			return fmt.Errorf("%s call %d: %w", route, i+1, err)
		}
	}
	return nil
}

// atMostCalls fails when route was called more than most times; what names the operation
// measured.
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

// oneListing checks the listing calls since the last ResetCalls: one complete listing of a
// store of total tokens, the first page first, then the others each once.
func (e *accEnv) oneListing(total int) error {
	calls := e.callsTo(routeListTokens)
	if len(calls) != pagesOf(total) {
		return fmt.Errorf("want one listing of %d tokens, %d pages; got %d list calls", total, pagesOf(total), len(calls))
	}
	offsets := map[string]bool{}
	for i, c := range calls {
		q, _ := url.ParseQuery(c.RawQuery)
		if q.Get("limit") != strconv.Itoa(b2b.MaxPageSize) || (i == 0 && q.Get("offset") != "0") || offsets[q.Get("offset")] {
			return fmt.Errorf("list call %d asked for %q: want limit=%d, the first page first, no page twice", i, c.RawQuery, b2b.MaxPageSize)
		}
		offsets[q.Get("offset")] = true
	}
	return nil
}

// expectCalls fails the test unless the emulator saw want calls to route; why says why that
// many.
func (e *accEnv) expectCalls(route string, want int, why string) {
	e.t.Helper()
	if got := e.emu.CallCount(route); got != want {
		e.t.Errorf("%d calls to %s, want %d: %s", got, route, want, why)
	}
}

// expectNoCalls fails the test if the emulator saw any call: what was refused before the API.
func (e *accEnv) expectNoCalls(what string) {
	e.t.Helper()
	if n := len(e.emu.Calls()); n != 0 {
		e.t.Errorf("%s must not call the API, got %d calls", what, n)
	}
}

// deletedIDs are the ids sent in the bodies of the token deletes that succeeded.
func (e *accEnv) deletedIDs() []int64 {
	var ids []int64
	for _, c := range e.callsTo(routeDeleteToken) {
		var body struct {
			ID int64 `json:"id"`
		}
		if c.Status == 200 && json.Unmarshal(c.Body, &body) == nil {
			ids = append(ids, body.ID)
		}
	}
	return ids
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

func statusFault(code int) emulator.Fault {
	return emulator.Fault{Kind: emulator.FaultStatus, Status: code}
}

// pagesOf is how many pages of the token list n tokens fill.
func pagesOf(n int) int { return (n + b2b.MaxPageSize - 1) / b2b.MaxPageSize }

// createsNamed counts the creates whose body names the token name.
func (e *accEnv) createsNamed(name string) int {
	n := 0
	for _, c := range e.callsTo(routeCreateToken) {
		var body struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(c.Body, &body) == nil && body.Name == name {
			n++
		}
	}
	return n
}

// borrowedCreates counts the creates of short-lived credentials, which a run without any
// credential of the store makes to list it before its first create.
func (e *accEnv) borrowedCreates() int {
	n := 0
	for _, c := range e.callsTo(routeCreateToken) {
		if strings.Contains(string(c.Body), b2b.BorrowedNamePrefix) {
			n++
		}
	}
	return n
}

// expectCreates fails the test unless the emulator saw want creates of tokens named name.
func (e *accEnv) expectCreates(name string, want int, why string) {
	e.t.Helper()
	if got := e.createsNamed(name); got != want {
		e.t.Errorf("%d creates of %q, want %d: %s", got, name, want, why)
	}
}

// passThrough is a fault that changes nothing: queued first, it lets a route's next request
// through and spoils the one after (the create after a borrowed credential's).
var passThrough = emulator.Fault{Kind: emulator.FaultSlow}

// noBorrowedLeft is a CheckDestroy part: every short-lived credential was deleted.
func (e *accEnv) noBorrowedLeft() error {
	if left := e.tokensPrefixed(b2b.BorrowedNamePrefix); len(left) > 0 {
		return fmt.Errorf("%d short-lived credentials left in the store", len(left))
	}
	return nil
}
