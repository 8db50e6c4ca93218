package provider

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// otherPipelineCreates makes, just before this run's create of name reaches the store, a
// token of that name and email as another pipeline applying to the store would; it returns
// that token once made.
func otherPipelineCreates(env *accEnv, name string) func() emulator.Token {
	return otherPipelineCreatesAs(env, name, name)
}

// otherPipelineCreatesAs is otherPipelineCreates with the other pipeline's token named theirs.
func otherPipelineCreatesAs(env *accEnv, name, theirs string) func() emulator.Token {
	var made atomic.Pointer[emulator.Token]
	env.inFront(func(_ http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodPost || r.URL.Path != "/api/io/auth/backend" || made.Load() != nil {
			return false
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var req struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(body, &req) == nil && req.Name == name {
			t := env.emu.AddToken(theirs, testEmail)
			made.Store(&t)
		}
		return false
	})
	return func() emulator.Token {
		if t := made.Load(); t != nil {
			return *t
		}
		env.t.Fatal("the other pipeline's create never ran")
		return emulator.Token{}
	}
}

// Two pipelines create tokens of one name and email at once, with the documented S2S claims
// (every token of the user is one string): the other's token shows while this run's lags.
// This run never takes it for its own, and its destroy never deletes it.
func TestAccServerToken_twoPipelinesOneNameNeverTakeEachOthersToken(t *testing.T) {
	t.Parallel()
	for _, withAuthToken := range credentialModes {
		t.Run(modeName(withAuthToken), func(t *testing.T) {
			t.Parallel()
			env := newAccEnv(t, func(o *emulator.Options) { o.TokenValues = emulator.DocumentedClaims })
			var args []string
			if withAuthToken {
				authArg, _ := env.bootstrapAuthToken()
				args = append(args, authArg)
			}
			others := otherPipelineCreates(env, "shared")
			env.emu.SetListLag(2)
			cli := newTerraformCLI(t, env, "1.11.0")
			config := env.provider(args...) + serverTokenConfig("shared", withPasswordWO)
			cli.write("main.tf", cli.requiredProviders()+config)
			cli.init()
			_, _ = cli.exec("apply", "-auto-approve", "-input=false")
			theirs := others()
			if cli.state()[strconv.FormatInt(theirs.ID, 10)] != nil {
				t.Fatalf("this run took the other pipeline's token %d for its own", theirs.ID)
			}
			_, _ = cli.exec("apply", "-auto-approve", "-input=false")
			_, _ = cli.exec("destroy", "-auto-approve", "-input=false")
			if slices.Contains(env.deletedIDs(), theirs.ID) {
				t.Fatalf("this run deleted the other pipeline's token %d", theirs.ID)
			}
			if _, ok := env.emu.Token(theirs.ID); !ok {
				t.Fatalf("the other pipeline's token %d is gone", theirs.ID)
			}
		})
	}
}
