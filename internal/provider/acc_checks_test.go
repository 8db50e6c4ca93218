package provider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// Checks shared by the acceptance tests of the data sources, ephemeral resources and the
// function: on the emulator's record of calls, on tokens, and on error text.

// checkCalls runs check on every recorded call to route, failing when there is none.
func (e *accEnv) checkCalls(route string, check func(emulator.Call) error) error {
	calls := e.callsTo(route)
	if len(calls) == 0 {
		return fmt.Errorf("no call to %s", route)
	}
	for i, c := range calls {
		if c.Header.Get("authToken") != "" && c.Header.Get("X-Store-Hash") != "" {
			return fmt.Errorf("%s call %d sent authToken together with X-Store-Hash", route, i+1)
		}
		if err := check(c); err != nil {
			return fmt.Errorf("%s call %d: %w", route, i+1, err)
		}
	}
	return nil
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
