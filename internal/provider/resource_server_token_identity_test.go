package provider

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func identityImport(address, identity string) string {
	return hclBlock("import", "to = "+address, "identity = {\n    "+identity+"\n  }")
}

func TestAccServerTokenIdentity_setOnCreateAndRead(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken() // an import has no token of its own to list with
	// OpenTofu resolves the provider of an import step by this block, not its registry.
	config := requiredProviders + env.provider(authArg) + serverTokenConfig("ci", withPasswordWO)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		TerraformVersionChecks:   identityVersions,
		CheckDestroy:             env.checkNoTokensNamed("ci"),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(tokenAddr, map[string]knownvalue.Check{
						"id":         knownvalue.StringRegexp(regexp.MustCompile(`^[0-9]+$`)),
						"store_hash": knownvalue.StringExact(testStoreHash),
					}),
					statecheck.ExpectIdentityValueMatchesState(tokenAddr, tfjsonpath.New("id")),
					statecheck.ExpectIdentityValueMatchesState(tokenAddr, tfjsonpath.New("store_hash")),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// An import block with the identity in state plans an import of the same token,
				// with the same identity; the import reads no value, so the token is read at
				// apply (an update)...
				Config:             config,
				ResourceName:       tokenAddr,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithResourceIdentity,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tokenAddr, plancheck.ResourceActionUpdate)},
				},
			},
			{
				// ...unless the configuration keeps no value in state: then a no-op import.
				Config: requiredProviders + env.provider(authArg) +
					serverTokenConfig("ci", withPasswordWO, "token_in_state = false"),
				ResourceName:    tokenAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
			},
		},
	})
}

func TestAccServerTokenIdentity_importRecoversToken(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	byIdentity := env.emu.AddToken("by-identity", testEmail)
	withStore := env.emu.AddToken("with-store", testEmail)
	byID := env.emu.AddToken("by-id", testEmail)
	id := func(tok int64) string { return strconv.FormatInt(tok, 10) }
	addr := func(name string) string { return "b2b_server_token." + name }
	config := env.provider(authArg) +
		identityImport(addr("by_identity"), fmt.Sprintf("id = %q", id(byIdentity.ID))) +
		tokenBlock("by_identity", "by-identity", withPasswordWO) +
		identityImport(addr("with_store"), fmt.Sprintf("id = %q\n    store_hash = %q", id(withStore.ID), testStoreHash)) +
		tokenBlock("with_store", "with-store", withPasswordWO) +
		importByID(addr("by_id"), byID.ID) +
		tokenBlock("by_id", "by-id", withPasswordWO)
	identity := func(tokID int64) map[string]knownvalue.Check {
		return map[string]knownvalue.Check{"id": knownvalue.StringExact(id(tokID)), "store_hash": knownvalue.StringExact(testStoreHash)}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		TerraformVersionChecks:   identityVersions,
		CheckDestroy:             env.checkNoTokensNamed("by-identity", "with-store", "by-id"),
		Steps: []resource.TestStep{{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				// An import reads no value: each is an update that reads its token at apply.
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr("by_identity"), plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(addr("with_store"), plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(addr("by_id"), plancheck.ResourceActionUpdate),
				},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				// The token value, name and store come from the list, as with an import by id.
				stateMatchesEmulator(env, addr("by_identity")),
				stateMatchesEmulator(env, addr("with_store")),
				stateMatchesEmulator(env, addr("by_id")),
				statecheck.ExpectKnownValue(addr("by_identity"), tfjsonpath.New("store_hash"), knownvalue.StringExact(testStoreHash)),
				statecheck.ExpectIdentity(addr("by_identity"), identity(byIdentity.ID)),
				statecheck.ExpectIdentity(addr("with_store"), identity(withStore.ID)),
				// An import by id sets the identity too.
				statecheck.ExpectIdentity(addr("by_id"), identity(byID.ID)),
			},
		}},
	})
	env.expectCalls(routeCreateToken, 0, "an import creates nothing")
}

func TestAccServerTokenIdentity_importRejectsInvalidIdentity(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	cases := []struct{ name, identity, want string }{
		{"id not numeric", `id = "ci-deploy"`, `(?s)identity's id must be the numeric token id.*"ci-deploy"`},
		{"store_hash invalid", `id = "1"` + "\n    store_hash = \"ABC\"", `(?s)identity's store_hash must be a BigCommerce store hash`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env.test(t, identityVersions, []resource.TestStep{{
				Config:      env.provider(authArg) + identityImport(tokenAddr, tc.identity) + serverTokenConfig("x", withPasswordWO),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(tc.want),
			}})
		})
	}
}

// TestAccServerTokenIdentity_importGeneratesConfig: `terraform plan -generate-config-out`
// for an import by identity writes a configuration that plans as a no-op import, without a
// password (the password is needed only to create a token), and with token_in_state = false
// (an import reads no value).
func TestAccServerTokenIdentity_importGeneratesConfig(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		TerraformVersionChecks:   identityVersions,
		CheckDestroy:             env.checkNoTokensNamed("ci"),
		Steps: []resource.TestStep{
			{Config: requiredProviders + env.provider(authArg) + serverTokenConfig("ci", withPasswordWO)},
			{
				Config:          requiredProviders + env.provider(authArg),
				ResourceName:    tokenAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
				GenerateConfig:  true,
			},
		},
	})
}
