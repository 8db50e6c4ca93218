package provider

import (
	"strconv"
	"strings"
	"testing"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// hostSwitch is one store served at two API hosts, as when api_url changes: a token made at
// the first is unknown at the second.
type hostSwitch struct {
	at, other     *accEnv
	argsAt, argsB []string
}

func newHostSwitch(t *testing.T, withAuthToken bool) hostSwitch {
	h := hostSwitch{at: newAccEnv(t), other: newAccEnv(t)}
	if withAuthToken {
		a, _ := h.at.bootstrapAuthToken()
		b, _ := h.other.bootstrapAuthToken()
		h.argsAt, h.argsB = []string{a}, []string{b}
	}
	return h
}

// valueSentTo reports the calls to env that carry value anywhere in their headers or body.
func valueSentTo(env *accEnv, value string) []emulator.Call {
	var sent []emulator.Call
	for _, c := range env.emu.Calls() {
		for _, vs := range c.Header {
			for _, v := range vs {
				if strings.Contains(v, value) {
					sent = append(sent, c)
				}
			}
		}
		if strings.Contains(string(c.Body), value) {
			sent = append(sent, c)
		}
	}
	return sent
}

// After api_url changes, a token made at the old host is never sent to the new one, never
// read there as gone, and never deleted through it: plan (refreshed or not) keeps it as it is
// and says so; destroy and replacement fail at plan naming both hosts; back at its host, it is
// managed as before.
func TestAccServerToken_otherHost(t *testing.T) {
	for _, withAuthToken := range credentialModes {
		t.Run(modeName(withAuthToken), func(t *testing.T) {
			h := newHostSwitch(t, withAuthToken)
			cli := newTerraformCLI(t, h.at, "1.5.0")
			atHome := h.at.provider(h.argsAt...) + serverTokenConfig("hosted", withPassword)
			elsewhere := h.other.provider(h.argsB...) + serverTokenConfig("hosted", withPassword)
			cli.apply(atHome)
			made := h.at.tokensNamed("hosted")
			if len(made) != 1 {
				t.Fatalf("the first host holds %d tokens named hosted, want 1", len(made))
			}
			value := made[0].Token
			hostA, hostB := strings.TrimSuffix(h.at.url, "/api/io"), strings.TrimSuffix(h.other.url, "/api/io")

			cli.write("main.tf", cli.requiredProviders()+elsewhere)
			for _, flags := range [][]string{{}, {"-refresh=false"}} {
				out := cli.run(append([]string{"plan", "-input=false"}, flags...)...)
				cli.contains(out, `No changes`)
				cli.contains(out, `Server token made at another API host: hosted`, `was made at `+hostA, `api_url is now `+hostB)
			}
			for _, args := range [][]string{{"destroy", "-auto-approve", "-input=false"}, {"destroy", "-auto-approve", "-input=false", "-refresh=false"}} {
				out, err := cli.exec(args...)
				if err == nil {
					t.Fatalf("terraform %s at the other host succeeded:\n%s", strings.Join(args, " "), out)
				}
				cli.contains(out, `Cannot destroy a server token made at another API host: hosted`, `nothing was sent`, hostA, hostB)
			}
			renamed := h.other.provider(h.argsB...) + serverTokenConfig("hosted-renamed", withPassword)
			cli.write("main.tf", cli.requiredProviders()+renamed)
			if out, err := cli.exec("apply", "-auto-approve", "-input=false", "-refresh=false"); err == nil {
				t.Fatalf("a replacement at the other host succeeded:\n%s", out)
			} else {
				cli.contains(out, `Cannot replace a server token made at another API host: hosted`)
			}
			if sent := valueSentTo(h.other, value); len(sent) > 0 {
				t.Errorf("the token made at %s was sent to %s: %+v", hostA, hostB, sent[0])
			}
			if n := len(h.other.callsTo(routeDeleteToken)) + len(h.other.callsTo(routeCreateToken)); n != 0 {
				t.Errorf("%d creates or deletes were sent to the other host", n)
			}
			if got := h.at.tokensNamed("hosted"); len(got) != 1 || got[0].ID != made[0].ID {
				t.Fatalf("the token at its own host is %v, want %v untouched", got, made)
			}
			if st := cli.state(); st[strconv.FormatInt(made[0].ID, 10)] == nil {
				t.Fatalf("state lost the token: %v", st)
			}

			cli.write("main.tf", cli.requiredProviders()+atHome)
			cli.run("destroy", "-auto-approve", "-input=false")
			if got := h.at.tokensNamed("hosted"); len(got) != 0 {
				t.Fatalf("destroy at the token's own host left %v", got)
			}
		})
	}
}
