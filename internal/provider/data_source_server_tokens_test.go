package provider

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// seededTokenCount puts the store well past two full pages of GET /backend/tokens.
const seededTokenCount = 600

const opsEmail = "ops@example.com"

// listedToken is how the b2b_server_tokens data source shows t: every attribute but the
// token value (ObjectExact fails on an extra attribute).
func listedToken(t emulator.Token) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"id":            knownvalue.StringExact(strconv.FormatInt(t.ID, 10)),
		"name":          knownvalue.StringExact(t.Name),
		"email":         knownvalue.StringExact(t.Email),
		"store_hash":    knownvalue.StringExact(t.StoreHash),
		"event_channel": knownvalue.StringExact(t.EventChannel),
	})
}

// listedInAPIOrder is the expected tokens list: the emulator, like B2B Edition's other
// lists, shows the newest token first.
func listedInAPIOrder(tokens ...emulator.Token) knownvalue.Check {
	checks := make([]knownvalue.Check, 0, len(tokens))
	for _, t := range slices.Backward(tokens) {
		checks = append(checks, listedToken(t))
	}
	return knownvalue.ListExact(checks)
}

// wrappedText matches text in Terraform's error output, which wraps long lines at any space.
func wrappedText(text string) *regexp.Regexp {
	words := strings.Fields(text)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(strings.Join(words, `\s+`))
}

func TestAccServerTokensDataSource_readsEveryPageAndFilters(t *testing.T) {
	env := newAccEnv(t)
	authArg, bootstrap := env.bootstrapAuthToken()
	seeded := env.emu.SeedTokens(seededTokenCount, "seed-", testEmail)
	deployOps1 := env.emu.AddToken("deploy", opsEmail)
	deployOps2 := env.emu.AddToken("deploy", opsEmail)
	deployAdmin := env.emu.AddToken("deploy", testEmail)
	all := env.emu.Tokens()
	total := len(all)
	pages := (total + b2b.MaxPageSize - 1) / b2b.MaxPageSize

	noSecretInState := make([]statecheck.StateCheck, 0, 4)
	for _, tok := range []emulator.Token{seeded[0], seeded[seededTokenCount/2], seeded[seededTokenCount-1], deployOps1} {
		noSecretInState = append(noSecretInState, secretAbsentFromState{tok.Token})
	}

	const allAddr = "data.b2b_server_tokens.all"
	filters := `
data "b2b_server_tokens" "by_name" {
  name = "deploy"
}

data "b2b_server_tokens" "by_email" {
  email = "` + opsEmail + `"
}

data "b2b_server_tokens" "by_name_and_email" {
  name  = "deploy"
  email = "` + opsEmail + `"
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			PreConfig: env.emu.ResetCalls,
			Config:    env.provider(authArg) + `data "b2b_server_tokens" "all" {}` + "\n",
			ConfigStateChecks: append([]statecheck.StateCheck{
				statecheck.ExpectKnownValue(allAddr, tfjsonpath.New("total_count"), knownvalue.Int64Exact(int64(total))),
				statecheck.ExpectKnownValue(allAddr, tfjsonpath.New("tokens"), knownvalue.ListSizeExact(total)),
				// As the API lists them: newest first, down to the oldest, the bootstrap token.
				statecheck.ExpectKnownValue(allAddr, tfjsonpath.New("tokens").AtSliceIndex(0), listedToken(deployAdmin)),
				statecheck.ExpectKnownValue(allAddr, tfjsonpath.New("tokens").AtSliceIndex(total-1), listedToken(bootstrap)),
			}, noSecretInState...),
			// One read of the data source (at plan) is one complete listing: every page, once.
			Check: func(*terraform.State) error {
				calls := env.callsTo("GET /backend/tokens")
				if len(calls) != pages {
					return fmt.Errorf("want %d list calls (ceil(%d/%d)), got %d", pages, total, b2b.MaxPageSize, len(calls))
				}
				// The first page, then the others concurrently, each once.
				offsets := map[string]bool{}
				for i, c := range calls {
					q, _ := url.ParseQuery(c.RawQuery)
					if q.Get("limit") != strconv.Itoa(b2b.MaxPageSize) || (i == 0 && q.Get("offset") != "0") || offsets[q.Get("offset")] {
						return fmt.Errorf("list call %d asked for %q: want limit=%d, the first page first, no page twice", i, c.RawQuery, b2b.MaxPageSize)
					}
					offsets[q.Get("offset")] = true
					if c.Header.Get("authToken") != bootstrap.Token {
						return fmt.Errorf("list call %d did not authenticate with the provider's auth_token", i)
					}
				}
				return nil
			},
		}, {
			Config: env.provider(authArg) + filters,
			ConfigStateChecks: append([]statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.b2b_server_tokens.by_name", tfjsonpath.New("tokens"),
					listedInAPIOrder(deployOps1, deployOps2, deployAdmin)),
				statecheck.ExpectKnownValue("data.b2b_server_tokens.by_email", tfjsonpath.New("tokens"),
					listedInAPIOrder(deployOps1, deployOps2)),
				statecheck.ExpectKnownValue("data.b2b_server_tokens.by_name_and_email", tfjsonpath.New("tokens"),
					listedInAPIOrder(deployOps1, deployOps2)),
				// total_count is the whole store's, whatever the filters.
				statecheck.ExpectKnownValue("data.b2b_server_tokens.by_name_and_email", tfjsonpath.New("total_count"),
					knownvalue.Int64Exact(int64(total))),
			}, noSecretInState...),
		}},
	})
}

func TestAccServerTokensDataSource_missingAuthToken(t *testing.T) {
	env := newAccEnv(t)
	env.emu.SeedTokens(3, "seed-", testEmail)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config:      env.provider() + `data "b2b_server_tokens" "all" {}` + "\n",
			ExpectError: regexp.MustCompile(`(?s)No credential to list.*auth_token.*B2B_AUTH_TOKEN`),
		}},
	})
	if n := env.emu.CallCount("GET /backend/tokens"); n != 0 {
		t.Errorf("want no list call without credentials, got %d", n)
	}
}
