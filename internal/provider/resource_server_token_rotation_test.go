package provider

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// testClock is the provider's clock in these tests: kept tokens expire when the test
// advances it, without waiting.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// factoriesWithClock are env.factories() with the provider's clock set to clock.
func (e *accEnv) factoriesWithClock(clock *testClock) map[string]func() (tfprotov6.ProviderServer, error) {
	adjust := func(c *b2b.Config) {
		fastWaits(c)
		for _, f := range e.clientConfig {
			f(c)
		}
	}
	return map[string]func() (tfprotov6.ProviderServer, error){
		"b2b": providerserver.NewProtocol6WithError(New("test", WithClientConfig(adjust), WithEnv(e.env), WithClock(clock.Now))()),
	}
}

const rotatingName = "rotating"

// rotatingConfig is a token rotated in place on each new rotation value, keeping the old one
// for an hour.
func rotatingConfig(env *accEnv, rotation string, providerArgs ...string) string {
	return env.provider(providerArgs...) + serverTokenConfig(rotatingName, withPasswordWO,
		fmt.Sprintf("rotate_when_changed = { rotation = %q }", rotation),
		`keep_previous_for = "1h"`)
}

// liveTokens checks how many tokens named rotating the emulator holds.
func (e *accEnv) liveTokens(want int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := len(e.tokensNamed(rotatingName)); got != want {
			return fmt.Errorf("want %d live tokens named %q, the emulator holds %d", want, rotatingName, got)
		}
		return nil
	}
}

// previousIsEmulatorToken checks that previous_id and previous_token are a token the
// emulator still holds, other than the current one.
func (e *accEnv) previousIsEmulatorToken(s *terraform.State) error {
	attrs := s.RootModule().Resources[tokenAddr].Primary.Attributes
	id, _ := strconv.ParseInt(attrs["previous_id"], 10, 64)
	tok, ok := e.emu.Token(id)
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

var noPrevious = []statecheck.StateCheck{
	statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("previous_id"), knownvalue.Null()),
	statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("previous_token"), knownvalue.Null()),
	statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("previous_expires_at"), knownvalue.Null()),
}

// A rotation keeps the old token beside the new one, with plans empty until it expires;
// the first plan after that is an update whose only effect is deleting it.
func TestAccServerTokenRotation_keepsPreviousUntilExpiry(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	clock := newTestClock()
	previousIsFirst := statecheck.CompareValue(compare.ValuesSame())
	idChanges := statecheck.CompareValue(compare.ValuesDiffer())
	currentStays := statecheck.CompareValue(compare.ValuesSame())
	var firstID int64
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factoriesWithClock(clock),
		CheckDestroy:             env.checkNoTokensNamed(rotatingName),
		Steps: []resource.TestStep{
			{
				Config: rotatingConfig(env, "2026-02"),
				ConfigStateChecks: append([]statecheck.StateCheck{
					stateMatchesEmulator{env, tokenAddr},
					previousIsFirst.AddStateValue(tokenAddr, tfjsonpath.New("id")),
					idChanges.AddStateValue(tokenAddr, tfjsonpath.New("id")),
				}, noPrevious...),
				Check: func(*terraform.State) error {
					firstID = env.tokensNamed(rotatingName)[0].ID
					return nil
				},
			},
			{
				Config: rotatingConfig(env, "2026-03"),
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
					stateMatchesEmulator{env, tokenAddr},
					previousIsFirst.AddStateValue(tokenAddr, tfjsonpath.New("previous_id")),
					idChanges.AddStateValue(tokenAddr, tfjsonpath.New("id")),
					currentStays.AddStateValue(tokenAddr, tfjsonpath.New("id")),
					statecheck.ExpectSensitiveValue(tokenAddr, tfjsonpath.New("previous_token")),
					statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("previous_expires_at"),
						knownvalue.StringExact(clock.Now().Add(time.Hour).Format(time.RFC3339))),
				},
				Check: resource.ComposeTestCheckFunc(env.liveTokens(2), env.previousIsEmulatorToken),
			},
			{
				// A second before the expiry, nothing to do.
				PreConfig:          func() { clock.Advance(time.Hour - time.Second) },
				Config:             rotatingConfig(env, "2026-03"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: false,
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
					stateMatchesEmulator{env, tokenAddr},
					currentStays.AddStateValue(tokenAddr, tfjsonpath.New("id")),
				}, noPrevious...),
				Check: resource.ComposeTestCheckFunc(env.liveTokens(1), func(*terraform.State) error {
					if _, ok := env.emu.Token(firstID); ok {
						return fmt.Errorf("the expired token %d was not deleted", firstID)
					}
					return nil
				}),
			},
		},
	})
	if n := env.emu.CallCount("POST /auth/backend"); n != 2 {
		t.Errorf("want 2 creates (the token and its successor), got %d", n)
	}
}

// duringPlanCheck runs fn between the plan and its apply.
type duringPlanCheck func()

func (f duringPlanCheck) CheckPlan(context.Context, plancheck.CheckPlanRequest, *plancheck.CheckPlanResponse) {
	f()
}

