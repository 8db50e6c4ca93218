package provider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// Checks that the acceptance tests share: of state, of what the emulator was sent, and of
// error text.

// stateResources are the address and attribute values of each resource of the root module
// in the state a check sees.
func stateResources(req statecheck.CheckStateRequest) (iter.Seq2[string, map[string]any], error) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		return nil, fmt.Errorf("no state")
	}
	return func(yield func(string, map[string]any) bool) {
		for _, r := range req.State.Values.RootModule.Resources {
			if !yield(r.Address, r.AttributeValues) {
				return
			}
		}
	}, nil
}

// stateAttributes are the attribute values of the object at address in the state.
func stateAttributes(req statecheck.CheckStateRequest, address string) (map[string]any, error) {
	resources, err := stateResources(req)
	if err != nil {
		return nil, err
	}
	for a, attrs := range resources {
		if a == address {
			return attrs, nil
		}
	}
	return nil, fmt.Errorf("%s not in state", address)
}

// secretAbsentFromState fails when secret appears anywhere in the state, as
// `terraform show -json` prints it (sensitive values included).
type secretAbsentFromState struct{ secret string }

func (c secretAbsentFromState) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	raw, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = err
		return
	}
	if strings.Contains(string(raw), c.secret) {
		resp.Error = fmt.Errorf("the secret appears in state")
	}
}

// attributesCheck checks the attribute values of the object at address in the state.
type attributesCheck struct {
	address string
	check   func(attrs map[string]any) error
}

func (c attributesCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	attrs, err := stateAttributes(req, c.address)
	if err != nil {
		resp.Error = err
		return
	}
	if err := c.check(attrs); err != nil {
		resp.Error = fmt.Errorf("%s: %w", c.address, err)
	}
}

// stateMatchesEmulator checks that the resource's id and token are those of a token the
// emulator holds under its name.
func stateMatchesEmulator(env *accEnv, address string) attributesCheck {
	return attributesCheck{address, func(attrs map[string]any) error {
		id, _ := strconv.ParseInt(fmt.Sprint(attrs["id"]), 10, 64)
		tok, ok := env.emu.Token(id)
		if !ok {
			return fmt.Errorf("id %v is not a token the emulator holds", attrs["id"])
		}
		if tok.Token != attrs["token"] || tok.Name != attrs["name"] {
			return fmt.Errorf("state does not match the emulator's token %d", id)
		}
		return nil
	}}
}

// plansToken is a step's plan checks when all there is to check is what the plan does to
// the token at tokenAddr: action.
func plansToken(action plancheck.ResourceActionType) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tokenAddr, action)}}
}

// checkNow runs fn as a check at the point of the step where it is listed: as a PreApply
// plan check, between the plan and its apply.
type checkNow func() error

func (f checkNow) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = f()
}

func (f checkNow) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f()
}

// betweenPlanAndApply does something to the world after the plan and before its apply, as
// a PreApply plan check: the one point of a step that PreConfig cannot reach.
func betweenPlanAndApply(act func()) checkNow {
	return func() error {
		act()
		return nil
	}
}

// echoed is the path of an attribute of the data that echo.test holds.
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
	resources, err := stateResources(req)
	if err != nil {
		resp.Error = err
		return
	}
	for address := range resources {
		if address != echoAddr {
			resp.Error = fmt.Errorf("%s is in state; only %s should be", address, echoAddr)
			return
		}
	}
}

// credentialHeaders compares the credential headers of c with want; absent ones must be
// empty.
func credentialHeaders(c emulator.Call, want map[string]string) error {
	for _, h := range []string{"authToken", "X-Auth-Token", "X-Store-Hash"} {
		if got := c.Header.Get(h); got != want[h] {
			if got != "" {
				got = "(a value)"
			}
			return fmt.Errorf("header %s = %s, want %q", h, got, want[h])
		}
	}
	return nil
}

// jsonBody compares the JSON body of c with want, a JSON text.
func jsonBody(c emulator.Call, want string) error {
	var got, exp any
	if err := json.Unmarshal(c.Body, &got); err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		return err
	}
	if g, w := fmt.Sprint(got), fmt.Sprint(exp); g != w {
		return fmt.Errorf("body %s, want %s", c.Body, want)
	}
	return nil
}

// testClaims decodes a JWT payload without the provider's code, for checks.
func testClaims(token string) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("not a JWT: %d parts", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	return claims, json.Unmarshal(raw, &claims)
}

// tokenWithClaims checks a JWT's claims: each of want must be there with this value
// (numbers as float64, as encoding/json decodes them). Claims are checked in name order,
// so that a failure names the same claim on every run.
func tokenWithClaims(want map[string]any) knownvalue.Check {
	return knownvalue.StringFunc(func(token string) error {
		claims, err := testClaims(token)
		if err != nil {
			return err
		}
		for _, k := range slices.Sorted(maps.Keys(want)) {
			if fmt.Sprint(claims[k]) != fmt.Sprint(want[k]) {
				return fmt.Errorf("claim %s = %v, want %v", k, claims[k], want[k])
			}
		}
		return nil
	})
}

// expiresAtOfToken checks that echo.test's expires_at is RFC 3339 and the exp claim of its
// token.
type expiresAtOfToken struct{}

func (expiresAtOfToken) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	data, err := echoData(req)
	if err != nil {
		resp.Error = err
		return
	}
	expiresAt, _ := data["expires_at"].(string)
	at, err := time.Parse(time.RFC3339, expiresAt)
	if err != nil {
		resp.Error = fmt.Errorf("expires_at %q is not RFC 3339: %w", expiresAt, err)
		return
	}
	token, _ := data["token"].(string)
	claims, err := testClaims(token)
	if err != nil {
		resp.Error = err
		return
	}
	if exp, _ := claims["exp"].(float64); int64(exp) != at.Unix() {
		resp.Error = fmt.Errorf("expires_at %s is not the token's exp claim %v", expiresAt, claims["exp"])
	}
}

// wrappedText matches text in Terraform's error output, which wraps long lines at any space.
func wrappedText(text string) *regexp.Regexp {
	words := strings.Fields(text)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(strings.Join(words, `\s+`))
}

// errorText matches texts, in this order, in Terraform's error output: each text is a
// regular expression whose spaces match any run of white space (the output wraps long
// lines at any space), and anything may come between two texts.
func errorText(texts ...string) *regexp.Regexp {
	parts := make([]string, len(texts))
	for i, text := range texts {
		parts[i] = strings.Join(strings.Fields(text), `\s+`)
	}
	return regexp.MustCompile(strings.Join(parts, `[\s\S]*`))
}
