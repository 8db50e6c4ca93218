package provider

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

const rotatingName = "rotating"

// rotatingConfig is a token rotated in place on each new rotation value, keeping the old one
// for an hour.
func rotatingConfig(env *accEnv, rotation string, providerArgs ...string) string {
	return env.provider(providerArgs...) + serverTokenConfig(rotatingName, withPasswordWO,
		fmt.Sprintf("rotate_when_changed = { rotation = %q }", rotation),
		`keep_previous_for = "1h"`)
}

// liveTokens checks how many tokens named rotating the emulator holds.
func liveTokens(env *accEnv, want int) resource.TestCheckFunc {
	return env.holdsTokens(rotatingName, want)
}

// previousIsEmulatorToken checks that previous_id and previous_token are a token the
// emulator still holds, other than the current one.
func previousIsEmulatorToken(env *accEnv) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		return checkPrevious(env, s.RootModule().Resources[tokenAddr].Primary.Attributes)
	}
}

func checkPrevious(env *accEnv, attrs map[string]string) error {
	id, _ := strconv.ParseInt(attrs["previous_id"], 10, 64)
	tok, ok := env.emu.Token(id)
	switch {
	case !ok:
		return fmt.Errorf("previous_id %q is not a token the emulator holds", attrs["previous_id"])
	case tok.Token != attrs["previous_token"]:
		return fmt.Errorf("previous_token is not the value of token %d", id)
	case attrs["previous_id"] == attrs["id"]:
		return fmt.Errorf("previous_id is the current id")
	}
	return nil
}

// oldestRotating and newestRotating are the first and the last token made of the rotating
// resource: the emulator numbers tokens in the order it makes them.
func oldestRotating(env *accEnv) emulator.Token {
	return slices.MinFunc(env.tokensNamed(rotatingName), byID)
}

func newestRotating(env *accEnv) emulator.Token {
	return slices.MaxFunc(env.tokensNamed(rotatingName), byID)
}

func byID(a, b emulator.Token) int { return cmp.Compare(a.ID, b.ID) }

// newRotationEnv is an emulated store, and a clock that only the test advances, so that a
// kept token expires without waiting.
func newRotationEnv(t *testing.T) (*accEnv, *testClock) {
	t.Helper()
	env := newAccEnv(t)
	return env, env.fakeClock()
}

var noPrevious = []statecheck.StateCheck{
	statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("previous_id"), knownvalue.Null()),
	statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("previous_token"), knownvalue.Null()),
	statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("previous_expires_at"), knownvalue.Null()),
}

// A rotation keeps the old token beside the new one, with plans empty until it expires;
// the first plan after that is an update whose only effect is deleting it.
func TestAccServerTokenRotation_keepsPreviousUntilExpiry(t *testing.T) {
	t.Parallel()
	env, clock := newRotationEnv(t)
	previousIsFirst := statecheck.CompareValue(compare.ValuesSame())
	idChanges := statecheck.CompareValue(compare.ValuesDiffer())
	currentStays := statecheck.CompareValue(compare.ValuesSame())
	var firstID int64
	env.testTokens(t, []string{rotatingName}, []resource.TestStep{
		{
			Config: rotatingConfig(env, "2026-02"),
			ConfigStateChecks: append([]statecheck.StateCheck{
				stateMatchesEmulator(env, tokenAddr),
				previousIsFirst.AddStateValue(tokenAddr, tfjsonpath.New("id")),
				idChanges.AddStateValue(tokenAddr, tfjsonpath.New("id")),
			}, noPrevious...),
		},
		{
			PreConfig: func() { firstID = oldestRotating(env).ID },
			Config:    rotatingConfig(env, "2026-03"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(tokenAddr, tfjsonpath.New("id")),
					plancheck.ExpectUnknownValue(tokenAddr, tfjsonpath.New("token")),
					plancheck.ExpectUnknownValue(tokenAddr, tfjsonpath.New("previous_expires_at")),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				stateMatchesEmulator(env, tokenAddr),
				previousIsFirst.AddStateValue(tokenAddr, tfjsonpath.New("previous_id")),
				idChanges.AddStateValue(tokenAddr, tfjsonpath.New("id")),
				currentStays.AddStateValue(tokenAddr, tfjsonpath.New("id")),
				statecheck.ExpectSensitiveValue(tokenAddr, tfjsonpath.New("previous_token")),
				statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("previous_expires_at"),
					knownvalue.StringExact(clock.Now().Add(time.Hour).Format(time.RFC3339))),
			},
			Check: resource.ComposeTestCheckFunc(liveTokens(env, 2), previousIsEmulatorToken(env)),
		},
		{
			// A second before the expiry, nothing to do.
			PreConfig: func() { clock.Advance(time.Hour - time.Second) },
			Config:    rotatingConfig(env, "2026-03"),
			PlanOnly:  true,
		},
		{
			PreConfig: func() { clock.Advance(time.Second) },
			Config:    rotatingConfig(env, "2026-03"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("previous_id"), knownvalue.Null()),
					plancheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("previous_token"), knownvalue.Null()),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: append([]statecheck.StateCheck{
				stateMatchesEmulator(env, tokenAddr),
				currentStays.AddStateValue(tokenAddr, tfjsonpath.New("id")),
			}, noPrevious...),
			Check: resource.ComposeTestCheckFunc(liveTokens(env, 1), func(*terraform.State) error {
				if _, ok := env.emu.Token(firstID); ok {
					return fmt.Errorf("the expired token %d was not deleted", firstID)
				}
				return nil
			}),
		},
	})
	env.expectCreates(rotatingName, 2, "the token and its successor")
}