// A saved plan that changes something else keeps the kept token, even if it expires before
// the apply (which plans again): the apply succeeds, and the next plan deletes it.
func TestAccServerTokenRotation_expiryBetweenPlanAndApply(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	clock := newTestClock()
	config := func(keep string) string {
		return env.provider() + serverTokenConfig(rotatingName, withPasswordWO,
			`rotate_when_changed = { rotation = "2" }`, fmt.Sprintf("keep_previous_for = %q", keep))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWithClock(clock),
		CheckDestroy:             env.checkNoTokensNamed(rotatingName),
		Steps: []resource.TestStep{
			{Config: rotatingConfig(env, "1")},
			{Config: rotatingConfig(env, "2"), Check: env.liveTokens(2)},
			{
				Config: config("2h"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
						duringPlanCheck(func() { clock.Advance(3 * time.Hour) }),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("previous_id"), knownvalue.Null()),
					},
				},
				ExpectNonEmptyPlan: true,
				Check:              resource.ComposeTestCheckFunc(env.liveTokens(2), env.previousIsEmulatorToken),
			},
			{
				Config:            config("2h"),
				ConfigStateChecks: noPrevious,
				Check:             env.liveTokens(1),
			},
		},
	})
}

// Rotations in quick succession delete the older kept token before creating a new one:
// never more than two live tokens, the current and the one it replaced.
func TestAccServerTokenRotation_twiceQuicklyNeverThreeTokens(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	clock := newTestClock()
	var mu sync.Mutex
	most := 0
	env.emu.OnRequest(func(emulator.Call) {
		n := len(env.tokensNamed(rotatingName))
		mu.Lock()
		most = max(most, n)
		mu.Unlock()
	})
	secondIsPrevious := statecheck.CompareValue(compare.ValuesSame())
	var ids []int64
	recordIDs := func(*terraform.State) error {
		for _, tok := range env.tokensNamed(rotatingName) {
			if !containsID(ids, tok.ID) {
				ids = append(ids, tok.ID)
			}
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factoriesWithClock(clock),
		CheckDestroy:             env.checkNoTokensNamed(rotatingName),
		Steps: []resource.TestStep{
			{Config: rotatingConfig(env, "1"), Check: recordIDs},
			{
				Config:            rotatingConfig(env, "2"),
				ConfigStateChecks: []statecheck.StateCheck{secondIsPrevious.AddStateValue(tokenAddr, tfjsonpath.New("id"))},
				Check:             resource.ComposeTestCheckFunc(recordIDs, env.liveTokens(2)),
			},
			{
				PreConfig: func() { clock.Advance(time.Minute) },
				Config:    rotatingConfig(env, "3"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					stateMatchesEmulator{env, tokenAddr},
					secondIsPrevious.AddStateValue(tokenAddr, tfjsonpath.New("previous_id")),
					statecheck.ExpectKnownValue(tokenAddr, tfjsonpath.New("previous_expires_at"),
						knownvalue.StringExact(clock.Now().Add(time.Minute+time.Hour).Format(time.RFC3339))),
				},
				Check: resource.ComposeTestCheckFunc(env.liveTokens(2), env.previousIsEmulatorToken, func(*terraform.State) error {
					if _, ok := env.emu.Token(ids[0]); ok {
						return fmt.Errorf("the first token %d outlived the second rotation", ids[0])
					}
					return nil
				}),
			},
		},
	})
	mu.Lock()
	defer mu.Unlock()
	if most > 2 {
		t.Errorf("at some point %d tokens named %q were live; want at most 2", most, rotatingName)
	}
}

func containsID(ids []int64, id int64) bool {
	for _, i := range ids {
		if i == id {
			return true
		}
	}
	return false
}

// Destroy deletes the kept token too, also when it is already gone.
func TestAccServerTokenRotation_destroyDeletesPrevious(t *testing.T) {
	t.Parallel()
	for name, goneOutOfBand := range map[string]bool{"kept token live": false, "kept token already gone": true} {
		t.Run(name, func(t *testing.T) {
			env := newAccEnv(t)
			resource.Test(t, resource.TestCase{
				TerraformVersionChecks:   writeOnlyVersions,
				ProtoV6ProviderFactories: env.factoriesWithClock(newTestClock()),
				CheckDestroy:             env.checkNoTokensNamed(rotatingName),
				Steps: []resource.TestStep{
					{Config: rotatingConfig(env, "1")},
					{
						Config: rotatingConfig(env, "2"),
						Check: resource.ComposeTestCheckFunc(env.liveTokens(2), func(s *terraform.State) error {
							if goneOutOfBand {
								id, _ := strconv.ParseInt(s.RootModule().Resources[tokenAddr].Primary.Attributes["previous_id"], 10, 64)
								env.emu.RemoveToken(id)
							}
							return nil
						}),
					},
				},
			})
		})
	}
}

