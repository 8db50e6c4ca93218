package provider

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// A name the API may not keep as sent fails the plan that would create a token with it,
// naming the attribute, and sends nothing; a token that exists with such a name (made by
// hand) is imported and planned without error, as the name rules are for creates only.
func TestAccServerToken_nameCheckedWhereATokenIsCreated(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	for _, name := range []string{" leading", "trailing ", "two  spaces", "tab\there", "new\nline"} {
		env.test(t, allVersions, []resource.TestStep{{
			Config:      env.provider(authArg) + serverTokenConfig(name, withPassword),
			PlanOnly:    true,
			ExpectError: errorText(`b2b_server_token.test`, `Attribute name must not`),
		}})
	}
	env.expectCreates(" leading", 0, "a plan that fails creates nothing")
	if n := len(env.callsTo(routeCreateToken)); n != 0 {
		t.Fatalf("%d creates sent for names the plan refused", n)
	}

	handMade := env.emu.AddToken("made  by hand", testEmail)
	cli := newTerraformCLI(t, env, "1.5.0")
	cli.write("main.tf", cli.requiredProviders()+env.provider(authArg)+
		fmt.Sprintf("import {\n  to = %s\n  id = %q\n}\n", tokenAddr, strconv.FormatInt(handMade.ID, 10))+
		tokenBlock("test", "made  by hand", `token_in_state = false`))
	cli.contains(cli.run("plan", "-input=false"), `1 to import`)
}
