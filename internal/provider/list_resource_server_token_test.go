package provider

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// identityOf is the identity a query result or a state has for an emulator token.
func identityOf(tok emulator.Token) map[string]knownvalue.Check {
	return map[string]knownvalue.Check{
		"id":         knownvalue.StringExact(strconv.FormatInt(tok.ID, 10)),
		"store_hash": knownvalue.StringExact(testStoreHash),
	}
}

// listBlock is a list block of the b2b_server_token list resource; meta is its own
// arguments (include_resource, limit), config the list resource's.
func listBlock(name, meta string, config ...string) string {
	block := fmt.Sprintf("list \"b2b_server_token\" %q {\n  provider = b2b\n  %s\n", name, meta)
	if len(config) > 0 {
		block += "  config {\n    " + strings.Join(config, "\n    ") + "\n  }\n"
	}
	return block + "}\n"
}

func TestAccServerTokenListResource_filtersAndDisplayNames(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	seeded := env.emu.SeedTokens(seededTokenCount, "seed-", testEmail)
	ciDeploy := env.emu.AddToken("ci-deploy", testEmail)
	ciTest := env.emu.AddToken("ci-test", "Ops@Example.com")
	erp := env.emu.AddToken("erp-sync", "ops@example.com")
	env.test(t, queryVersions, []resource.TestStep{
		{
			// A configuration step first: the query runs in its directory, with its provider block.
			Config: env.provider(authArg),
		},
		{
			PreConfig: func() { env.emu.ResetCalls() },
			Query:     true,
			Config: listBlock("all", "") +
				listBlock("seeds", "limit = 1000", `name_prefix = "seed-"`) +

				listBlock("ci", "", `name_prefix = "ci-"`) +
				listBlock("exact", "", `name = "ci-test"`) +
				listBlock("ops", "", `email = "OPS@example.COM"`) +
				listBlock("ci_ops", "", `name_prefix = "ci-"`, `email = "ops@example.com"`) +
				listBlock("none", "", `name = "nothing-has-this-name"`),
			QueryResultChecks: []querycheck.QueryResultCheck{
				// Terraform's default limit: 100 results of a list block, the newest first.
				querycheck.ExpectLength("b2b_server_token.all", 100),
				querycheck.ExpectIdentity("b2b_server_token.all", identityOf(erp)),
				querycheck.ExpectLength("b2b_server_token.seeds", seededTokenCount),
				querycheck.ExpectIdentity("b2b_server_token.seeds", identityOf(seeded[0])),
				querycheck.ExpectLength("b2b_server_token.ci", 2),
				querycheck.ExpectIdentity("b2b_server_token.ci", identityOf(ciDeploy)),
				querycheck.ExpectIdentity("b2b_server_token.ci", identityOf(ciTest)),
				querycheck.ExpectResourceDisplayName("b2b_server_token.ci",
					queryfilter.ByResourceIdentity(identityOf(ciDeploy)),
					knownvalue.StringExact(fmt.Sprintf("ci-deploy (id %d)", ciDeploy.ID))),
				querycheck.ExpectLength("b2b_server_token.exact", 1),
				querycheck.ExpectIdentity("b2b_server_token.exact", identityOf(ciTest)),
				// Emails compare case-insensitively.
				querycheck.ExpectLength("b2b_server_token.ops", 2),
				querycheck.ExpectIdentity("b2b_server_token.ops", identityOf(ciTest)),
				querycheck.ExpectIdentity("b2b_server_token.ops", identityOf(erp)),
				querycheck.ExpectLength("b2b_server_token.ci_ops", 1),
				querycheck.ExpectIdentity("b2b_server_token.ci_ops", identityOf(ciTest)),
				querycheck.ExpectLength("b2b_server_token.none", 0),
			},
		},
	})
	// Seven list blocks, whatever their results: one listing of the store, each page once.
	// (Query steps run no Check functions, and nothing else in this test lists.)
	if err := env.oneListing(seededTokenCount + 4); err != nil {
		t.Error(err)
	}
	env.expectCalls(routeCreateToken, 0, "a query creates nothing")
	env.expectCalls(routeDeleteToken, 0, "a query deletes nothing")
}

func TestAccServerTokenListResource_includeResource(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	tok := env.emu.AddToken("ci-deploy", testEmail)
	env.test(t, queryVersions, []resource.TestStep{
		{Config: env.provider(authArg)},
		{
			Query:  true,
			Config: listBlock("ci", "include_resource = true", `name = "ci-deploy"`),
			QueryResultChecks: []querycheck.QueryResultCheck{
				querycheck.ExpectLength("b2b_server_token.ci", 1),
				querycheck.ExpectResourceKnownValues("b2b_server_token.ci", queryfilter.ByResourceIdentity(identityOf(tok)),
					[]querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("id"), KnownValue: knownvalue.StringExact(strconv.FormatInt(tok.ID, 10))},
						{Path: tfjsonpath.New("name"), KnownValue: knownvalue.StringExact("ci-deploy")},
						{Path: tfjsonpath.New("email"), KnownValue: knownvalue.StringExact(testEmail)},
						{Path: tfjsonpath.New("store_hash"), KnownValue: knownvalue.StringExact(testStoreHash)},
						{Path: tfjsonpath.New("event_channel"), KnownValue: knownvalue.StringExact(tok.EventChannel)},
						// As after an import, no token value: query results hold no secret.
						{Path: tfjsonpath.New("token"), KnownValue: knownvalue.Null()},
						{Path: tfjsonpath.New("token_in_state"), KnownValue: knownvalue.Bool(false)},
						{Path: tfjsonpath.New("password"), KnownValue: knownvalue.Null()},
					}),
			},
		},
	})
}

