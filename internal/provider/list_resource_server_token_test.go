package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

var terraform114 = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)}

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
	pages := (seededTokenCount + 4 + b2b.MaxPageSize - 1) / b2b.MaxPageSize
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		TerraformVersionChecks:   terraform114,
		Steps: []resource.TestStep{
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
		},
	})
	// Seven list blocks, whatever their results: one listing of the store, each page once.
	// (Query steps run no Check functions, and nothing else in this test lists.)
	checkOneListing(t, env, pages)
	if n := env.emu.CallCount("POST /auth/backend") + env.emu.CallCount("DELETE /auth/backend"); n != 0 {
		t.Errorf("a query must not create or delete tokens, got %d calls", n)
	}
}

// checkOneListing checks that the emulator saw one listing of the store: pages pages, each once.
func checkOneListing(t *testing.T, env *accEnv, pages int) {
	t.Helper()
	calls := env.callsTo("GET /backend/tokens")
	offsets := map[string]bool{}
	for _, c := range calls {
		q, _ := url.ParseQuery(c.RawQuery)
		offsets[q.Get("offset")] = true
	}
	if len(calls) != pages || len(offsets) != pages {
		t.Errorf("want one listing, %d pages each read once; got %d calls of GET /backend/tokens for %d pages", pages, len(calls), len(offsets))
	}
}

func TestAccServerTokenListResource_includeResource(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	tok := env.emu.AddToken("ci-deploy", testEmail)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		TerraformVersionChecks:   terraform114,
		Steps: []resource.TestStep{
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
							{Path: tfjsonpath.New("token"), KnownValue: knownvalue.StringExact(tok.Token)},
							{Path: tfjsonpath.New("password"), KnownValue: knownvalue.Null()},
						}),
				},
			},
		},
	})
}

func TestAccServerTokenListResource_errors(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cases := map[string]struct{ provider, query, want string }{
		"no credential": {env.provider(), listBlock("all", ""), `(?s)No credential to list.*B2B_AUTH_TOKEN`},
		"invalid email": {env.provider(), listBlock("all", "", `email = "not-an-email"`), `(?s)email.*must be an email address`},
		"invalid store": {env.provider(), listBlock("all", "", `store_hash = "ABC"`), `(?s)store_hash.*lowercase`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factories(),
				TerraformVersionChecks:   terraform114,
				Steps: []resource.TestStep{
					{Config: tc.provider},
					{Query: true, Config: tc.query, ExpectError: regexp.MustCompile(tc.want)},
				},
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
	for _, tok := range handmade {
		if !regexp.MustCompile(`id\s*=\s*"` + strconv.FormatInt(tok.ID, 10) + `"`).MatchString(generated) {
			t.Errorf("generated.tf has no import of token %d:\n%s", tok.ID, generated)
		}
	}
	if n := len(env.callsTo("GET /backend/tokens")); n != 1 {
		t.Errorf("want one listing for the query, got %d", n)
	}

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
		if !ok || attrs["token"] != tok.Token || attrs["name"] != tok.Name {
			t.Errorf("token %d was not imported with its value and name", tok.ID)
		}
	}
	if n := env.emu.CallCount("POST /auth/backend") + env.emu.CallCount("DELETE /auth/backend"); n != 0 {
		t.Errorf("adopting tokens must not create or delete any, got %d calls", n)
	}
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

// terraformCLI runs the Terraform CLI of TF_ACC_TERRAFORM_PATH in a directory of its own,
// against this test's provider served in the test process (as terraform-plugin-testing
// serves it, through TF_REATTACH_PROVIDERS), for what terraform-plugin-testing cannot drive:
// `terraform query -generate-config-out` and `terraform apply -invoke`.
type terraformCLI struct {
	t        *testing.T
	bin, dir string
	environ  []string
}

func newTerraformCLI(t *testing.T, env *accEnv, minVersion string) *terraformCLI {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	bin := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if bin == "" {
		t.Skip("needs TF_ACC_TERRAFORM_PATH, a Terraform CLI >= " + minVersion)
	}
	cli := &terraformCLI{t: t, bin: bin, dir: t.TempDir()}
	cli.write("terraformrc", "")
	cli.environ = append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+filepath.Join(cli.dir, "terraformrc"),
		"TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_INPUT=0")
	if !cli.versionAtLeast(minVersion) {
		t.Skipf("needs Terraform >= %s", minVersion)
	}

	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig)
	closed := make(chan struct{})
	server, err := env.factories()["b2b"]()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = tf6server.Serve("registry.terraform.io/b2bedition/b2b", func() tfprotov6.ProviderServer { return server },
			tf6server.WithDebug(ctx, reattach, closed),
			tf6server.WithGoPluginLogger(hclog.New(&hclog.LoggerOptions{Output: io.Discard})),
			tf6server.WithLoggingSink(t),
			tf6server.WithoutLogStderrOverride())
	}()
	var cfg *plugin.ReattachConfig
	select {
	case cfg = <-reattach:
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("the provider server did not start")
	}
	t.Cleanup(func() {
		cancel()
		<-closed
	})
	attach := map[string]any{
		"Protocol": string(cfg.Protocol), "ProtocolVersion": cfg.ProtocolVersion, "Pid": cfg.Pid, "Test": true,
		"Addr": map[string]string{"Network": cfg.Addr.Network(), "String": cfg.Addr.String()},
	}
	reattachJSON, _ := json.Marshal(map[string]any{"registry.terraform.io/b2bedition/b2b": attach})
	cli.environ = append(cli.environ, "TF_REATTACH_PROVIDERS="+string(reattachJSON))
	return cli
}

