package provider

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// An in-place rotation whose reply was lost is settled by the next apply, refreshed or not
// (-refresh=false): while the list cannot show what it made, the apply fails and sends no
// create; once it can, the token it made becomes the current one, and no create is re-sent.
// Destroy then leaves nothing.
func TestAccServerTokenRotation_lostReplySettledAtApplyWithoutRefresh(t *testing.T) {
	t.Parallel()
	for _, withAuthToken := range credentialModes {
		t.Run(modeName(withAuthToken), func(t *testing.T) {
			t.Parallel()
			env, clock := newRotationEnv(t)
			args := []string{`request_timeout = "1s"`}
			if withAuthToken {
				authArg, _ := env.bootstrapAuthToken()
				args = append(args, authArg)
			}
			cli := newTerraformCLI(t, env, "1.11.0")
			cli.apply(rotatingConfig(env, "1", args...))
			first := env.tokensNamed(rotatingName)

			env.emu.SetListLag(-1)
			env.emu.InjectFault(routeCreateToken, emulator.Fault{Kind: emulator.FaultStatus, Status: 500, AfterHandling: true})
			cli.contains(cli.applyFails(rotatingConfig(env, "2", args...)), `Server token rotation may have made a token: rotating`)

			for range 2 { // the list still hides it: nothing is sent, whatever the flags
				out, err := cli.exec("apply", "-auto-approve", "-input=false", "-refresh=false")
				if err == nil {
					t.Fatalf("an apply that cannot settle the lost rotation succeeded:\n%s", out)
				}
				cli.contains(out, `Earlier rotation not settled: rotating`, `Earlier create not settled: rotating`)
			}
			env.expectCreates(rotatingName, 2, "the token and the rotation whose reply was lost, never re-sent")

			env.emu.SetListLag(0)
			env.emu.RevealAll()
			clock.Advance(time.Minute)
			cli.contains(cli.run("apply", "-auto-approve", "-input=false", "-refresh=false"), `Server token rotation found`)
			env.expectCreates(rotatingName, 2, "the lost rotation's token is adopted, not made again")
			live := env.tokensNamed(rotatingName)
			if len(live) != 2 {
				t.Fatalf("%d tokens named %s live, want the first and the rotation's", len(live), rotatingName)
			}
			state := cli.state()
			made := live[1]
			if made.ID == first[0].ID {
				made = live[0]
			}
			got := state[strconv.FormatInt(made.ID, 10)]
			if got == nil || got["previous_id"] != strconv.FormatInt(first[0].ID, 10) {
				t.Fatalf("state is %v, want the rotation's token %d current and %d kept", state, made.ID, first[0].ID)
			}
			cli.run("destroy", "-auto-approve", "-input=false")
			if left := env.tokensNamed(rotatingName); len(left) != 0 {
				t.Fatalf("destroy left %v", left)
			}
		})
	}
}

// A create whose reply was lost leaves the resource tainted, and Terraform hands the
// replacement's delete none of the tainted object's private state: only a refresh carries
// the record of the create across. An apply with -refresh=false therefore stops before it
// creates anything, and keeps what it knows (name, email, store, host). Without the record,
// the next apply cannot tell the lost create's token from another of that name and email:
// it fails naming it, creates nothing, and an import settles it. Both credential modes.
func TestAccServerTokenLostCreate_taintedWithoutRefreshCreatesNothing(t *testing.T) {
	t.Parallel()
	for _, withAuthToken := range credentialModes {
		t.Run(modeName(withAuthToken), func(t *testing.T) {
			t.Parallel()
			env, args, injectLost := lostCreateEnv(t, withAuthToken)
			clock := env.fakeClock()
			cli := newTerraformCLI(t, env, "1.11.0")
			config := env.provider(args...) + serverTokenConfig("tainted", withPasswordWO)
			env.emu.SetListLag(-1)
			injectLost(emulator.Fault{Kind: emulator.FaultStatus, Status: 500, AfterHandling: true})
			cli.contains(cli.applyFails(config), `Server token create may have made a token: tainted`)

			out, err := cli.exec("apply", "-auto-approve", "-input=false", "-refresh=false")
			if err == nil {
				t.Fatalf("an apply without refresh replaced the tainted token:\n%s", out)
			}
			cli.contains(out, `Earlier create not settled: tainted`, `-refresh=false`, `Nothing was deleted or created`)
			env.expectCreates("tainted", 1, "no create while the lost one is unsettled")

			env.emu.SetListLag(0)
			env.emu.RevealAll()
			clock.Advance(time.Minute)
			live := env.tokensNamed("tainted")
			if len(live) != 1 {
				t.Fatalf("%d tokens named tainted live, want the lost create's", len(live))
			}
			id := strconv.FormatInt(live[0].ID, 10)
			out, err = cli.exec("apply", "-auto-approve", "-input=false")
			if err == nil {
				t.Fatalf("an apply that cannot tell the lost create's token from another succeeded:\n%s", out)
			}
			cli.contains(out, `Earlier create not settled: tainted`, `cannot tell apart: ids `+id, `terraform import`)
			env.expectCreates("tainted", 1, "nothing is created while the lost create's token is not told")

			cli.run("state", "rm", tokenAddr)
			if !withAuthToken { // an import reads the list with a credential of the provider's own
				authArg, _ := env.bootstrapAuthToken()
				cli.write("main.tf", cli.requiredProviders()+env.provider(append(args, authArg)...)+serverTokenConfig("tainted", withPasswordWO))
			}
			cli.run("import", "-input=false", tokenAddr, id)
			cli.run("apply", "-auto-approve", "-input=false")
			env.expectCreates("tainted", 1, "the imported token is the lost create's")
			if cli.state()[id] == nil {
				t.Fatalf("state %v does not hold the lost create's token %s", cli.state(), id)
			}
			cli.run("destroy", "-auto-approve", "-input=false")
			if left := env.tokensNamed("tainted"); len(left) != 0 {
				t.Fatalf("destroy left %v", left)
			}
		})
	}
}