// A rotation whose create reply is lost adopts the token the create made: one new token,
// no second create.
func TestAccServerTokenRotation_lostCreateReplyNoDuplicate(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	timeout := `request_timeout = "300ms"`
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factoriesWithClock(newTestClock()),
		CheckDestroy:             env.checkNoTokensNamed(rotatingName),
		Steps: []resource.TestStep{
			{Config: rotatingConfig(env, "1", timeout)},
			{
				PreConfig: func() {
					env.emu.InjectFault("POST /auth/backend", emulator.Fault{Kind: emulator.FaultSlow, Delay: time.Second, AfterHandling: true})
				},
				Config: rotatingConfig(env, "2", timeout),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator{env, tokenAddr}},
				Check:             resource.ComposeTestCheckFunc(env.liveTokens(2), env.previousIsEmulatorToken),
			},
		},
	})
	if n := env.emu.CallCount("POST /auth/backend"); n != 2 {
		t.Errorf("want 2 creates (the token, then one for the rotation), got %d", n)
	}
	if n := env.emu.PendingFaults("POST /auth/backend"); n != 0 {
		t.Errorf("the lost reply was never injected: %d faults pending", n)
	}
}

// A rotated token whose id is never listed stays in state with its value, beside the token
// it replaced; the update fails; once listed, its id is found and destroy deletes both.
func TestAccServerTokenRotation_newTokenIDNotFoundOrphansNothing(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factoriesWithClock(newTestClock()),
		CheckDestroy:             env.checkNoTokensNamed(rotatingName),
		Steps: []resource.TestStep{
			{Config: rotatingConfig(env, "1")},
			{
				PreConfig:   func() { env.emu.SetListLag(-1) },
				Config:      rotatingConfig(env, "2"),
				ExpectError: regexp.MustCompile(`Server token rotated, but the new token's id was not found`),
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
				ConfigStateChecks: []statecheck.StateCheck{stateMatchesEmulator{env, tokenAddr}},
				Check:             resource.ComposeTestCheckFunc(env.liveTokens(2), env.previousIsEmulatorToken),
			},
		},
	})
	if n := env.emu.CallCount("POST /auth/backend"); n != 2 {
		t.Errorf("want 2 creates, got %d", n)
	}
}

// keep_previous_for can be added to a token, and changed, without rotating it.
func TestAccServerTokenRotation_keepPreviousForChangeAloneDoesNotRotate(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
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
			Config: config(keep),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate)},
			},
			ConfigStateChecks: append([]statecheck.StateCheck{sameID.AddStateValue(tokenAddr, tfjsonpath.New("id"))}, noPrevious...),
		}
	}
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factoriesWithClock(newTestClock()),
		CheckDestroy:             env.checkNoTokensNamed(rotatingName),
		Steps: []resource.TestStep{
			{Config: config(""), ConfigStateChecks: []statecheck.StateCheck{sameID.AddStateValue(tokenAddr, tfjsonpath.New("id"))}},
			inPlace("1h"),
			inPlace("48h"),
			inPlace(""),
		},
	})
	if n := env.emu.CallCount("POST /auth/backend"); n != 1 {
		t.Errorf("want 1 create, got %d", n)
	}
}

func TestAccServerTokenRotation_planTimeValidation(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cases := map[string]struct{ keep, want string }{
		"shorter than 1s": {"500ms", `(?s)keep_previous_for.*must be a Go duration of at least 1s`},
		"zero":            {"0s", `(?s)keep_previous_for.*must be a Go duration of at least 1s`},
		"negative":        {"-1h", `(?s)keep_previous_for.*must be a Go duration of at least 1s`},
		"not a duration":  {"a day", `(?s)Invalid Time Duration String Value.*keep_previous_for`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				TerraformVersionChecks:   writeOnlyVersions,
				ProtoV6ProviderFactories: env.factories(),
				Steps: []resource.TestStep{{
					Config:      env.provider() + serverTokenConfig("x", withPasswordWO, fmt.Sprintf("keep_previous_for = %q", tc.keep)),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
	if n := len(env.emu.Calls()); n != 0 {
		t.Errorf("plan-time validation must not call the API, got %d calls", n)
	}
}

// After an in-place rotation, the identity names the new token: an import by identity
// finds it, with no previous token.
func TestAccServerTokenRotation_identityImportAfterRotation(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken() // an import knows no token of its own
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWithClock(newTestClock()),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
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
// removes the resource, and deletes the previous token with it rather than leave it
// untracked.
func TestAccServerTokenRotation_goneCurrentTakesPreviousWithIt(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	var current int64
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   writeOnlyVersions,
		ProtoV6ProviderFactories: env.factoriesWithClock(newTestClock()),
		CheckDestroy:             env.checkNoTokensNamed(rotatingName),
		Steps: []resource.TestStep{
			{Config: rotatingConfig(env, "1")},
			{
				Config: rotatingConfig(env, "2"),
				Check: resource.ComposeTestCheckFunc(env.liveTokens(2), func(s *terraform.State) error {
					current, _ = strconv.ParseInt(s.RootModule().Resources[tokenAddr].Primary.Attributes["id"], 10, 64)
					return nil
				}),
			},
			{
				PreConfig: func() { env.emu.RemoveToken(current) },
				Config:    rotatingConfig(env, "2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionCreate),
					checkNow(func() error { return env.liveTokens(0)(nil) }),
				}},
				Check: env.liveTokens(1),
			},
		},
	})
}
