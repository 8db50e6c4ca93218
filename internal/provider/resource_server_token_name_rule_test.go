package provider

import (
	"slices"
	"strconv"
	"testing"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// An API that keeps less of a name than was sent (the emulator's SetNameRule: trimmed,
// whitespace collapsed, cut at 20 code points), in both credential modes. A name that
// trimming or collapsing would change fails at plan, and nothing is sent. A longer name is
// cut: the token is found by the name its reply gives, even when that reply is lost (the
// name cut short is told from others' names, and the borrowed credential's, by the listing
// from before the create), and an apply whose reply arrives warns. The next plan changes
// nothing (state keeps the configured name), and destroy leaves nothing.
func TestAccServerToken_namesAsTheAPIKeepsThem(t *testing.T) {
	t.Parallel()
	name := "a-name-the-api-cuts-short-at-20" // the API keeps "a-name-the-api-cuts-"
	for _, withAuthToken := range credentialModes {
		t.Run(modeName(withAuthToken), func(t *testing.T) {
			t.Parallel()
			env, args, injectLost := lostCreateEnv(t, withAuthToken)
			env.emu.SetNameRule(emulator.NameRule{Trim: true, Collapse: true, MaxRunes: 20})
			cli := newTerraformCLI(t, env, "1.11.0")

			for _, changed := range []string{" lead", "two  spaces", "tab\tname"} {
				cli.contains(cli.applyFails(env.provider(args...)+serverTokenConfig(changed, withPasswordWO)),
					`Invalid Attribute Value`, `name`)
			}
			if n := len(env.callsTo(routeCreateToken)); n != 0 {
				t.Fatalf("%d creates sent for names the API would change, want none", n)
			}

			config := env.provider(args...) + serverTokenConfig(name, withPasswordWO)
			injectLost(emulator.Fault{Kind: emulator.FaultStatus, Status: 500, AfterHandling: true})
			cli.apply(config)
			made := env.tokensNamed(name[:20])
			if len(made) != 1 {
				t.Fatalf("%d tokens listed as %q, want 1", len(made), name[:20])
			}
			if got := cli.state()[strconv.FormatInt(made[0].ID, 10)]["name"]; got != name {
				t.Fatalf("state of token %d: name %v, want the configured %q", made[0].ID, got, name)
			}
			if left := env.tokensPrefixed(b2b.BorrowedNamePrefix[:20]); len(left) != 0 {
				t.Fatalf("borrowed credentials left, listed as the API cut their names: %v", left)
			}
			env.expectCreates(name, 1, "a create whose reply was lost is found by the name cut short")

			cli.contains(cli.apply(config), `0 added, 0 changed, 0 destroyed`)
			cli.contains(cli.run("destroy", "-auto-approve", "-input=false"), `1 destroyed`)

			cli.contains(cli.apply(config), `BigCommerce kept another name`, `lists it as "a-name-the-api-cuts-"`, `1 added`)
			cli.contains(cli.apply(config), `0 added, 0 changed, 0 destroyed`)
			cli.contains(cli.run("destroy", "-auto-approve", "-input=false"), `1 destroyed`)
			env.expectCreates(name, 2, "a create whose reply arrived is found by the name it gives")
			if left := env.tokensNamed(name[:20]); len(left) != 0 {
				t.Fatalf("left in the store: %v", left)
			}
		})
	}
}

// A create of a name the API cuts short fails with a 500 and makes nothing, while another
// pipeline makes a token of the same email whose name begins it ("a-name-the-api-cuts", 19
// code points). An API that cuts names keeps none longer than its cut, and the list shows a
// name of 20: so that token is another's, not this create's name cut short. The create is
// settled as "made nothing", the next apply makes this run's own token, and destroy leaves the
// other pipeline's alone. Both credential modes.
func TestAccServerToken_aShorterNameIsAnotherTokensNotACut(t *testing.T) {
	t.Parallel()
	name := "a-name-the-api-cuts-short-at-20"
	for _, withAuthToken := range credentialModes {
		t.Run(modeName(withAuthToken), func(t *testing.T) {
			t.Parallel()
			env, args, injectLost := lostCreateEnv(t, withAuthToken)
			env.settleWithinTheRun()
			env.emu.SetNameRule(emulator.NameRule{Trim: true, Collapse: true, MaxRunes: 20})
			env.emu.AddToken("another-token-name-x", "other@example.com") // 20 code points, as the API keeps names
			theirs := otherPipelineCreatesAs(env, name, name[:19])
			cli := newTerraformCLI(t, env, "1.11.0")
			config := env.provider(args...) + serverTokenConfig(name, withPasswordWO)

			injectLost(statusFault(500))
			cli.contains(cli.applyFails(config), `Could not create the server token`, `HTTP 500`)
			other := theirs()
			if cli.state()[strconv.FormatInt(other.ID, 10)] != nil {
				t.Fatalf("the lost create took the other pipeline's %q (id %d) for its own name cut short", other.Name, other.ID)
			}
			cli.contains(cli.apply(config), `1 added`)
			own := env.tokensNamed(name[:20])
			if len(own) != 1 || cli.state()[strconv.FormatInt(own[0].ID, 10)] == nil {
				t.Fatalf("tokens listed as %q: %v, want this run's one in state", name[:20], own)
			}
			cli.contains(cli.run("destroy", "-auto-approve", "-input=false"), `1 destroyed`)
			if _, ok := env.emu.Token(other.ID); !ok || slices.Contains(env.deletedIDs(), other.ID) {
				t.Fatalf("the other pipeline's token %d was deleted", other.ID)
			}
			env.expectCreates(name, 2, "the one that made nothing, then this run's own")
		})
	}
}
