package provider

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// serverTokenDataConfig is a b2b_server_token data block named label with the given
// argument lines.
func serverTokenDataConfig(label string, args ...string) string {
	return hclBlock(fmt.Sprintf("data \"b2b_server_token\" %q", label), args...)
}

func tokenIDArg(t emulator.Token) string { return fmt.Sprintf("id = %q", strconv.FormatInt(t.ID, 10)) }

// expectDataToken checks every attribute of the data source at addr against t.
func expectDataToken(addr string, t emulator.Token) []statecheck.StateCheck {
	want := func(attr, value string) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(addr, tfjsonpath.New(attr), knownvalue.StringExact(value))
	}
	return []statecheck.StateCheck{
		statecheck.ExpectSensitiveValue(addr, tfjsonpath.New("token")),
		want("id", strconv.FormatInt(t.ID, 10)),
		want("name", t.Name),
		want("email", t.Email),
		want("store_hash", t.StoreHash),
		want("event_channel", t.EventChannel),
		want("token", t.Token),
	}
}

func TestAccServerTokenDataSource_readsTokenByIDOrByName(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	seeded := env.emu.SeedTokens(seededTokenCount, "seed-", testEmail)
	solo := env.emu.AddToken("solo", opsEmail)
	// The oldest seeded token is on the last page of the list.
	oldest := seeded[0]

	env.test(t, allVersions, []resource.TestStep{{
		Config: env.provider(authArg) +
			serverTokenDataConfig("by_id", tokenIDArg(oldest)) +
			serverTokenDataConfig("by_name", `name = "solo"`),
		ConfigStateChecks: append(
			expectDataToken("data.b2b_server_token.by_id", oldest),
			expectDataToken("data.b2b_server_token.by_name", solo)...),
	}})
}

func TestAccServerTokenDataSource_lookupErrorsNameTheCandidates(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	env.emu.SeedTokens(seededTokenCount, "seed-", testEmail)
	twin1 := env.emu.AddToken("twin", testEmail)
	twin2 := env.emu.AddToken("twin", opsEmail)
	provider := env.provider(authArg, "max_retries = 0")

	env.test(t, allVersions, []resource.TestStep{{
		Config: provider + serverTokenDataConfig("t", `name = "twin"`),
		ExpectError: wrappedText(fmt.Sprintf(`2 server tokens are named "twin", with the ids %d, %d.`,
			twin1.ID, twin2.ID)),
	}, {
		Config:      provider + serverTokenDataConfig("t", `name = "nobody"`),
		ExpectError: wrappedText(`No server token is named "nobody"`),
	}, {
		// Names are matched exactly.
		Config:      provider + serverTokenDataConfig("t", `name = "Twin"`),
		ExpectError: wrappedText(`No server token is named "Twin"`),
	}, {
		Config:      provider + serverTokenDataConfig("t", `id = "999999"`),
		ExpectError: wrappedText(`No server token has the id 999999`),
	}, {
		// API errors show the method, path, status and BigCommerce's message.
		PreConfig: func() {
			env.emu.InjectFault(routeListTokens, statusFault(503))
		},
		Config:      provider + serverTokenDataConfig("t", tokenIDArg(twin1)),
		ExpectError: regexp.MustCompile(`GET /backend/tokens: HTTP 503`),
	}})
}

func TestAccServerTokenDataSource_needsExactlyOneOfIDAndName(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	tok := env.emu.AddToken("solo", testEmail)
	provider := env.provider(authArg)

	env.test(t, allVersions, []resource.TestStep{{
		Config:      provider + serverTokenDataConfig("t", tokenIDArg(tok), `name = "solo"`),
		ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Combination.*Exactly one of these attributes must be configured: \[id,name\]`),
	}, {
		Config:      provider + serverTokenDataConfig("t"),
		ExpectError: regexp.MustCompile(`(?s)Missing Attribute Configuration.*Exactly one of these attributes must be configured: \[id,name\]`),
	}, {
		Config:      provider + serverTokenDataConfig("t", `id = "solo"`),
		ExpectError: wrappedText(`Attribute id must be the numeric token id, got: solo`),
	}, {
		Config:      provider + serverTokenDataConfig("t", `name = ""`),
		ExpectError: wrappedText(`Attribute name string length must be at least 1`),
	}})
	// Validation refused them all before any request.
	env.expectCalls(routeListTokens, 0, "validation refused the configurations")
}

func TestAccServerTokenDataSource_needsACredentialToList(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	tok := env.emu.AddToken("solo", testEmail)
	env.test(t, allVersions, []resource.TestStep{{
		Config:      env.provider() + serverTokenDataConfig("t", tokenIDArg(tok)),
		ExpectError: regexp.MustCompile(`(?s)No credential to list.*auth_token.*B2B_AUTH_TOKEN`),
	}})
	env.expectCalls(routeListTokens, 0, "there is no credential to list with")
}
