package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// terraformCLI runs the Terraform CLI of TF_ACC_TERRAFORM_PATH (else the terraform on PATH,
// as terraform-plugin-testing does) in a directory of its own, against this test's provider
// served in the test process (as terraform-plugin-testing serves it, through
// TF_REATTACH_PROVIDERS), for what terraform-plugin-testing cannot drive or see:
// `terraform query -generate-config-out`, `terraform apply -invoke`, and the warnings a run
// prints.
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
		var err error
		if bin, err = exec.LookPath("terraform"); err != nil {
			t.Skip("needs TF_ACC_TERRAFORM_PATH or terraform on PATH, a Terraform CLI >= " + minVersion)
		}
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

// requiredProviders names the provider by its full address, which OpenTofu too resolves to
// the reattached provider.
func (c *terraformCLI) requiredProviders() string {
	return "terraform {\n  required_providers {\n    b2b = {\n      source = \"registry.terraform.io/b2bedition/b2b\"\n    }\n  }\n}\n"
}

// apply writes config as main.tf and applies it; it returns the output, warnings included.
func (c *terraformCLI) apply(config string) string {
	c.t.Helper()
	c.write("main.tf", c.requiredProviders()+config)
	return c.run("apply", "-auto-approve", "-input=false")
}

// applyFails is apply for a run that must fail; it returns the output.
func (c *terraformCLI) applyFails(config string) string {
	c.t.Helper()
	c.write("main.tf", c.requiredProviders()+config)
	c.init()
	out, err := c.exec("apply", "-auto-approve", "-input=false")
	if err == nil {
		c.t.Fatalf("terraform apply succeeded, want a failure:\n%s", out)
	}
	return out
}

// contains fails the test unless out holds every text, whitespace aside.
func (c *terraformCLI) contains(out string, texts ...string) {
	c.t.Helper()
	if !errorText(texts...).MatchString(out) {
		c.t.Errorf("the CLI's output does not say %q:\n%s", texts, out)
	}
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
	c.init()
	out, err := c.exec(args...)
	if err != nil {
		c.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// init runs terraform init once.
func (c *terraformCLI) init() {
	c.t.Helper()
	if _, err := os.Stat(filepath.Join(c.dir, ".terraform")); err == nil {
		return
	}
	if out, err := c.exec("init", "-input=false"); err != nil {
		c.t.Fatalf("terraform init: %v\n%s", err, out)
	}
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
