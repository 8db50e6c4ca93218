package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// ephemeralServerTokenConfig is a valid b2b_server_token ephemeral resource, named ci-…,
// with the extra arguments.
func ephemeralServerTokenConfig(extra ...string) string {
	return hclBlock(`ephemeral "b2b_server_token" "x"`, append([]string{
		`name_prefix = "ci-"`,
		fmt.Sprintf("email       = %q", testEmail),
		fmt.Sprintf("password    = %q", testPassword),
	}, extra...)...)
}

var echoServerTokenResults = echoAttributes("ephemeral.b2b_server_token.x", "id", "name", "token")

var ciTokenName = regexp.MustCompile(`^ci-[0-9a-f]{8}$`)

// echoedTokenDeleted checks that the token echo.test shows was deleted by its id, in the
// body of a delete, authenticated with wantAuth (or, when empty, with the
// token itself), and that the emulator no longer holds it.
type echoedTokenDeleted struct {
	env      *accEnv
	wantAuth string
}

func (c echoedTokenDeleted) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	data, err := echoData(req)
	if err != nil {
		resp.Error = err
		return
	}
	id, err := strconv.ParseInt(fmt.Sprint(data["id"]), 10, 64)
	if err != nil {
		resp.Error = fmt.Errorf("echoed id %v is not numeric", data["id"])
		return
	}
	if _, held := c.env.emu.Token(id); held {
		resp.Error = fmt.Errorf("token %d still exists after the run", id)
		return
	}
	wantAuth := c.wantAuth
	if wantAuth == "" {
		wantAuth = fmt.Sprint(data["token"])
	}
	for _, call := range c.env.callsTo(routeDeleteToken) {
		if jsonBody(call, fmt.Sprintf(`{"id":%d}`, id)) == nil && call.Status == 200 {
			resp.Error = credentialHeaders(call, map[string]string{"authToken": wantAuth})
			return
		}
	}
	resp.Error = fmt.Errorf("no successful delete with {\"id\": %d} in its body", id)
}

// everyCreatedTokenDeleted: each token the runs created (during plan as well as apply) was
// deleted again when Terraform closed it.
func everyCreatedTokenDeleted(e *accEnv, prefix string) error {
	created := e.successfulCalls(routeCreateToken)
	if left := e.tokensPrefixed(prefix); len(left) > 0 {
		return fmt.Errorf("%d token(s) named %s… outlived the run", len(left), prefix)
	}
	// One plan and one apply at least: Terraform opens ephemeral resources in both.
	if created < 2 {
		return fmt.Errorf("want a token created in plan and another in apply, got %d creates", created)
	}
	if deleted := len(e.deletedIDs()); deleted != created {
		return fmt.Errorf("%d tokens created, %d deleted", created, deleted)
	}
	return nil
}

func TestAccEphemeralServerToken_deletedWithOwnTokenAtClose(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	env.testEphemeral(t, resource.TestStep{
		Config: env.provider() + ephemeralServerTokenConfig() + echoServerTokenResults,
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(echoAddr, echoed("name"), knownvalue.StringRegexp(ciTokenName)),
			statecheck.ExpectKnownValue(echoAddr, echoed("id"), knownvalue.StringRegexp(regexp.MustCompile(`^[0-9]+$`))),
			statecheck.ExpectKnownValue(echoAddr, echoed("token"), tokenWithClaims(map[string]any{"email": testEmail, "store_hash": testStoreHash})),
			echoedTokenDeleted{env: env},
			onlyEcho{},
			secretAbsentFromState{testPassword},
		},
	})
	if err := everyCreatedTokenDeleted(env, "ci-"); err != nil {
		t.Error(err)
	}
	names := map[string]bool{}
	for _, c := range env.callsTo(routeCreateToken) {
		var body struct{ Name string }
		if err := json.Unmarshal(c.Body, &body); err != nil || !ciTokenName.MatchString(body.Name) {
			t.Errorf("create body name %q, want ci- and 8 hex digits", body.Name)
		}
		names[body.Name] = true
	}
	if n := env.emu.CallCount(routeCreateToken); len(names) != n {
		t.Errorf("%d creates used only %d distinct names", n, len(names))
	}
}

