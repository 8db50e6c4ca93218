package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

const (
	testStoreHash = "abc123"
	testEmail     = "admin@example.com"
	testPassword  = "Correct-Horse-42"
)

// accEnv is one acceptance test's world: an emulator of the B2B API on loopback, and a
// provider that talks to it with waits shortened to milliseconds.
type accEnv struct {
	t   *testing.T
	emu *emulator.Server
	url string
	// env is the provider's environment: its own, not the process's, so that tests run in
	// parallel.
	env map[string]string
	// clientConfig adjusts the API client's configuration further (after fastWaits).
	clientConfig []func(*b2b.Config)
}

func newAccEnv(t *testing.T, tweak ...func(*emulator.Options)) *accEnv {
	t.Helper()
	opts := emulator.Options{
		StoreHash: testStoreHash,
		Users:     []emulator.User{{Email: testEmail, Password: testPassword, Role: "administrator"}},
	}
	for _, f := range tweak {
		f(&opts)
	}
	emu := emulator.New(opts)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return &accEnv{t: t, emu: emu, url: srv.URL + "/api/io", env: map[string]string{}}
}

func (e *accEnv) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	adjust := func(c *b2b.Config) {
		fastWaits(c)
		for _, f := range e.clientConfig {
			f(c)
		}
	}
	return map[string]func() (tfprotov6.ProviderServer, error){
		"b2b": providerserver.NewProtocol6WithError(New("test", WithClientConfig(adjust), WithEnv(e.env))()),
	}
}

func fastWaits(c *b2b.Config) {
	c.RetryWaitMin = time.Millisecond
	c.RetryWaitMax = 5 * time.Millisecond
	c.LocateWait = time.Millisecond
	c.LocateAttempts = 4
}

// requiredProviders names the provider's source as terraform-plugin-testing serves it. The
// framework adds this block itself, except when the first step is an import, and OpenTofu,
// unlike Terraform, then looks the provider up in its own registry.
const requiredProviders = `terraform {
  required_providers {
    b2b = {
      source = "registry.terraform.io/hashicorp/b2b"
    }
  }
}
`

// provider renders a provider block for the emulator; extra lines go inside it.
func (e *accEnv) provider(extra ...string) string {
	return fmt.Sprintf("provider \"b2b\" {\n  api_url    = %q\n  store_hash = %q\n  %s\n}\n", e.url, testStoreHash, strings.Join(extra, "\n  "))
}

// bootstrapAuthToken adds a token to the store out of band and returns a provider argument
// line that authenticates with it.
func (e *accEnv) bootstrapAuthToken() (string, emulator.Token) {
	tok := e.emu.AddToken("bootstrap", testEmail)
	return fmt.Sprintf("auth_token = %q", tok.Token), tok
}

// tokensNamed is what the emulator holds under name.
func (e *accEnv) tokensNamed(name string) []emulator.Token {
	var out []emulator.Token
	for _, t := range e.emu.Tokens() {
		if t.Name == name {
			out = append(out, t)
		}
	}
	return out
}

// checkNoTokensNamed is a CheckDestroy: nothing the test created is left in the store.
func (e *accEnv) checkNoTokensNamed(names ...string) func(*terraform.State) error {
	return func(*terraform.State) error {
		for _, name := range names {
			if left := e.tokensNamed(name); len(left) > 0 {
				return fmt.Errorf("orphaned in the emulator after destroy: %d token(s) named %q", len(left), name)
			}
		}
		return nil
	}
}

// callsTo lists the emulator's record of one route.
func (e *accEnv) callsTo(route string) []emulator.Call {
	method, p, _ := strings.Cut(route, " ")
	var out []emulator.Call
	for _, c := range e.emu.Calls() {
		if c.Method == method && c.Path == p {
			out = append(out, c)
		}
	}
	return out
}

// deletedIDs are the ids sent in the bodies of DELETE /auth/backend that succeeded.
func (e *accEnv) deletedIDs() []int64 {
	var ids []int64
	for _, c := range e.callsTo("DELETE /auth/backend") {
		var body struct {
			ID int64 `json:"id"`
		}
		if c.Status == 200 && json.Unmarshal(c.Body, &body) == nil {
			ids = append(ids, body.ID)
		}
	}
	return ids
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

// stateMatchesEmulator checks that the resource's id and token are those of a token the
// emulator holds under its name.
type stateMatchesEmulator struct {
	env     *accEnv
	address string
}

func (c stateMatchesEmulator) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	attrs, err := stateAttributes(req, c.address)
	if err != nil {
		resp.Error = err
		return
	}
	id, _ := strconv.ParseInt(fmt.Sprint(attrs["id"]), 10, 64)
	tok, ok := c.env.emu.Token(id)
	if !ok {
		resp.Error = fmt.Errorf("%s has id %v, which the emulator does not hold", c.address, attrs["id"])
		return
	}
	if tok.Token != attrs["token"] || tok.Name != attrs["name"] {
		resp.Error = fmt.Errorf("%s: state does not match the emulator's token %d", c.address, id)
	}
}

// stateAttributes are the attribute values of the object at address in the state.
func stateAttributes(req statecheck.CheckStateRequest, address string) (map[string]any, error) {
	if req.State == nil || req.State.Values == nil {
		return nil, fmt.Errorf("no state")
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address == address {
			return r.AttributeValues, nil
		}
	}
	return nil, fmt.Errorf("%s not in state", address)
}