func (c *terraformCLI) requiredProviders() string {
	return "terraform {\n  required_providers {\n    b2b = {\n      source = \"b2bedition/b2b\"\n    }\n  }\n}\n"
}

func (c *terraformCLI) versionAtLeast(least string) bool {
	out, err := c.exec("version", "-json")
	if err != nil {
		c.t.Fatalf("terraform version: %v\n%s", err, out)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if json.Unmarshal([]byte(out), &v) != nil {
		return false
	}
	got, err := version.NewVersion(v.Version)
	return err == nil && got.Core().GreaterThanOrEqual(version.Must(version.NewVersion(least)))
}

func (c *terraformCLI) write(name, content string) {
	c.t.Helper()
	if err := os.WriteFile(filepath.Join(c.dir, name), []byte(content), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

func (c *terraformCLI) read(name string) string {
	c.t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, name))
	if err != nil {
		c.t.Fatal(err)
	}
	return string(b)
}

func (c *terraformCLI) exec(args ...string) (string, error) {
	cmd := exec.Command(c.bin, append(args, "-no-color")...)
	cmd.Dir, cmd.Env = c.dir, c.environ
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// run runs a command, after terraform init, and fails the test when it fails.
func (c *terraformCLI) run(args ...string) string {
	c.t.Helper()
	if _, err := os.Stat(filepath.Join(c.dir, ".terraform")); err != nil {
		if out, err := c.exec("init", "-input=false"); err != nil {
			c.t.Fatalf("terraform init: %v\n%s", err, out)
		}
	}
	out, err := c.exec(args...)
	if err != nil {
		c.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// cliPlan is what these tests read of `terraform show -json` of a plan.
type cliPlan struct {
	ResourceChanges []struct {
		Address string `json:"address"`
		Change  struct {
			Actions   []string        `json:"actions"`
			Importing json.RawMessage `json:"importing"`
		} `json:"change"`
	} `json:"resource_changes"`
}

func (c *terraformCLI) plan() cliPlan {
	c.t.Helper()
	c.run("plan", "-input=false", "-out=tfplan")
	out, err := c.exec("show", "-json", "tfplan")
	if err != nil {
		c.t.Fatalf("terraform show: %v\n%s", err, out)
	}
	var plan cliPlan
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		c.t.Fatalf("terraform show -json: %v", err)
	}
	return plan
}

// state is the attributes of each b2b_server_token in state, by id.
func (c *terraformCLI) state() map[string]map[string]any {
	c.t.Helper()
	out, err := c.exec("show", "-json")
	if err != nil {
		c.t.Fatalf("terraform show: %v\n%s", err, out)
	}
	var state struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Type   string         `json:"type"`
					Values map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(out), &state); err != nil {
		c.t.Fatalf("terraform show -json: %v", err)
	}
	byID := map[string]map[string]any{}
	for _, r := range state.Values.RootModule.Resources {
		if r.Type == "b2b_server_token" {
			byID[fmt.Sprint(r.Values["id"])] = r.Values
		}
	}
	return byID
}