// A saved plan that changes something else keeps the kept token, even if it expires before
// the apply (which plans again): the apply succeeds, and the next plan deletes it.
func TestAccServerTokenRotation_expiryBetweenPlanAndApply(t *testing.T) {
	t.Parallel()
	env, clock := newRotationEnv(t)
	config := func(keep string) string {
		return env.provider() + serverTokenConfig(rotatingName, withPasswordWO,
			`rotate_when_changed = { rotation = "2" }`, fmt.Sprintf("keep_previous_for = %q", keep))
	}
	env.testTokens(t, []string{rotatingName}, []resource.TestStep{
		{Config: rotatingConfig(env, "1")},
		{Config: rotatingConfig(env, "2"), Check: liveTokens(env, 2)},
		{
			Config: config("2h"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
					betweenPlanAndApply(func() { clock.Advance(3 * time.Hour) }),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("previous_id"), knownvalue.Null()),
				},
			},
			ExpectNonEmptyPlan: true,
			Check:              resource.ComposeTestCheckFunc(liveTokens(env, 2), previousIsEmulatorToken(env)),
		},
		{
			Config:            config("2h"),
			ConfigStateChecks: noPrevious,
			Check:             liveTokens(env, 1),
		},
	})
}

// Rotations in quick succession delete the older kept token before creating a new one:
// never more than two live tokens, the current and the one it replaced.
func TestAccServerTokenRotation_twiceQuicklyNeverThreeTokens(t *testing.T) {
	t.Parallel()
	env, clock := newRotationEnv(t)
	var mu sync.Mutex
	most := 0
	env.emu.OnRequest(func(emulator.Call) {
		n := len(env.tokensNamed(rotatingName))
		mu.Lock()
		most = max(most, n)
		mu.Unlock()
	})
	secondIsPrevious := statecheck.CompareValue(compare.ValuesSame())
	var first int64
	env.testTokens(t, []string{rotatingName}, []resource.TestStep{
		{Config: rotatingConfig(env, "1")},
		{
			PreConfig:         func() { first = oldestRotating(env).ID },
			Config:            rotatingConfig(env, "2"),
			ConfigStateChecks: []statecheck.StateCheck{secondIsPrevious.AddStateValue(tokenAddr, tfjsonpath.New("id"))},
			Check:             liveTokens(env, 2),
		},
		{
			PreConfig: func() { clock.Advance(time.Minute) },
			Config:    rotatingConfig(env, "3"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				stateMatchesEmulator(env, tokenAddr),
				secondIsPrevious.AddStateValue(tokenAddr, tfjsonpath.New("previous_id")),
				statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("previous_expires_at"),
					knownvalue.StringExact(clock.Now().Add(time.Minute+time.Hour).Format(time.RFC3339))),
			},
			Check: resource.ComposeTestCheckFunc(liveTokens(env, 2), previousIsEmulatorToken(env), func(*terraform.State) error {
				if _, ok := env.emu.Token(first); ok {
					return fmt.Errorf("the first token %d outlived the second rotation", first)
				}
				return nil
			}),
		},
	})
	mu.Lock()
	defer mu.Unlock()
	if most > 2 {
		t.Errorf("at some point %d tokens named %q were live; want at most 2", most, rotatingName)
	}
}

