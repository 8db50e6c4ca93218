package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// list_lag out of its bounds fails the plan with the argument's path, whether it comes from
// the configuration (at validate time) or from B2B_LIST_LAG (when the provider is
// configured), and nothing is sent to the API.
func TestAccProvider_listLagValidation(t *testing.T) {
	t.Parallel()
	const reader = "data \"b2b_server_tokens\" \"all\" {}\n"
	cases := []struct{ name, arg, envValue, want string }{
		{"too short in the configuration", `list_lag = "500ms"`, "", `(?s)list_lag.*must be a Go duration from 1s to\s+1h; got "500ms"`},
		{"zero in the configuration", `list_lag = "0s"`, "", `(?s)list_lag.*from 1s to\s+1h`},
		{"too long in the configuration", `list_lag = "2h"`, "", `(?s)list_lag.*from 1s to\s+1h`},
		{"not a duration in the configuration", `list_lag = "soon"`, "", `(?s)list_lag.*(?i)duration`},
		{"not a duration in the environment", "", "soon", `(?s)B2B_LIST_LAG must be a Go duration such as\s+"30s", got\s+"soon"`},
		{"too long in the environment", "", "2h", `(?s)B2B_LIST_LAG must be a Go duration from 1s to 1h,\s+got\s+"2h"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newAccEnv(t)
			env.env[envAuthToken] = env.emu.AddToken("bootstrap", testEmail).Token
			if tc.envValue != "" {
				env.env[envListLag] = tc.envValue
			}
			var args []string
			if tc.arg != "" {
				args = append(args, tc.arg)
			}
			env.test(t, allVersions, []resource.TestStep{{
				Config:      env.provider(args...) + reader,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(tc.want),
			}})
			env.expectNoCalls("list_lag validation")
		})
	}
}

// A list_lag within bounds, from the configuration or the environment, is accepted.
func TestAccProvider_listLagAccepted(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	env.env[envAuthToken] = env.emu.AddToken("bootstrap", testEmail).Token
	env.env[envListLag] = "1h"
	env.test(t, allVersions, []resource.TestStep{
		{Config: env.provider(`list_lag = "2m"`) + "data \"b2b_server_tokens\" \"all\" {}\n"},
		{Config: env.provider() + "data \"b2b_server_tokens\" \"all\" {}\n"},
	})
}