func TestAccServerTokenListResource_errors(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cases := []struct{ name, query, want string }{
		{"no credential", listBlock("all", ""), `(?s)No credential to list.*B2B_AUTH_TOKEN`},
		{"invalid email", listBlock("all", "", `email = "not-an-email"`), `(?s)email.*must be an email address`},
		{"invalid store", listBlock("all", "", `store_hash = "ABC"`), `(?s)store_hash.*lowercase`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env.test(t, queryVersions, []resource.TestStep{
				{Config: env.provider()},
				{Query: true, Config: tc.query, ExpectError: regexp.MustCompile(tc.want)},
			})
		})
	}
}

// TestAccServerTokenListResource_generatedConfigImports is the adoption workflow: `terraform
// query -generate-config-out` writes a resource and an import block per token, and `terraform
// apply` of what it wrote imports them all, creating nothing. terraform-plugin-testing runs
// query steps without -generate-config-out, so this drives the CLI directly.
func TestAccServerTokenListResource_generatedConfigImports(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	handmade := []emulator.Token{
		env.emu.AddToken("ci-deploy", testEmail),
		env.emu.AddToken("ci-deploy", testEmail), // names need not be unique
		env.emu.AddToken("ci-test", "Ops@Example.com"),
	}
	env.emu.AddToken("erp-sync", testEmail) // not matched by the query
	cli := newTerraformCLI(t, env, "1.14.0")
	cli.write("main.tf", cli.requiredProviders()+env.provider(authArg))
	cli.write("tokens.tfquery.hcl", listBlock("ci", "", `name_prefix = "ci-"`))
	env.emu.ResetCalls()

	printed := cli.run("query", "-generate-config-out=generated.tf")
	generated := cli.read("generated.tf")
	if !regexp.MustCompile(`token_in_state\s*=\s*false`).MatchString(generated) {
		t.Errorf("generated.tf does not keep the values out of state:\n%s", generated)
	}
	for _, tok := range handmade {
		if !regexp.MustCompile(`id\s*=\s*"` + strconv.FormatInt(tok.ID, 10) + `"`).MatchString(generated) {
			t.Errorf("generated.tf has no import of token %d:\n%s", tok.ID, generated)
		}
	}
	env.expectCalls(routeListTokens, 1, "one listing serves the query")

	plan := cli.plan()
	if len(plan.ResourceChanges) != len(handmade) {
		t.Fatalf("want %d resource changes, got %d", len(handmade), len(plan.ResourceChanges))
	}
	for _, rc := range plan.ResourceChanges {
		if rc.Change.Importing == nil || strings.Join(rc.Change.Actions, ",") != "no-op" {
			t.Errorf("%s: want a no-op import, got actions %v (importing: %v)", rc.Address, rc.Change.Actions, rc.Change.Importing != nil)
		}
	}

	cli.run("apply", "-auto-approve", "-input=false")
	state := cli.state()
	if len(state) != len(handmade) {
		t.Fatalf("want %d resources in state, got %d", len(handmade), len(state))
	}
	for _, tok := range handmade {
		attrs, ok := state[strconv.FormatInt(tok.ID, 10)]
		// The generated configuration keeps no value in state (token_in_state = false).
		if !ok || attrs["token"] != nil || attrs["token_in_state"] != false || attrs["name"] != tok.Name {
			t.Errorf("token %d was not imported with its name and without its value: %v", tok.ID, attrs)
		}
	}
	env.expectCalls(routeCreateToken, 0, "adopting tokens creates none")
	env.expectCalls(routeDeleteToken, 0, "adopting tokens deletes none")
	// The adopted tokens are managed: a second plan has nothing to do.
	if plan := cli.plan(); len(plan.ResourceChanges) != len(handmade) || !allNoOp(plan) {
		t.Errorf("the plan after adoption is not empty")
	}

	// A query that includes the resources shows no token value either.
	cli.write("tokens.tfquery.hcl", listBlock("ci", "include_resource = true", `name_prefix = "ci-"`))
	printed += cli.run("query")
	for _, tok := range env.emu.Tokens() {
		if strings.Contains(printed+generated, tok.Token) {
			t.Errorf("the value of token %d appears in the query output or the generated configuration", tok.ID)
		}
	}
}

func allNoOp(plan cliPlan) bool {
	for _, rc := range plan.ResourceChanges {
		if strings.Join(rc.Change.Actions, ",") != "no-op" {
			return false
		}
	}
	return true
}
