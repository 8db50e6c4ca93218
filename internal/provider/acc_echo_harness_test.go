package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// The acceptance wiring of the ephemeral resources: an ephemeral value never reaches
// state, so the echo provider copies the values under test into the state of echo.test,
// the only place a test can see them.

const echoAddr = "echo.test"

var ephemeralVersions = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_10_0)}

// echoFactories are the provider under test and the echo provider.
func (e *accEnv) echoFactories() map[string]func() (tfprotov6.ProviderServer, error) {
	f := e.factories()
	f["echo"] = echoprovider.NewProviderServer()
	return f
}

// testEphemeral runs steps with the provider and echo, on a Terraform that has ephemeral
// resources.
func (e *accEnv) testEphemeral(t *testing.T, steps ...resource.TestStep) {
	t.Helper()
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   ephemeralVersions,
		ProtoV6ProviderFactories: e.echoFactories(),
		Steps:                    steps,
	})
}

// echoConfig makes echo.test hold data, an HCL expression.
func echoConfig(data string) string {
	return "provider \"echo\" {\n  data = " + data + "\n}\n\nresource \"echo\" \"test\" {}\n"
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

// echoed is the path of an attribute of the echoed data.
func echoed(attr string) tfjsonpath.Path { return tfjsonpath.New("data").AtMapKey(attr) }

func echoData(req statecheck.CheckStateRequest) (map[string]any, error) {
	attrs, err := stateAttributes(req, echoAddr)
	if err != nil {
		return nil, err
	}
	data, ok := attrs["data"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("echo.test data is %T, want an object", attrs["data"])
	}
	return data, nil
}

// onlyEcho fails when state holds anything but echo.test: ephemeral resources never reach it.
type onlyEcho struct{}

func (onlyEcho) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if req.State == nil || req.State.Values == nil {
		resp.Error = fmt.Errorf("no state")
		return
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address != echoAddr {
			resp.Error = fmt.Errorf("%s is in state; only %s should be", r.Address, echoAddr)
			return
		}
	}
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
