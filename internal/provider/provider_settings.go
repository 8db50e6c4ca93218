package provider

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

// Environment variables read when the provider configuration leaves an argument unset.
const (
	envAPIURL           = "B2B_API_URL"
	envStoreHash        = "BIGCOMMERCE_STORE_HASH"
	envAccessToken      = "BIGCOMMERCE_ACCESS_TOKEN"
	envAuthToken        = "B2B_AUTH_TOKEN"
	envMaxRetries       = "B2B_MAX_RETRIES"
	envRequestTimeout   = "B2B_REQUEST_TIMEOUT"
	envListLag          = "B2B_LIST_LAG"
	envRateLimitReserve = "B2B_RATE_LIMIT_RESERVE"
)

// defaultRateLimitReserve is the requests per rate-limit window left to the store's other
// integrations when rate_limit_reserve is not set.
const defaultRateLimitReserve = 20

// durationBounds is the range of a duration argument: a zero least means "greater than
// zero", a zero most no upper bound.
type durationBounds struct{ least, most time.Duration }

var (
	requestTimeoutBounds = durationBounds{}
	// listLagBounds: below a second, one quick listing right after a lost create could
	// conclude that it made nothing; above an hour, a lost create would hold an apply (which
	// polls the list for up to twice the lag) and its state lock for hours.
	listLagBounds = durationBounds{least: time.Second, most: time.Hour}
)

func (b durationBounds) allows(d time.Duration) bool {
	return d > 0 && d >= b.least && (b.most == 0 || d <= b.most)
}

func (b durationBounds) String() string {
	switch {
	case b.least <= 0 && b.most == 0:
		return "greater than zero"
	case b.most == 0:
		return "at least " + shortDuration(b.least)
	default:
		return "from " + shortDuration(max(b.least, time.Nanosecond)) + " to " + shortDuration(b.most)
	}
}

// shortDuration is d as Go prints it, without zero minutes and seconds: "1h", not "1h0m0s".
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// lookupEnv reads an environment variable; tests give each provider its own.
type lookupEnv func(string) (string, bool)

// resolveSettings is the API client's configuration from the provider's: configuration wins
// over its environment variable, which wins over the default. What came from the environment
// is validated as the schema validates what came from the configuration.
func resolveSettings(config providerModel, version, terraformVersion string, env lookupEnv) (b2b.Config, diag.Diagnostics) {
	diags := unknownArguments(config)
	if diags.HasError() {
		return b2b.Config{}, diags
	}
	cfg := b2b.Config{
		BaseURL:     stringSetting(config.APIURL, env, envAPIURL, b2b.DefaultBaseURL),
		StoreHash:   stringSetting(config.StoreHash, env, envStoreHash, ""),
		AccessToken: stringSetting(config.AccessToken, env, envAccessToken, ""),
		AuthToken:   stringSetting(config.AuthToken, env, envAuthToken, ""),
		UserAgent:   userAgent(version, terraformVersion),
	}
	if claimed, ok := b2b.TokenStoreHash(cfg.AuthToken); ok && cfg.StoreHash == "" {
		// An S2S token names its store: without a store_hash, it is the provider's store.
		cfg.StoreHash = claimed
	}
	diags.Append(validateEndpoint(cfg)...)
	diags.Append(resolveLimits(&cfg, config, env)...)
	return cfg, diags
}

// validateEndpoint checks where requests go and for which store: the API URL, the store
// hash, and that auth_token belongs to that store.
func validateEndpoint(cfg b2b.Config) diag.Diagnostics {
	var diags diag.Diagnostics
	if err := validateAPIURL(cfg.BaseURL); err != nil {
		diags.AddAttributeError(path.Root("api_url"), "Invalid API URL", fmt.Sprintf("api_url (or %s): %s", envAPIURL, err))
	} else if warning := unknownBasePath(cfg.BaseURL); warning != "" {
		diags.AddAttributeWarning(path.Root("api_url"), "Unexpected API base path", warning)
	}
	if cfg.StoreHash != "" && !storeHashPattern.MatchString(cfg.StoreHash) {
		diags.AddAttributeError(path.Root("store_hash"), "Invalid store hash",
			fmt.Sprintf("store_hash (or %s) must be lowercase letters and digits, got %q.", envStoreHash, cfg.StoreHash))
	}
	diags.Append(authTokenStoreMatches(cfg)...)
	return diags
}

// resolveLimits sets the retries, the rate-limit reserve, the request timeout and the list lag.
func resolveLimits(cfg *b2b.Config, config providerModel, env lookupEnv) diag.Diagnostics {
	retries, diags := intSetting(config.MaxRetries, env, "max_retries", envMaxRetries, b2b.DefaultMaxRetries, 20)
	cfg.MaxRetries, cfg.NoRetries = retries, retries == 0
	reserve, reserveDiags := intSetting(config.RateLimitReserve, env, "rate_limit_reserve", envRateLimitReserve, defaultRateLimitReserve, 1000)
	diags.Append(reserveDiags...)
	cfg.RateLimitReserve = reserve
	timeout, timeoutDiags := durationSetting(config.RequestTimeout, env, "request_timeout", envRequestTimeout,
		b2b.DefaultRequestTimeout, requestTimeoutBounds)
	diags.Append(timeoutDiags...)
	cfg.RequestTimeout = timeout
	lag, lagDiags := durationSetting(config.ListLag, env, "list_lag", envListLag, b2b.DefaultListLag, listLagBounds)
	diags.Append(lagDiags...)
	cfg.ListLag = lag
	return diags
}