// Destroy deletes the kept token too, also when it is already gone.
func TestAccServerTokenRotation_destroyDeletesPrevious(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		goneOutOfBand bool
	}{{"kept token live", false}, {"kept token already gone", true}} {
		t.Run(tc.name, func(t *testing.T) {
			env, _ := newRotationEnv(t)
			env.testTokens(t, []string{rotatingName}, []resource.TestStep{
				{Config: rotatingConfig(env, "1")},
				{Config: rotatingConfig(env, "2"), Check: liveTokens(env, 2)},
				{
					PreConfig: func() {
						if tc.goneOutOfBand {
							env.emu.RemoveToken(oldestRotating(env).ID)
						}
					},
					Config:  rotatingConfig(env, "2"),
					Destroy: true,
				},
			})
		})
	}
}

// A rotation whose create reply is lost adopts the token the create made: one new token,
// no second create; with the resources' own tokens as credentials and with auth_token.
func TestAccServerTokenRotation_lostCreateReplyNoDuplicate(t *testing.T) {
	t.Parallel()
	for _, withAuthToken := range []bool{false, true} {
		t.Run(fmt.Sprintf("auth_token=%v", withAuthToken), func(t *testing.T) {
			t.Parallel()
			env, clock := newRotationEnv(t)
			clock.Tick() // the rotation waits for the list to settle before it takes the only new token
			args := []string{`request_timeout = "1s"`}
			if withAuthToken {
				authArg, _ := env.bootstrapAuthToken()
				args = append(args, authArg)
			}
			env.testTokens(t, []string{rotatingName}, []resource.TestStep{
				{Config: rotatingConfig(env, "1", args...)},
				{
					PreConfig: func() {
						env.emu.InjectFault(routeCreateToken, emulator.Fault{Kind: emulator.FaultSlow, Delay: 4 * time.Second, AfterHandling: true})
					},
					Config: rotatingConfig(env, "2", args...),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
					Check:             resource.ComposeTestCheckFunc(liveTokens(env, 2), previousIsEmulatorToken(env)),
				},
			})
			env.expectCreates(rotatingName, 2, "the token, then one for the rotation")
			if n := env.emu.PendingFaults(routeCreateToken); n != 0 {
				t.Errorf("the lost reply was never injected: %d faults pending", n)
			}
		})
	}
}

// A rotated token whose id is never listed stays in state with its value, beside the token
// it replaced; the update fails; once listed, its id is found and destroy deletes both.
func TestAccServerTokenRotation_newTokenIDNotFoundOrphansNothing(t *testing.T) {
	t.Parallel()
	env, _ := newRotationEnv(t)
	env.testTokens(t, []string{rotatingName}, []resource.TestStep{
		{Config: rotatingConfig(env, "1")},
		{
			PreConfig:   func() { env.emu.SetListLag(-1) },
			Config:      rotatingConfig(env, "2"),
			ExpectError: errorText(`Server token created, but its id was not found`, `created the new token of this rotation "rotating"`, `State keeps its value, so it is never orphaned`),
		},
		{
			PreConfig: func() {
				env.emu.SetListLag(0)
				env.emu.RevealAll()
			},
			Config: rotatingConfig(env, "2"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator(env, tokenAddr)},
			Check:             resource.ComposeTestCheckFunc(liveTokens(env, 2), previousIsEmulatorToken(env)),
		},
	})
	env.expectCreates(rotatingName, 2, "the token and its successor, never listed")
}

// keep_previous_for can be added to a token, and changed, without rotating it.
func TestAccServerTokenRotation_keepPreviousForChangeAloneDoesNotRotate(t *testing.T) {
	t.Parallel()
	env, _ := newRotationEnv(t)
	config := func(keep string) string {
		extra := []string{`rotate_when_changed = { rotation = "1" }`}
		if keep != "" {
			extra = append(extra, fmt.Sprintf("keep_previous_for = %q", keep))
		}
		return env.provider() + serverTokenConfig(rotatingName, withPasswordWO, extra...)
	}
	sameID := statecheck.CompareValue(compare.ValuesSame())
	inPlace := func(keep string) resource.TestStep {
		return resource.TestStep{
			Config:            config(keep),
			ConfigPlanChecks:  plansToken(plancheck.ResourceActionUpdate),
			ConfigStateChecks: append([]statecheck.StateCheck{sameID.AddStateValue(tokenAddr, tfjsonpath.New("id"))}, noPrevious...),
		}
	}
	env.testTokens(t, []string{rotatingName}, []resource.TestStep{
		{Config: config(""), ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(tokenAddr, tfjsonpath.New("id"))}},
		inPlace("1h"),
		inPlace("48h"),
		inPlace(""),
	})
	env.expectCreates(rotatingName, 1, "keep_previous_for alone never rotates")
}

