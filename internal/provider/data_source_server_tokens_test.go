package provider

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

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

func TestAccServerTokensDataSource_readsEveryPageAndFilters(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, bootstrap := env.bootstrapAuthToken()
	seeded := env.emu.SeedTokens(seededTokenCount, "seed-", testEmail)
	deployOps1 := env.emu.AddToken("deploy", opsEmail)
	deployOps2 := env.emu.AddToken("deploy", opsEmail)
	deployAdmin := env.emu.AddToken("deploy", testEmail)
	total := len(env.emu.Tokens())

	noSecretInState := make([]statecheck.StateCheck, 0, 4)
	for _, tok := range []emulator.Token{seeded[0], seeded[seededTokenCount/2], seeded[seededTokenCount-1], deployOps1} {
		noSecretInState = append(noSecretInState, secretAbsentFromState{tok.Token})
	}

	const allAddr = "data.b2b_server_tokens.all"
	opsFilter := fmt.Sprintf("email = %q", opsEmail)
	filters := hclBlock(`data "b2b_server_tokens" "by_name"`, `name = "deploy"`) +
		hclBlock(`data "b2b_server_tokens" "by_email"`, opsFilter) +
		hclBlock(`data "b2b_server_tokens" "by_name_and_email"`, `name = "deploy"`, opsFilter)
	env.test(t, allVersions, []resource.TestStep{{
		PreConfig: env.emu.ResetCalls,
		Config:    env.provider(authArg) + `data "b2b_server_tokens" "all" {}` + "\n",
		ConfigStateChecks: append([]statecheck.StateCheck{
			statecheck.ExpectKnownValue(allAddr, tfjsonpath.New("total_count"), knownvalue.Int64Exact(int64(total))),
			statecheck.ExpectKnownValue(allAddr, tfjsonpath.New("tokens"), knownvalue.ListSizeExact(total)),
			// As the API lists them: newest first, down to the oldest, the bootstrap token.
			statecheck.ExpectKnownValue(allAddr, tfjsonpath.New("tokens").AtSliceIndex(0), listedToken(deployAdmin)),
			statecheck.ExpectKnownValue(allAddr, tfjsonpath.New("tokens").AtSliceIndex(total-1), listedToken(bootstrap)),
		}, noSecretInState...),
		// One read of the data source (at plan) is one complete listing: every page, once,
		// with the provider's auth_token.
		Check: func(*terraform.State) error {
			if err := env.oneListing(total); err != nil {
				return err
			}
			for i, c := range env.callsTo(routeListTokens) {
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
	}})
}

func TestAccServerTokensDataSource_needsACredentialToList(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	env.emu.SeedTokens(3, "seed-", testEmail)
	env.test(t, allVersions, []resource.TestStep{{
		Config:      env.provider() + `data "b2b_server_tokens" "all" {}` + "\n",
		ExpectError: regexp.MustCompile(`(?s)No credential to list.*auth_token.*B2B_AUTH_TOKEN`),
	}})
	env.expectCalls(routeListTokens, 0, "there is no credential to list with")
}
