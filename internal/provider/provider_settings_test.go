package provider

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

func nullProviderModel() providerModel {
	return providerModel{
		APIURL: types.StringNull(), StoreHash: types.StringNull(), AccessToken: types.StringNull(),
		AuthToken: types.StringNull(), MaxRetries: types.Int64Null(), RequestTimeout: timetypes.NewGoDurationNull(),
		RateLimitReserve: types.Int64Null(), ListLag: timetypes.NewGoDurationNull(),
	}
}

// envOf is a provider environment that holds only vars.
func envOf(vars map[string]string) lookupEnv {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// mustResolve is the client configuration of config in the environment vars, which must
// be valid.
func mustResolve(t *testing.T, config providerModel, vars map[string]string) b2b.Config {
	t.Helper()
	c, diags := resolveSettings(config, "dev", "", envOf(vars))
	if diags.HasError() {
		t.Fatalf("unexpected diagnostics: %v", diags)
	}
	return c
}

func TestResolveSettings_defaults(t *testing.T) {
	t.Parallel()
	c, diags := resolveSettings(nullProviderModel(), "1.2.3", "1.11.4", envOf(nil))
	if diags.HasError() {
		t.Fatalf("unexpected diagnostics: %v", diags)
	}
	if c.BaseURL != b2b.DefaultBaseURL || c.MaxRetries != 4 || c.RequestTimeout != 30*time.Second || c.RateLimitReserve != 20 ||
		c.ListLag != 30*time.Second {
		t.Errorf("defaults: got url %q, retries %d, timeout %s, reserve %d, list lag %s",
			c.BaseURL, c.MaxRetries, c.RequestTimeout, c.RateLimitReserve, c.ListLag)
	}
	if c.UserAgent != "terraform-provider-b2b/1.2.3 Terraform/1.11.4" {
		t.Errorf("user agent %q", c.UserAgent)
	}
}

func TestResolveSettings_environmentFillsUnsetArguments(t *testing.T) {
	t.Parallel()
	c := mustResolve(t, nullProviderModel(), map[string]string{
		envAPIURL:           "http://127.0.0.1:9/api/io",
		envStoreHash:        "envstore",
		envAccessToken:      "env-access",
		envAuthToken:        "env-auth",
		envMaxRetries:       "0",
		envRequestTimeout:   "5s",
		envRateLimitReserve: "0",
		envListLag:          "2m",
	})
	if c.BaseURL != "http://127.0.0.1:9/api/io" || c.StoreHash != "envstore" || c.AccessToken != "env-access" || c.AuthToken != "env-auth" {
		t.Errorf("env not applied: %+v", c)
	}
	if !c.NoRetries {
		t.Errorf("max_retries 0 must disable retries, got client MaxRetries %d", c.MaxRetries)
	}
	if c.RequestTimeout != 5*time.Second || c.RateLimitReserve != 0 || c.ListLag != 2*time.Minute {
		t.Errorf("timeout %s, reserve %d, list lag %s", c.RequestTimeout, c.RateLimitReserve, c.ListLag)
	}
}

func TestResolveSettings_configurationWinsOverEnvironment(t *testing.T) {
	t.Parallel()
	m := nullProviderModel()
	m.StoreHash = types.StringValue("configstore")
	m.AuthToken = types.StringValue("config-auth")
	m.MaxRetries = types.Int64Value(2)
	m.RequestTimeout = timetypes.NewGoDurationValueFromStringMust("90s")
	m.ListLag = timetypes.NewGoDurationValueFromStringMust("45s")
	c := mustResolve(t, m, map[string]string{
		envStoreHash:      "envstore",
		envAuthToken:      "env-auth",
		envMaxRetries:     "7",
		envRequestTimeout: "5s",
		envListLag:        "5m",
	})
	if c.StoreHash != "configstore" || c.AuthToken != "config-auth" || c.MaxRetries != 2 || c.RequestTimeout != 90*time.Second ||
		c.ListLag != 45*time.Second {
		t.Errorf("configuration did not win: %+v", c)
	}
}

func TestResolveSettings_invalidEnvironmentNamesTheVariable(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, env, value, want string }{
		{"api_url not https", envAPIURL, "http://api.example.com/api/io", "B2B_API_URL"},
		{"store hash uppercase", envStoreHash, "ABC", "BIGCOMMERCE_STORE_HASH"},
		{"retries not a number", envMaxRetries, "many", "B2B_MAX_RETRIES"},
		{"reserve too large", envRateLimitReserve, "1001", "B2B_RATE_LIMIT_RESERVE"},
		{"reserve not a number", envRateLimitReserve, "lots", "B2B_RATE_LIMIT_RESERVE"},
		{"timeout not duration", envRequestTimeout, "soon", "B2B_REQUEST_TIMEOUT"},
		{"timeout not positive", envRequestTimeout, "0s", "request_timeout"},
		{"list lag not duration", envListLag, "soon", "B2B_LIST_LAG must be a Go duration"},
		{"list lag zero", envListLag, "0s", "B2B_LIST_LAG must be a Go duration from 1s to 1h"},
		{"list lag negative", envListLag, "-30s", "B2B_LIST_LAG"},
		{"list lag too short", envListLag, "500ms", "B2B_LIST_LAG"},
		{"list lag too long", envListLag, "61m", "B2B_LIST_LAG"},
		{"api_url not absolute", envAPIURL, "api-b2b.bigcommerce.com", "B2B_API_URL"},
		{"api_url with password", envAPIURL, "https://user:pw@api.example.com", "credentials"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, diags := resolveSettings(nullProviderModel(), "dev", "", envOf(map[string]string{tc.env: tc.value}))
			if !diags.HasError() {
				t.Fatalf("%s=%q accepted", tc.env, tc.value)
			}
			if text := diagsText(diags); !strings.Contains(text, tc.want) {
				t.Errorf("diagnostics %q do not mention %s", text, tc.want)
			}
		})
	}
}

