package provider

import (
	"strings"
	"testing"
	"time"
)

// A replica behind the store (the emulator's SetReplicaAsOf), in both credential modes. Stuck
// before the token was made, it lists neither the token nor anything newer, so it proves
// nothing: every plan keeps the token. Stuck after the token was made but before someone
// else deleted it, it lists a token that is gone: with auth_token the plan keeps it until a
// listing without it (and with a newer token) shows it gone; with backend credentials only
// the API (which is current) refuses the token's own value, and that is proof enough. Then
// one token replaces it. A destroy while the replica lags deletes by id and needs no listing
// to agree. A create behind a stuck replica cannot find its id and fails; once the replica
// catches up, the next apply finds it and creates nothing. Nothing is created twice, and
// nothing is left, no borrowed credential either.
func TestAccServerToken_replicaBehindTheStore(t *testing.T) {
	t.Parallel()
	for _, withAuthToken := range credentialModes {
		t.Run(modeName(withAuthToken), func(t *testing.T) {
			t.Parallel()
			env := newAccEnv(t)
			cli := newTerraformCLI(t, env, "1.11.0")
			config := env.provider(providerArgsFor(env, withAuthToken)...) + serverTokenConfig("replica", withPasswordWO)
			cli.apply(config)
			made := env.tokensNamed("replica")[0]

			env.emu.SetReplicaAsOf(made.CreatedAt.Add(-time.Nanosecond))
			for range 2 {
				cli.contains(cli.run("plan", "-input=false"), `No changes`)
			}

			env.emu.SetReplicaAsOf(time.Now())
			env.emu.RemoveToken(made.ID)
			newer := env.emu.AddToken("newer", testEmail)
			gone := `Server token deleted outside Terraform`
			if withAuthToken {
				cli.contains(cli.run("plan", "-input=false"), `No changes`) // listed by the replica
			} else {
				gone = `Server token revoked outside Terraform` // the API refuses the token's own value
				cli.contains(cli.run("plan", "-input=false"), `1 to add`, gone)
			}
			env.emu.SetReplicaAsOf(time.Time{})
			cli.contains(cli.apply(config), gone, `1 added, 0 changed, 1 destroyed`)
			env.emu.RemoveToken(newer.ID)

			again := env.tokensNamed("replica")
			if len(again) != 1 || again[0].ID == made.ID {
				t.Fatalf("tokens named replica after the replacement: %v", again)
			}
			env.emu.SetReplicaAsOf(again[0].CreatedAt.Add(-time.Nanosecond))
			cli.run("destroy", "-auto-approve", "-input=false")
			if left := env.tokensNamed("replica"); len(left) != 0 {
				t.Fatalf("left after destroy behind a replica: %v", left)
			}

			env.emu.SetReplicaAsOf(time.Now())
			cli.contains(cli.applyFails(config), `Server token created, but its id was not found`)
			env.emu.SetReplicaAsOf(time.Time{})
			out := cli.apply(config)
			cli.contains(out, `Server token kept`, `1 added, 0 changed, 1 destroyed`)
			if strings.Contains(out, `already exists`) {
				t.Fatalf("the token found is taken for another pipeline's:\n%s", out)
			}
			if n := len(env.tokensNamed("replica")); n != 1 {
				t.Fatalf("%d tokens named replica once the replica caught up, want 1", n)
			}
			cli.run("destroy", "-auto-approve", "-input=false")
			if left := env.tokensNamed("replica"); len(left) != 0 {
				t.Fatalf("left after destroy: %v", left)
			}
			if err := env.noBorrowedLeft(); err != nil {
				t.Fatal(err)
			}
			env.expectCreates("replica", 3, "one create, one for the token deleted outside Terraform, one behind a stuck replica")
		})
	}
}