// With a refresh, the replacement of a tainted lost create keeps the token the create made
// (found by the refresh with auth_token, by the apply's borrowed credential without),
// creating and deleting nothing. With create_before_destroy the create runs before the
// delete of the object it replaces, and Terraform gives it nothing of that object: it makes
// a new token, and the delete that follows removes what the earlier create made. Either way
// no duplicate is left, in both credential modes, and the next plan is empty.
func TestAccServerTokenLostCreate_replacementKeepsTheTokenFound(t *testing.T) {
	t.Parallel()
	for _, withAuthToken := range credentialModes {
		for _, createBeforeDestroy := range []bool{false, true} {
			t.Run(modeName(withAuthToken)+"/create_before_destroy="+strconv.FormatBool(createBeforeDestroy), func(t *testing.T) {
				t.Parallel()
				env, args, injectLost := lostCreateEnv(t, withAuthToken)
				clock := env.fakeClock()
				cli := newTerraformCLI(t, env, "1.11.0")
				var extra []string
				if createBeforeDestroy {
					extra = append(extra, "lifecycle {\n    create_before_destroy = true\n  }")
				}
				config := env.provider(args...) + serverTokenConfig("tainted", withPasswordWO, extra...)
				env.emu.SetListLag(-1)
				injectLost(emulator.Fault{Kind: emulator.FaultStatus, Status: 500, AfterHandling: true})
				cli.contains(cli.applyFails(config), `Server token create may have made a token: tainted`)

				env.emu.SetListLag(0)
				env.emu.RevealAll()
				clock.Advance(time.Minute)
				cli.run("apply", "-auto-approve", "-input=false")
				live := env.tokensNamed("tainted")
				if len(live) != 1 || cli.state()[strconv.FormatInt(live[0].ID, 10)] == nil {
					t.Fatalf("live %v, state %v: want one token, in state", live, cli.state())
				}
				if !createBeforeDestroy {
					env.expectCreates("tainted", 1, "the lost create's token is kept by the replacement")
					if len(env.callsTo(routeDeleteToken)) != env.borrowedCreates() {
						t.Errorf("%d deletes, want only the %d borrowed credentials'", len(env.callsTo(routeDeleteToken)), env.borrowedCreates())
					}
				}
				if out := cli.run("plan", "-input=false"); !errorText(`No changes`).MatchString(out) {
					t.Errorf("the plan after settling is not empty:\n%s", out)
				}
				cli.run("destroy", "-auto-approve", "-input=false")
				if left := env.tokensNamed("tainted"); len(left) != 0 {
					t.Fatalf("destroy left %v", left)
				}
				if err := env.noBorrowedLeft(); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

// hidingBorrowed answers listings as the emulator does, without the short-lived tokens the
// provider borrows: a list that shows them later than the run can wait. With counted, the
// listing's totalCount still counts them, so that no listing is complete.
func hidingBorrowed(env *accEnv, counted bool) frontFunc {
	return listingWithout(env, func(t emulator.Token) bool { return strings.HasPrefix(t.Name, b2b.BorrowedNamePrefix) }, counted)
}

// A short-lived credential borrowed for a create and not listed in time to be deleted is
// recorded with the resource (its name, never its value), and deleted by the next apply once
// the list shows it, refreshed or not; nothing is left after.
func TestAccServerToken_borrowedCredentialLeftIsDeletedLater(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cli := newTerraformCLI(t, env, "1.11.0")
	config := env.provider() + serverTokenConfig("borrower", withPasswordWO)
	unhide := env.inFront(hidingBorrowed(env, false))
	cli.contains(cli.apply(config), `Short-lived credential left in the store`, `a later apply deletes it`)
	unhide()
	if n := len(env.tokensPrefixed(b2b.BorrowedNamePrefix)); n != 1 {
		t.Fatalf("%d borrowed credentials live, want the one left", n)
	}
	if strings.Contains(cli.read("terraform.tfstate"), env.tokensPrefixed(b2b.BorrowedNamePrefix)[0].Token) {
		t.Fatal("state holds the borrowed credential's value")
	}
	// A listing that shows a newer token but not the borrowed one is complete evidence that
	// someone deleted it; one that cannot be complete (it counts a token it does not show)
	// proves nothing, and the record is kept.
	unhide = env.inFront(hidingBorrowed(env, true))
	cli.contains(cli.apply(config), `Short-lived credential to delete: borrower`, `Short-lived credential still left in the store`)
	unhide()
	cli.contains(cli.run("apply", "-auto-approve", "-input=false", "-refresh=false"), `Short-lived credential to delete: borrower`)
	if err := env.noBorrowedLeft(); err != nil {
		t.Fatal(err)
	}
	cli.contains(cli.run("plan", "-input=false"), `No changes`)
	env.expectCreates("borrower", 1, "one token; the borrowed credentials aside")
	cli.run("destroy", "-auto-approve", "-input=false")
	if left := env.tokensNamed("borrower"); len(left) != 0 {
		t.Fatalf("destroy left %v", left)
	}
}
