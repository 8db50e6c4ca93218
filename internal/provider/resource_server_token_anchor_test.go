package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/b2bedition/terraform-provider-b2b/internal/emulator"
)

// replicaHiding answers listings as the emulator does, without the tokens hide picks: a
// replica that drops a token (for one behind the store, see the emulator's SetReplicaAsOf).
func replicaHiding(env *accEnv, hide func(id int64) bool) frontFunc {
	return listingWithout(env, func(t emulator.Token) bool { return hide(t.ID) }, false)
}

// listingWithout answers listings as the emulator does, without the tokens hide picks. Its
// totalCount counts only those shown, or, with counted, every token (then no listing adds
// up, and none is complete).
func listingWithout(env *accEnv, hide func(emulator.Token) bool, counted bool) frontFunc {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || r.URL.Path != "/api/io/backend/tokens" {
			return false
		}
		hidden := map[int64]bool{}
		all := env.emu.Tokens()
		for _, t := range all {
			hidden[t.ID] = hide(t)
		}
		rec := httptest.NewRecorder()
		env.emu.ServeHTTP(rec, r)
		var body map[string]any
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil {
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return true
		}
		data, _ := body["data"].([]any)
		kept := []any{}
		for _, t := range data {
			m, _ := t.(map[string]any)
			id, _ := strconv.ParseInt(fmt.Sprint(m["id"]), 10, 64)
			if !hidden[id] {
				kept = append(kept, t)
			}
		}
		body["data"] = kept
		if meta, ok := body["meta"].(map[string]any); ok {
			if p, ok := meta["pagination"].(map[string]any); ok && !counted {
				total := 0
				for _, t := range all {
					if !hidden[t.ID] {
						total++
					}
				}
				p["totalCount"] = total
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
		return true
	}
}

// Absence needs an anchor: a replica as of a time before the token was made shows the
// credentials made earlier (auth_token) or nothing that proves anything (access_token),
// and the token is kept, not replaced. Once a newer token is listed and the token is not,
// it is gone. With auth_token, and with access_token and no value in state.
func TestAccServerToken_absenceNeedsANewerToken(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"auth_token", "access_token"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			env := newAccEnv(t, withCustomers, func(o *emulator.Options) { o.AccessTokenListsTokens = true })
			args, extra := []string{fmt.Sprintf("access_token = %q", storeLevelAccessToken)}, []string{`token_in_state = false`}
			if mode == "auth_token" {
				authArg, _ := env.bootstrapAuthToken()
				args, extra = []string{authArg}, nil
			}
			cli := newTerraformCLI(t, env, "1.11.0")
			config := env.provider(args...) + serverTokenConfig("anchored", withPasswordWO, extra...)
			cli.apply(config)
			made := env.tokensNamed("anchored")[0]

			env.emu.SetReplicaAsOf(made.CreatedAt.Add(-time.Nanosecond))
			for range 2 {
				cli.contains(cli.run("plan", "-input=false"), `No changes`, `Server token kept in state`)
			}
			env.emu.SetReplicaAsOf(time.Time{})
			cli.contains(cli.run("plan", "-input=false"), `No changes`)

			newer := env.emu.AddToken("newer", testEmail)
			env.emu.RemoveToken(made.ID)
			cli.contains(cli.run("plan", "-input=false"), `1 to add`, `Server token deleted outside Terraform`)
			env.emu.RemoveToken(newer.ID)
			env.expectCreates("anchored", 1, "nothing is created by plans")
		})
	}
}

// A token an earlier refresh found gone (a replica that dropped it) is looked for again by
// every refresh: listed again, it is back in state and nothing replaces it.
func TestAccServerToken_goneIsCheckedAgain(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	authArg, _ := env.bootstrapAuthToken()
	cli := newTerraformCLI(t, env, "1.11.0")
	config := env.provider(authArg) + serverTokenConfig("tombstone", withPasswordWO, `token_in_state = false`)
	cli.apply(config)
	made := env.tokensNamed("tombstone")[0]
	env.emu.AddToken("newer", testEmail) // an anchor the broken replica shows
	dropped := env.inFront(replicaHiding(env, func(id int64) bool { return id == made.ID }))
	cli.contains(cli.run("apply", "-refresh-only", "-auto-approve", "-input=false"), `Server token deleted outside Terraform`)
	dropped()
	out := cli.run("apply", "-auto-approve", "-input=false")
	cli.contains(out, `Server token found again`)
	cli.contains(out, `0 added, 0 changed, 0 destroyed`)
	if _, live := env.emu.Token(made.ID); !live || len(env.tokensNamed("tombstone")) != 1 {
		t.Fatalf("the token %d was replaced: %v", made.ID, env.tokensNamed("tombstone"))
	}
	env.expectCreates("tombstone", 1, "the token found again is kept")
}