// list_lag from the environment is held to the bounds the schema holds the configuration to,
// inclusive, and its error has the argument's path.
func TestResolveSettings_listLagBounds(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"1s", "30s", "1h", "59m59s"} {
		want, _ := time.ParseDuration(ok)
		if c := mustResolve(t, nullProviderModel(), map[string]string{envListLag: ok}); c.ListLag != want {
			t.Errorf("B2B_LIST_LAG=%s: list lag %s", ok, c.ListLag)
		}
	}
	_, diags := resolveSettings(nullProviderModel(), "dev", "", envOf(map[string]string{envListLag: "2h"}))
	if len(diags) != 1 || !diags.HasError() {
		t.Fatalf("want one error, got %v", diags)
	}
	if d, ok := diags[0].(diag.DiagnosticWithPath); !ok || !d.Path().Equal(path.Root("list_lag")) {
		t.Errorf("the error has no list_lag path: %v", diags[0])
	}
	// A configured value out of bounds, past the schema's validator (as in a unit test), names
	// the argument rather than the variable.
	config := nullProviderModel()
	config.ListLag = timetypes.NewGoDurationValueFromStringMust("100ms")
	_, diags = resolveSettings(config, "dev", "", envOf(map[string]string{envListLag: "30s"}))
	if text := diagsText(diags); !diags.HasError() || !strings.Contains(text, `list_lag must be a Go duration from 1s to 1h, got "100ms"`) {
		t.Errorf("configured 100ms: %s", text)
	}
}

// An argument that is only known after apply cannot configure the provider at plan.
func TestResolveSettings_unknownListLagIsAnError(t *testing.T) {
	t.Parallel()
	config := nullProviderModel()
	config.ListLag = timetypes.NewGoDurationUnknown()
	_, diags := resolveSettings(config, "dev", "", envOf(nil))
	if !diags.HasError() || !strings.Contains(diagsText(diags), `"list_lag" depends on a value`) {
		t.Errorf("diagnostics: %v", diags)
	}
}

func TestValidateAPIURL_loopbackMayUseHTTP(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"https://api-b2b.bigcommerce.com/api/io", "http://127.0.0.1:8799/api/io", "http://127.8.9.1/api/io", "http://[::1]:80/api/io", "http://localhost:1/api/io"} {
		if err := validateAPIURL(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://10.0.0.1/api/io", "http://localhost.example.com/api/io", "ftp://127.0.0.1/", "http://128.0.0.1/"} {
		if err := validateAPIURL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// jwtOfStore is an auth_token whose claims name store.
func jwtOfStore(store string) string {
	return jwtOf(`{"email":"a@example.com","store_hash":"` + store + `","db":"b2b"}`)
}

func TestResolveSettings_authTokenOfAnotherStoreIsRefused(t *testing.T) {
	t.Parallel()
	config := nullProviderModel()
	config.StoreHash = types.StringValue("mystore")
	config.AuthToken = types.StringValue(jwtOfStore("otherstore"))
	_, diags := resolveSettings(config, "dev", "", envOf(nil))
	if !diags.HasError() || !strings.Contains(diagsText(diags), `token of store "otherstore"`) {
		t.Fatalf("want an error naming the auth_token's store, got %v", diags)
	}
	config.AuthToken = types.StringValue(jwtOfStore("mystore"))
	if _, diags := resolveSettings(config, "dev", "", envOf(nil)); diags.HasError() {
		t.Fatalf("an auth_token of the provider's store refused: %v", diags)
	}
}

func TestResolveSettings_apiURLNeverEchoesUserinfo(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"https://user:s3cret@example.com/api/io", "http://user:s3cret@%zz", "ftp://user:s3cret@example.com"} {
		config := nullProviderModel()
		config.APIURL = types.StringValue(raw)
		_, diags := resolveSettings(config, "dev", "", envOf(nil))
		if !diags.HasError() {
			t.Errorf("%s accepted", raw)
		}
		if strings.Contains(diagsText(diags), "s3cret") {
			t.Errorf("the password of %q is echoed: %s", raw, diagsText(diags))
		}
	}
}

func TestResolveSettings_unknownBasePathWarns(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw         string
		wantWarning bool
	}{
		{"https://api-b2b.bigcommerce.com/api/io", false},
		{"https://api-b2b.bigcommerce.com/api/v3/io", false},
		{"https://api-b2b.bigcommerce.com/", true},
		{"https://api-b2b.bigcommerce.com/api/v2", true},
	} {
		raw, wantWarning := tc.raw, tc.wantWarning
		config := nullProviderModel()
		config.APIURL = types.StringValue(raw)
		_, diags := resolveSettings(config, "dev", "", envOf(nil))
		if got := diags.WarningsCount() > 0; got != wantWarning || diags.HasError() {
			t.Errorf("%s: warning %v, want %v (%v)", raw, got, wantWarning, diags)
		}
	}
}

// diagsText is the summary and detail of every diagnostic, for checks on their wording.
func diagsText(diags diag.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary() + ": " + d.Detail() + "\n")
	}
	return b.String()
}
