package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// b2b_server_token_value reads an existing token's value from the run's shared listing, with
// the provider's own credential, in both credential modes: auth_token, and an access_token
// that BigCommerce accepts for listing.

var valueCredentialModes = []string{"auth_token", "access_token"}

// valueEnv is an emulated store and the provider arguments of a credential mode.
func valueEnv(t *testing.T, mode string) (*accEnv, []string) {
	t.Helper()
	if mode == "auth_token" {
		env := newAccEnv(t)
		return env, providerArgsFor(env, true)
	}
	env := newAccEnv(t, withCustomers, func(o *emulator.Options) { o.AccessTokenListsTokens = true })
	return env, []string{fmt.Sprintf("access_token = %q", storeLevelAccessToken)}
}

// tokenValueBlock is ephemeral.b2b_server_token_value.label of the token id, an HCL
// expression, with the extra argument lines.
func tokenValueBlock(label, id string, extra ...string) string {
	return hclBlock(fmt.Sprintf("ephemeral \"b2b_server_token_value\" %q", label), append([]string{"id = " + id}, extra...)...)
}

// echoTokenValue makes echo.test hold the results of ephemeral.b2b_server_token_value.x.
var echoTokenValue = echoAttributes("ephemeral.b2b_server_token_value.x", "token", "name", "email", "event_channel", "store_hash")

// testTokenValue runs steps with the provider and echo, on a CLI with write-only arguments
// (the configurations that make a b2b_server_token set password_wo).
func (e *accEnv) testTokenValue(t *testing.T, steps ...resource.TestStep) {
	t.Helper()
	factories := e.factories()
	factories["echo"] = echoprovider.NewProviderServer()
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: factories,
		Steps:                    steps,
	})
}

// madeNothing is a check that the step created and deleted no token.
func (e *accEnv) madeNothing() checkNow {
	return func() error {
		if n, m := len(e.callsTo(routeCreateToken)), len(e.callsTo(routeDeleteToken)); n+m != 0 {
			return fmt.Errorf("%d creates and %d deletes, want none", n, m)
		}
		return nil
	}
}

// listedWith checks that a listing succeeded with value as the authToken, and nothing else.
func (e *accEnv) listedWith(value string) checkNow {
	return func() error {
		for _, c := range e.callsTo(routeListTokens) {
			if c.Status == http.StatusOK && credentialHeaders(c, map[string]string{"authToken": value}) == nil {
				return nil
			}
		}
		return fmt.Errorf("no listing was authenticated with the token value alone")
	}
}

// The value of a token that a b2b_server_token resource created is a working credential: a
// second, aliased b2b provider configured with it lists the store, and its
// b2b_server_tokens data source finds the token. The lookup creates and deletes nothing.
//
// terraform-plugin-testing serves one provider process to every configuration of it, which
// shares its configured data between them: the alias can only be configured after the
// ephemeral resource it reads is open, so reads through it use its own configuration, and the
// emulator's record shows which credential each listing sent.
func TestAccServerTokenValue_authenticatesAnotherProvider(t *testing.T) {
	t.Parallel()
	for _, mode := range valueCredentialModes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			env, args := valueEnv(t, mode)
			created := env.provider(args...) + tokenBlock("x", "valued", withPasswordWO)
			alias := fmt.Sprintf("provider \"b2b\" {\n  alias      = \"by_value\"\n  api_url    = %q\n  store_hash = %q\n"+
				"  auth_token = ephemeral.b2b_server_token_value.x.token\n}\n", env.url, testStoreHash)
			readThroughAlias := hclBlock(`data "b2b_server_tokens" "by_value"`, "provider = b2b.by_value", `name     = "valued"`)
			value := func() string {
				if tokens := env.tokensNamed("valued"); len(tokens) == 1 {
					return tokens[0].Token
				}
				return ""
			}
			env.testTokenValue(t, resource.TestStep{
				Config: created,
			}, resource.TestStep{
				PreConfig: env.emu.ResetCalls,
				Config: created + tokenValueBlock("x", "b2b_server_token.x.id") + alias + readThroughAlias +
					echoTokenValue,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(echoAddr, echoed("token"), "b2b_server_token.x", tfjsonpath.New("token"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(echoAddr, echoed("name"), knownvalue.StringExact("valued")),
					statecheck.ExpectKnownValue(echoAddr, echoed("email"), knownvalue.StringExact(testEmail)),
					statecheck.ExpectKnownValue(echoAddr, echoed("event_channel"), knownvalue.StringExact("app")),
					statecheck.ExpectKnownValue(echoAddr, echoed("store_hash"), knownvalue.StringExact(testStoreHash)),
					statecheck.ExpectKnownValue("data.b2b_server_tokens.by_value", tfjsonpath.New("tokens"), knownvalue.ListSizeExact(1)),
					statecheck.CompareValuePairs("data.b2b_server_tokens.by_value", tfjsonpath.New("tokens").AtSliceIndex(0).AtMapKey("id"),
						"b2b_server_token.x", tfjsonpath.New("id"), compare.ValuesSame()),
					checkNow(func() error { return env.listedWith(value())() }),
					env.madeNothing(),
				},
			})
		})
	}
}