func unknownArguments(config providerModel) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, arg := range []struct {
		name  string
		value interface{ IsUnknown() bool }
	}{
		{"api_url", config.APIURL}, {"store_hash", config.StoreHash}, {"access_token", config.AccessToken},
		{"auth_token", config.AuthToken}, {"max_retries", config.MaxRetries}, {"request_timeout", config.RequestTimeout},
		{"rate_limit_reserve", config.RateLimitReserve}, {"list_lag", config.ListLag},
	} {
		if arg.value.IsUnknown() {
			diags.AddAttributeError(path.Root(arg.name), "Provider argument not yet known",
				fmt.Sprintf("The provider's %q depends on a value that is only known after apply. "+
					"Configure it from a value known at plan time, such as a variable or an ephemeral resource.", arg.name))
		}
	}
	return diags
}

// authTokenStoreMatches refuses an auth_token whose JWT names another store than the
// provider's store_hash: its listings could never show the tokens made in that store.
func authTokenStoreMatches(cfg b2b.Config) diag.Diagnostics {
	var diags diag.Diagnostics
	claimed, ok := b2b.TokenStoreHash(cfg.AuthToken)
	if ok && cfg.StoreHash != "" && claimed != cfg.StoreHash {
		diags.AddAttributeError(path.Root("auth_token"), "auth_token belongs to another store",
			fmt.Sprintf("auth_token (or %s) is a token of store %q, but store_hash is %q: it cannot list or delete "+
				"that store's tokens. Use an S2S token of store %q, or remove auth_token: the provider then uses the "+
				"tokens it manages.", envAuthToken, claimed, cfg.StoreHash, cfg.StoreHash))
	}
	return diags
}

// knownBasePaths are the B2B Edition API's base paths: the current one and the older one.
var knownBasePaths = []string{"/api/io", "/api/v3/io"}

func unknownBasePath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	p := strings.TrimRight(u.Path, "/")
	for _, known := range knownBasePaths {
		if p == known {
			return ""
		}
	}
	return fmt.Sprintf("api_url's path %q is not a known B2B Edition base path (%s); requests will go to %s/auth/backend "+
		"and so on. The default is %s.", p, strings.Join(knownBasePaths, " or "), u.Redacted(), b2b.DefaultBaseURL)
}

func intSetting(configured types.Int64, env lookupEnv, name, envName string, fallback, most int) (int, diag.Diagnostics) {
	var diags diag.Diagnostics
	if !configured.IsNull() {
		return int(configured.ValueInt64()), diags
	}
	v, ok := env(envName)
	if !ok || v == "" {
		return fallback, diags
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > most {
		diags.AddAttributeError(path.Root(name), "Invalid "+name,
			fmt.Sprintf("%s must be a whole number from 0 to %d, got %q.", envName, most, v))
	}
	return n, diags
}

// durationSetting is a duration argument: configuration, else its environment variable,
// else fallback; within bounds, or an error that names where the value came from.
func durationSetting(configured timetypes.GoDuration, env lookupEnv, name, envName string, fallback time.Duration,
	bounds durationBounds,
) (time.Duration, diag.Diagnostics) {
	var diags diag.Diagnostics
	d, source, raw := fallback, name, ""
	if !configured.IsNull() {
		var parseDiags diag.Diagnostics
		d, parseDiags = configured.ValueGoDuration()
		diags.Append(parseDiags...)
		raw = configured.ValueString()
	} else if v, ok := env(envName); ok && v != "" {
		source, raw = envName, v
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			diags.AddAttributeError(path.Root(name), "Invalid "+name,
				fmt.Sprintf("%s must be a Go duration such as \"30s\", got %q.", envName, v))
		}
	}
	if !diags.HasError() && !bounds.allows(d) {
		diags.AddAttributeError(path.Root(name), "Invalid "+name,
			fmt.Sprintf("%s must be a Go duration %s, got %q.", source, bounds, raw))
	}
	return d, diags
}

func stringSetting(configured types.String, env lookupEnv, envName, fallback string) string {
	if !configured.IsNull() {
		return configured.ValueString()
	}
	if v, ok := env(envName); ok && v != "" {
		return v
	}
	return fallback
}

func userAgent(version, terraformVersion string) string {
	ua := "terraform-provider-b2b/" + version
	if terraformVersion != "" {
		ua += " Terraform/" + terraformVersion
	}
	return ua
}
