package provider

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

// Environment variables read when the provider configuration leaves an argument unset.
const (
	envAPIURL         = "B2B_API_URL"
	envStoreHash      = "BIGCOMMERCE_STORE_HASH"
	envAccessToken    = "BIGCOMMERCE_ACCESS_TOKEN"
	envAuthToken      = "B2B_AUTH_TOKEN"
	envMaxRetries     = "B2B_MAX_RETRIES"
	envRequestTimeout = "B2B_REQUEST_TIMEOUT"
)

// settings is the provider configuration after defaults and environment variables.
type settings struct {
	client b2b.Config
}

// resolveSettings applies "configuration wins over its environment variable, which wins
// over the default" to every argument, and validates what came from the environment as
// the schema validates what came from the configuration.
func resolveSettings(config providerModel, version, terraformVersion string) (settings, diag.Diagnostics) {
	var diags diag.Diagnostics
	for name, value := range map[string]interface{ IsUnknown() bool }{
		"api_url": config.APIURL, "store_hash": config.StoreHash, "access_token": config.AccessToken,
		"auth_token": config.AuthToken, "max_retries": config.MaxRetries, "request_timeout": config.RequestTimeout,
	} {
		if value.IsUnknown() {
			diags.AddAttributeError(path.Root(name), "Provider argument not yet known",
				fmt.Sprintf("The provider's %q depends on a value that is only known after apply. "+
					"Configure it from a value known at plan time, such as a variable or an ephemeral resource.", name))
		}
	}
	if diags.HasError() {
		return settings{}, diags
	}

	cfg := b2b.Config{
		BaseURL:     stringSetting(config.APIURL, envAPIURL, b2b.DefaultBaseURL),
		StoreHash:   stringSetting(config.StoreHash, envStoreHash, ""),
		AccessToken: stringSetting(config.AccessToken, envAccessToken, ""),
		AuthToken:   stringSetting(config.AuthToken, envAuthToken, ""),
		UserAgent:   userAgent(version, terraformVersion),
	}
	if err := validateAPIURL(cfg.BaseURL); err != nil {
		diags.AddAttributeError(path.Root("api_url"), "Invalid API URL", fmt.Sprintf("api_url (or %s): %s", envAPIURL, err))
	}
	if cfg.StoreHash != "" && !storeHashPattern.MatchString(cfg.StoreHash) {
		diags.AddAttributeError(path.Root("store_hash"), "Invalid store hash",
			fmt.Sprintf("store_hash (or %s) must be lowercase letters and digits, got %q.", envStoreHash, cfg.StoreHash))
	}

	retries := int64(b2b.DefaultMaxRetries)
	if !config.MaxRetries.IsNull() {
		retries = config.MaxRetries.ValueInt64()
	} else if v, ok := os.LookupEnv(envMaxRetries); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 20 {
			diags.AddAttributeError(path.Root("max_retries"), "Invalid max_retries",
				fmt.Sprintf("%s must be a whole number from 0 to 20, got %q.", envMaxRetries, v))
		}
		retries = int64(n)
	}
	cfg.MaxRetries = int(retries)
	if retries == 0 {
		cfg.MaxRetries = -1 // the client reads 0 as "default"
	}

	cfg.RequestTimeout = b2b.DefaultRequestTimeout
	if !config.RequestTimeout.IsNull() {
		d, d2 := config.RequestTimeout.ValueGoDuration()
		diags.Append(d2...)
		cfg.RequestTimeout = d
	} else if v, ok := os.LookupEnv(envRequestTimeout); ok && v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			diags.AddAttributeError(path.Root("request_timeout"), "Invalid request_timeout",
				fmt.Sprintf("%s must be a Go duration such as \"30s\", got %q.", envRequestTimeout, v))
		}
		cfg.RequestTimeout = d
	}
	if cfg.RequestTimeout <= 0 && !diags.HasError() {
		diags.AddAttributeError(path.Root("request_timeout"), "Invalid request_timeout", "request_timeout must be greater than zero.")
	}
	return settings{client: cfg}, diags
}

func stringSetting(configured types.String, env, fallback string) string {
	if !configured.IsNull() {
		return configured.ValueString()
	}
	if v := os.Getenv(env); v != "" {
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