// A token created in the same apply as the lookup of its value: Terraform opens the lookup
// once the token's id is known, at apply, and the page that showed the new token serves it.
// This is how a write-only argument of another provider gets a new token's value.
func TestAccServerTokenValue_tokenCreatedInTheSameApply(t *testing.T) {
	t.Parallel()
	for _, mode := range valueCredentialModes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			env, args := valueEnv(t, mode)
			env.emu.SeedTokens(seededTokenCount, "seed-", testEmail)
			env.testTokenValue(t, resource.TestStep{
				Config: env.provider(args...) + tokenBlock("x", "same-apply", withPasswordWO) +
					tokenValueBlock("x", "b2b_server_token.x.id") + echoTokenValue,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(echoAddr, echoed("token"), "b2b_server_token.x", tfjsonpath.New("token"), compare.ValuesSame()),
					statecheck.ExpectKnownValue(echoAddr, echoed("name"), knownvalue.StringExact("same-apply")),
				},
			})
		})
	}
}

// An id the store does not have is an error that names the id and the store, once two
// complete listings prove it; nothing is created or deleted.
func TestAccServerTokenValue_missingIDIsAnErrorNamingIt(t *testing.T) {
	t.Parallel()
	for _, mode := range valueCredentialModes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			env, args := valueEnv(t, mode)
			seeded := env.emu.SeedTokens(3, "seed-", testEmail)
			env.emu.RemoveToken(seeded[1].ID)
			missing := strconv.FormatInt(seeded[1].ID, 10)
			env.testEphemeral(t, resource.TestStep{
				Config:      env.provider(args...) + tokenValueBlock("x", strconv.Quote(missing)) + echoTokenValue,
				ExpectError: errorText(`Server token not found`, `Store "abc123" has no server token with id `+missing, `two complete listings`),
			}, resource.TestStep{
				// Above every id listed, absence cannot be told from a replica behind the store.
				Config:      env.provider(args...) + tokenValueBlock("x", `"4242"`) + echoTokenValue,
				ExpectError: errorText(`Could not read the server token value`, `no listing showed a token newer than id 4242`),
			})
			env.expectCalls(routeCreateToken, 0, "a lookup creates nothing")
			env.expectCalls(routeDeleteToken, 0, "a lookup deletes nothing")
		})
	}
}

// A lookup needs the provider's own credential: without auth_token or access_token it fails,
// naming both and their environment variables, before any request; the token a
// b2b_server_token resource of the run holds does not stand in for them.
func TestAccServerTokenValue_needsAProviderCredential(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	seeded := env.emu.AddToken("seeded", testEmail)
	needs := errorText(`No credential to read the server token value`,
		`auth_token \(or B2B_AUTH_TOKEN\)`, `access_token \(or BIGCOMMERCE_ACCESS_TOKEN\)`)
	created := env.provider() + tokenBlock("x", "own", withPasswordWO)
	env.testTokenValue(t, resource.TestStep{
		Config:      env.provider() + tokenValueBlock("x", fmt.Sprintf("%q", fmt.Sprint(seeded.ID))) + echoTokenValue,
		ExpectError: needs,
	}, resource.TestStep{
		PreConfig: func() { env.expectNoCalls("a lookup without a credential") },
		Config:    created,
	}, resource.TestStep{
		Config:      created + tokenValueBlock("x", "b2b_server_token.x.id") + echoTokenValue,
		ExpectError: needs,
	})
}

// A lookup whose listing gets a gateway's 404 page instead of the API's reply says that the
// value could not be read, and why; it never claims the token is gone.
func TestAccServerTokenValue_unreadableListingIsNoAbsence(t *testing.T) {
	t.Parallel()
	for _, mode := range valueCredentialModes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			env, args := valueEnv(t, mode)
			seeded := env.emu.AddToken("seeded", testEmail)
			var served atomic.Int32
			env.inFront(gatewayPage(routeListTokens, http.StatusNotFound, &served))
			env.testEphemeral(t, resource.TestStep{
				Config: env.provider(args...) + tokenValueBlock("x", fmt.Sprintf("%q", fmt.Sprint(seeded.ID))) + echoTokenValue,
				ExpectError: errorText(`Could not read the server token value`, fmt.Sprintf(`server token %d of store "abc123"`, seeded.ID),
					`does not mean that the token is gone`, `not the B2B API's own`),
			})
			if served.Load() == 0 {
				t.Error("the gateway's page was never served")
			}
		})
	}
}

