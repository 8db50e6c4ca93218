package provider

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// refusingOnceFor answers the first listing with a 429 asking for an hour's wait, as a
// misconfigured gateway might: the provider waits no longer than it would for any retry.
func refusingOnceFor(asked string) frontFunc {
	var refused atomic.Bool
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/backend/tokens") || refused.Swap(true) {
			return false
		}
		w.Header().Set("Retry-After", asked)
		w.Header().Set("X-Request-Window-Resets-After", asked+".0 s")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"code":429,"message":"Too many requests","data":{}}`))
		return true
	}
}

// A rate-limit reply asking for an hour is waited for no longer than the retry maximum (the
// tests' is milliseconds); the run goes on, and says what was asked and what it waited, in
// both credential modes.
func TestAccProvider_longRateLimitWaitIsCappedAndTold(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"auth_token", "password only"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			env := newAccEnv(t)
			cli := newTerraformCLI(t, env, "1.11.0")
			credential := ""
			if mode == "auth_token" {
				credential, _ = env.bootstrapAuthToken()
			}
			env.inFront(refusingOnceFor("3600"))
			out := cli.apply(env.provider(credential) + serverTokenConfig("patient", withPasswordWO))
			cli.contains(out, "BigCommerce asked for a long rate-limit wait", "wait 1h0m0s", "waited 5ms instead")
			if toks := env.tokensNamed("patient"); len(toks) != 1 {
				t.Fatalf("%d tokens named patient, want 1", len(toks))
			}
			cli.run("destroy", "-auto-approve", "-input=false")
		})
	}
}
