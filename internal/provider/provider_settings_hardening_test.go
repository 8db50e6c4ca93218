package provider

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func jwtOfStore(store string) string {
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"email":"a@example.com","store_hash":"` + store + `","db":"b2b"}`))
	return "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9." + payload + ".c2ln"
}

func TestResolveSettings_authTokenOfAnotherStoreIsRefused(t *testing.T) {
	config := nullProviderModel()
	config.StoreHash = types.StringValue("mystore")
	config.AuthToken = types.StringValue(jwtOfStore("otherstore"))
	_, diags := resolveSettings(config, "dev", "", noEnv)
	if !diags.HasError() || !strings.Contains(diagsText(diags), `token of store "otherstore"`) {
		t.Fatalf("want an error naming the auth_token's store, got %v", diags)
	}
	config.AuthToken = types.StringValue(jwtOfStore("mystore"))
	if _, diags := resolveSettings(config, "dev", "", noEnv); diags.HasError() {
		t.Fatalf("an auth_token of the provider's store refused: %v", diags)
	}
}

func TestResolveSettings_apiURLNeverEchoesUserinfo(t *testing.T) {
	for _, raw := range []string{"https://user:s3cret@example.com/api/io", "http://user:s3cret@%zz", "ftp://user:s3cret@example.com"} {
		config := nullProviderModel()
		config.APIURL = types.StringValue(raw)
		_, diags := resolveSettings(config, "dev", "", noEnv)
		if !diags.HasError() {
			t.Errorf("%s accepted", raw)
		}
		if strings.Contains(diagsText(diags), "s3cret") {
			t.Errorf("the password of %q is echoed: %s", raw, diagsText(diags))
		}
	}
}

func TestResolveSettings_unknownBasePathWarns(t *testing.T) {
	for raw, wantWarning := range map[string]bool{
		"https://api-b2b.bigcommerce.com/api/io":    false,
		"https://api-b2b.bigcommerce.com/api/v3/io": false,
		"https://api-b2b.bigcommerce.com/":          true,
		"https://api-b2b.bigcommerce.com/api/v2":    true,
	} {
		config := nullProviderModel()
		config.APIURL = types.StringValue(raw)
		_, diags := resolveSettings(config, "dev", "", noEnv)
		if got := diags.WarningsCount() > 0; got != wantWarning || diags.HasError() {
			t.Errorf("%s: warning %v, want %v (%v)", raw, got, wantWarning, diags)
		}
	}
}

func TestResolveSettings_rateLimitReserve(t *testing.T) {
	s, _ := resolveSettings(nullProviderModel(), "dev", "", noEnv)
	if s.RateLimitReserve != defaultRateLimitReserve {
		t.Errorf("default reserve %d, want %d", s.RateLimitReserve, defaultRateLimitReserve)
	}
	env := func(name string) (string, bool) {
		return map[string]string{envRateLimitReserve: "0"}[name], name == envRateLimitReserve
	}
	if s, _ := resolveSettings(nullProviderModel(), "dev", "", env); s.RateLimitReserve != 0 {
		t.Errorf("B2B_RATE_LIMIT_RESERVE=0: reserve %d, want pacing off", s.RateLimitReserve)
	}
	bad := func(name string) (string, bool) { return "lots", name == envRateLimitReserve }
	if _, diags := resolveSettings(nullProviderModel(), "dev", "", bad); !diags.HasError() {
		t.Error("a reserve that is not a number accepted")
	}
}

func noEnv(string) (string, bool) { return "", false }

func diagsText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary() + ": " + d.Detail() + "\n")
	}
	return b.String()
}