// The id is checked at plan, with its attribute path, before any request: a positive integer.
func TestAccServerTokenValue_idMustBeAPositiveInteger(t *testing.T) {
	t.Parallel()
	env, args := valueEnv(t, "auth_token")
	var steps []resource.TestStep
	for _, id := range []string{`"abc"`, `"0"`, `"-1"`, `"12.5"`, `" 12"`, `"99999999999999999999"`} {
		steps = append(steps, resource.TestStep{
			Config:      env.provider(args...) + tokenValueBlock("x", id) + echoTokenValue,
			ExpectError: errorText(`Invalid token id`, `id = `+regexp.QuoteMeta(id), `Attribute id must be a positive integer`),
		})
	}
	steps = append(steps, resource.TestStep{
		Config:      env.provider(args...) + tokenValueBlock("x", `"1"`, `store_hash = "Not_A_Hash"`) + echoTokenValue,
		ExpectError: errorText(`Attribute store_hash must be a BigCommerce store hash`),
	})
	env.testEphemeral(t, steps...)
	env.expectNoCalls("an invalid id")
}

// Lookups share the run's listing: two of tokens on one page cost what one costs, and two
// at the opposite ends of a store of 600 read each page at most once, no more than one
// complete listing. Counted in the plan, where Terraform opens them.
func TestAccServerTokenValue_lookupsShareOneListing(t *testing.T) {
	t.Parallel()
	for _, mode := range valueCredentialModes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			env, args := valueEnv(t, mode)
			seeded := env.emu.SeedTokens(seededTokenCount, "seed-", testEmail)
			total := len(env.emu.Tokens())
			id := func(i int) string { return fmt.Sprintf("%q", fmt.Sprint(seeded[i].ID)) }
			config := func(ids ...string) string {
				out := env.provider(args...)
				echo := "{\n"
				for i, id := range ids {
					label := fmt.Sprintf("v%d", i)
					out += tokenValueBlock(label, id)
					echo += fmt.Sprintf("    %s = ephemeral.b2b_server_token_value.%s.name\n", label, label)
				}
				return out + echoConfig(echo+"  }")
			}
			var one int
			counted := func(config string, check func(calls []emulator.Call) error) resource.TestStep {
				return resource.TestStep{
					PreConfig: env.emu.ResetCalls,
					Config:    config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						checkNow(func() error { return check(env.callsTo(routeListTokens)) }),
					}},
				}
			}
			env.testEphemeral(t,
				counted(config(id(0)), func(calls []emulator.Call) error {
					one = len(calls)
					t.Logf("one lookup: %d list calls", one)
					if one == 0 {
						return fmt.Errorf("a lookup made no list call")
					}
					return nil
				}),
				counted(config(id(0), id(1)), func(calls []emulator.Call) error {
					if len(calls) != one {
						return fmt.Errorf("two lookups of tokens on one page made %d list calls, one lookup %d", len(calls), one)
					}
					return nil
				}),
				counted(config(id(0), id(len(seeded)-1)), func(calls []emulator.Call) error {
					t.Logf("two lookups at the ends of the store: %d list calls", len(calls))
					return noPageTwice(calls, pagesOf(total))
				}),
			)
			if left := env.emu.CallCount(routeCreateToken) + env.emu.CallCount(routeDeleteToken); left != 0 {
				t.Errorf("%d creates and deletes, want none", left)
			}
		})
	}
}

// noPageTwice checks that the listing calls read no page twice and at most most pages.
func noPageTwice(calls []emulator.Call, most int) error {
	if len(calls) > most {
		return fmt.Errorf("%d list calls, more than the %d pages of one complete listing", len(calls), most)
	}
	offsets := map[string]bool{}
	for _, c := range calls {
		q, _ := url.ParseQuery(c.RawQuery)
		if offsets[q.Get("offset")] {
			return fmt.Errorf("the page at offset %s was read twice", q.Get("offset"))
		}
		offsets[q.Get("offset")] = true
	}
	return nil
}