func TestAccEphemeralServerToken_deletedWithProviderAuthToken(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, bootstrap := env.bootstrapAuthToken()
	env.testEphemeral(t, resource.TestStep{
		Config: env.provider(authArg) + ephemeralServerTokenConfig(fmt.Sprintf("store_hash = %q", testStoreHash)) +
			echoServerTokenResults,
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownValue(echoAddr, echoed("name"), knownvalue.StringRegexp(ciTokenName)),
			echoedTokenDeleted{env: env, wantAuth: bootstrap.Token},
			onlyEcho{},
		},
	})
	if err := everyCreatedTokenDeleted(env, "ci-"); err != nil {
		t.Error(err)
	}
	if _, held := env.emu.Token(bootstrap.ID); !held {
		t.Error("the provider's own auth_token was deleted")
	}
}

func TestAccEphemeralServerToken_failedCloseIsAnError(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	env.testEphemeral(t, resource.TestStep{
		PreConfig: func() {
			env.emu.InjectFault(routeDeleteToken, statusFault(400))
		},
		Config:      env.provider() + ephemeralServerTokenConfig() + echoServerTokenResults,
		ExpectError: regexp.MustCompile(`(?s)Could not delete the server token.*"ci-[0-9a-f]{8}"\s+\(id\s+\d+\).*may\s+still\s+exist.*DELETE /auth/backend: HTTP\s+400`),
	})
	// The error tells the truth: the token whose delete failed is still there.
	if left := env.tokensPrefixed("ci-"); len(left) != 1 {
		t.Errorf("want the one token whose delete failed left in the store, got %d", len(left))
	}
}

func TestAccEphemeralServerToken_alreadyDeletedIsFine(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	env.testEphemeral(t, resource.TestStep{
		// Someone deletes each token as soon as it is created: the 404 at close is no error.
		PreConfig: func() {
			env.emu.OnRequest(func(c emulator.Call) {
				if isCall(c, routeListTokens) {
					env.removeTokens(env.tokensPrefixed("ci-"))
				}
			})
		},
		Config: env.provider(authArg) + ephemeralServerTokenConfig() + echoServerTokenResults,
		Check: func(*terraform.State) error {
			for _, c := range env.callsTo(routeDeleteToken) {
				if c.Status != 404 {
					return fmt.Errorf("a delete answered %d, want 404 for every close", c.Status)
				}
			}
			return nil
		},
	})
}

func TestAccEphemeralServerToken_refusesInvalidConfigurationBeforeTheAPI(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	config := func(args ...string) string {
		return env.provider() + hclBlock(`ephemeral "b2b_server_token" "x"`, args...) + echoServerTokenResults
	}
	email := fmt.Sprintf("email = %q", testEmail)
	env.testEphemeral(t, resource.TestStep{
		Config:      config(`name_prefix = "ci-"`, `email = "admin"`, `password = "p"`),
		ExpectError: regexp.MustCompile(`Attribute email must be an email address`),
	}, resource.TestStep{
		Config:      config(`name_prefix = ""`, email, `password = "p"`),
		ExpectError: regexp.MustCompile(`Attribute name_prefix string length must be at least 1`),
	}, resource.TestStep{
		Config:      config(`name_prefix = "ci-"`, email, `password = "p"`, `store_hash = "Not_A_Hash"`),
		ExpectError: regexp.MustCompile(`Attribute store_hash must be a BigCommerce store hash`),
	}, resource.TestStep{
		Config:      config(`name_prefix = "ci-"`, email, `password = "wrong"`),
		ExpectError: regexp.MustCompile(`(?s)Could not create the server token.*POST /auth/backend: HTTP 400`),
	})
	env.expectCalls(routeCreateToken, 1, "only the wrong password reaches the API")
}