func TestAccServerTokenRotation_planTimeValidation(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	tooShort := `(?s)keep_previous_for.*must be a Go duration of at least 1s`
	cases := []struct{ name, keep, want string }{
		{"shorter than 1s", "500ms", tooShort},
		{"zero", "0s", tooShort},
		{"negative", "-1h", tooShort},
		{"not a duration", "a day", `(?s)Invalid Time Duration String Value.*keep_previous_for`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env.test(t, writeOnlyVersions, []resource.TestStep{{
				Config:      env.provider() + serverTokenConfig("x", withPasswordWO, fmt.Sprintf("keep_previous_for = %q", tc.keep)),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(tc.want),
			}})
		})
	}
	env.expectNoCalls("plan-time validation")
}

// After an in-place rotation, the identity names the new token: an import by identity
// finds it, with no previous token.
func TestAccServerTokenRotation_identityImportAfterRotation(t *testing.T) {
	t.Parallel()
	env, _ := newRotationEnv(t)
	authArg, _ := env.bootstrapAuthToken() // an import knows no token of its own
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		TerraformVersionChecks:   identityVersions,
		CheckDestroy:             env.checkNoTokensNamed(rotatingName),
		Steps: []resource.TestStep{
			{Config: rotatingConfig(env, "1", authArg)},
			{
				Config: rotatingConfig(env, "2", authArg),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentityValueMatchesState(tokenAddr, tfjsonpath.New("id")),
				},
			},
			{
				ResourceName:    tokenAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
				// The imported token has no rotate_when_changed nor keep_previous_for yet: an
				// in-place update stores them.
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("previous_id"), knownvalue.Null()),
						plancheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("previous_token"), knownvalue.Null()),
					},
				},
			},
		},
	})
}

// A current token deleted out of band while a rotation keeps the previous one: the refresh
// deletes nothing (a plan writes nothing); the plan replaces the gone token, and the apply
// deletes the previous one with it rather than leave it untracked.
func TestAccServerTokenRotation_goneCurrentTakesPreviousWithIt(t *testing.T) {
	t.Parallel()
	env, _ := newRotationEnv(t)
	env.testTokens(t, []string{rotatingName}, []resource.TestStep{
		{Config: rotatingConfig(env, "1")},
		{Config: rotatingConfig(env, "2"), Check: liveTokens(env, 2)},
		{
			PreConfig: func() { env.emu.RemoveToken(newestRotating(env).ID) },
			Config:    rotatingConfig(env, "2"),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionDestroyBeforeCreate),
				checkNow(func() error { return liveTokens(env, 1)(nil) }), // the previous one, untouched by the plan
			}},
			Check: liveTokens(env, 1),
		},
	})
}

// A rotate_when_changed value unknown at plan (its source is being replaced, as with
// `terraform apply -replace=time_rotating.x`) may turn out unchanged: the plan leaves the
// previous token unknown too, so that the plan Terraform makes again at apply, with the value
// known, agrees with it, and no token is made when nothing changed.
func TestAccServerTokenRotation_triggerUnknownAtPlanThatStaysTheSame(t *testing.T) {
	t.Parallel()
	for _, withAuthToken := range credentialModes {
		t.Run(modeName(withAuthToken), func(t *testing.T) {
			t.Parallel()
			env := newAccEnv(t)
			cli := newTerraformCLI(t, env, "1.11")
			config := func(day string) string {
				return env.provider(providerArgsFor(env, withAuthToken)...) +
					hclBlock(`resource "terraform_data" "schedule"`, `input = "`+day+`"`) +
					serverTokenConfig("scheduled", withPasswordWO, `keep_previous_for = "1h"`,
						`rotate_when_changed = { rotation = terraform_data.schedule.output }`)
			}
			cli.apply(config("2026-12-01"))
			cli.run("apply", "-auto-approve", "-input=false", "-replace=terraform_data.schedule")
			if toks := env.tokensNamed("scheduled"); len(toks) != 1 || env.createsNamed("scheduled") != 1 {
				t.Errorf("%d tokens named scheduled, %d creates, want 1: a trigger that came back the same rotates nothing",
					len(toks), env.createsNamed("scheduled"))
			}
			// Unknown at plan, changed at apply: the rotation goes ahead and keeps the previous token.
			cli.apply(config("2026-12-02"))
			env.expectCreates("scheduled", 2, "one rotation")
			if toks := env.tokensNamed("scheduled"); len(toks) != 2 {
				t.Errorf("%d tokens named scheduled, want the new one and the kept one", len(toks))
			}
		})
	}
}