func TestServerTokenValueSchema(t *testing.T) {
	t.Parallel()
	r := NewServerTokenValueEphemeralResource()
	var meta ephemeral.MetadataResponse
	r.Metadata(context.Background(), ephemeral.MetadataRequest{ProviderTypeName: "b2b"}, &meta)
	if meta.TypeName != "b2b_server_token_value" {
		t.Errorf("type name %q", meta.TypeName)
	}
	var resp ephemeral.SchemaResponse
	r.Schema(context.Background(), ephemeral.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	if diags := resp.Schema.ValidateImplementation(context.Background()); diags.HasError() {
		t.Fatal(diags)
	}
	attrs := resp.Schema.Attributes
	if !attrs["id"].IsRequired() {
		t.Error("id must be required")
	}
	if !attrs["store_hash"].IsOptional() || !attrs["store_hash"].IsComputed() {
		t.Error("store_hash must be optional and computed")
	}
	if !attrs["token"].IsSensitive() || !attrs["token"].IsComputed() {
		t.Error("token must be computed and sensitive")
	}
	for _, name := range []string{"name", "email", "event_channel"} {
		if !attrs[name].IsComputed() || attrs[name].IsOptional() {
			t.Errorf("%s must be computed only", name)
		}
	}
	if len(attrs) != 6 {
		t.Errorf("%d attributes, want 6", len(attrs))
	}
	if _, ok := r.(ephemeral.EphemeralResourceWithClose); ok {
		t.Error("nothing to close: the lookup creates nothing")
	}
}

func TestServerTokenValueIDValidator(t *testing.T) {
	t.Parallel()
	for raw, valid := range map[string]bool{
		"1": true, "123": true, "007": true, "9223372036854775807": true,
		"0": false, "-1": false, "+1": false, "abc": false, "": false, " 1": false, "1.0": false, "9223372036854775808": false,
	} {
		var resp validator.StringResponse
		positiveTokenID{}.ValidateString(context.Background(), validator.StringRequest{
			Path: path.Root("id"), ConfigValue: types.StringValue(raw),
		}, &resp)
		if got := !resp.Diagnostics.HasError(); got != valid {
			t.Errorf("%q: valid = %v, want %v (%v)", raw, got, valid, resp.Diagnostics)
		}
	}
}

// A lookup, at TRACE, leaves no token value in the log: neither the value it reads nor the
// provider's credential, even though the value then configures a second provider that lists
// with it. TF_ACC_LOG_PATH collects the provider's lines and the CLI's; the test sets it, so it
// cannot run in parallel.
func TestAccServerTokenValue_logsNeverShowTheValue(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "terraform.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	t.Setenv("TF_LOG_PATH_MASK", "")
	t.Setenv("TF_LOG_PATH", "")
	env := newAccEnv(t)
	bootstrap := env.emu.AddToken("bootstrap", testEmail)
	seeded := env.emu.AddToken("seeded", opsEmail)
	// The configuration holds no secret: terraform-plugin-testing logs it literally.
	env.env[envAuthToken] = bootstrap.Token
	alias := fmt.Sprintf("provider \"b2b\" {\n  alias      = \"by_value\"\n  api_url    = %q\n  store_hash = %q\n"+
		"  auth_token = ephemeral.b2b_server_token_value.x.token\n}\n", env.url, testStoreHash)
	env.testEphemeral(t, resource.TestStep{
		Config: env.provider() + tokenValueBlock("x", fmt.Sprintf("%q", fmt.Sprint(seeded.ID))) + alias +
			hclBlock(`data "b2b_server_tokens" "by_value"`, "provider = b2b.by_value", `email    = "`+opsEmail+`"`) +
			echoAttributes("ephemeral.b2b_server_token_value.x", "name"),
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(echoAddr, echoed("name"), knownvalue.StringExact("seeded")),
			env.listedWith(seeded.Token),
		},
	})
	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("reading the log: %v", err)
	}
	logText := string(raw)
	for _, want := range []string{`b2b: B2B API request`, `path=/backend/tokens`, `tf_rpc=OpenEphemeralResource`} {
		if !strings.Contains(logText, want) {
			t.Errorf("the log (%d bytes) has no %q: provider logs were not captured", len(raw), want)
		}
	}
	for what, secret := range map[string]string{
		"value read": seeded.Token, "signature of the value read": jwtSignature(seeded.Token),
		"auth_token": bootstrap.Token, "auth_token signature": jwtSignature(bootstrap.Token),
	} {
		if i := strings.Index(logText, secret); i >= 0 {
			t.Errorf("the log shows the %s, e.g. in: %s", what, logLine(logText, i, secret))
		}
	}
}
