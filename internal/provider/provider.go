// Package provider is the Terraform provider for BigCommerce B2B Edition's authentication
// API: it translates between Terraform and the b2b client.
package provider

import (
	"context"
	"os"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

var (
	_ provider.Provider                       = (*b2bProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*b2bProvider)(nil)
	_ provider.ProviderWithFunctions          = (*b2bProvider)(nil)
	_ provider.ProviderWithListResources      = (*b2bProvider)(nil)
	_ provider.ProviderWithActions            = (*b2bProvider)(nil)
)

// Option adjusts the provider; tests use it to shorten waits.
type Option func(*b2bProvider)

// WithClientConfig lets a caller change the API client's configuration after the
// provider has resolved it (tests: shorter retry and locate waits).
func WithClientConfig(adjust func(*b2b.Config)) Option {
	return func(p *b2bProvider) { p.adjustClient = adjust }
}

// WithEnv makes the provider read its environment variables from env instead of the
// process's (tests: each provider its own, so that tests can run in parallel).
func WithEnv(env map[string]string) Option {
	return func(p *b2bProvider) {
		p.env = func(name string) (string, bool) {
			v, ok := env[name]
			return v, ok
		}
	}
}

type b2bProvider struct {
	version      string
	adjustClient func(*b2b.Config)
	env          lookupEnv
	clock        clockFunc
}

// New returns the provider factory for the given release version.
func New(version string, opts ...Option) func() provider.Provider {
	return func() provider.Provider {
		p := &b2bProvider{version: version, env: os.LookupEnv}
		for _, opt := range opts {
			opt(p)
		}
		return p
	}
}

type providerModel struct {
	APIURL           types.String         `tfsdk:"api_url"`
	StoreHash        types.String         `tfsdk:"store_hash"`
	AccessToken      types.String         `tfsdk:"access_token"`
	AuthToken        types.String         `tfsdk:"auth_token"`
	MaxRetries       types.Int64          `tfsdk:"max_retries"`
	RequestTimeout   timetypes.GoDuration `tfsdk:"request_timeout"`
	ListLag          timetypes.GoDuration `tfsdk:"list_lag"`
	RateLimitReserve types.Int64          `tfsdk:"rate_limit_reserve"`
}

func (p *b2bProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "b2b"
	resp.Version = p.version
}

func (p *b2bProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages the authentication credentials of a BigCommerce B2B Edition store: " +
			"server-to-server tokens, short-lived storefront tokens, and their JWT claims.",
		Attributes: map[string]schema.Attribute{
			"api_url": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Base URL of the B2B Edition REST API. Defaults to `" + b2b.DefaultBaseURL +
					"`, or the `B2B_API_URL` environment variable. Must use https, except for loopback hosts " +
					"(`127.0.0.0/8`, `::1`, `localhost`), such as a local emulator.",
				Validators: []validator.String{httpsOrLoopbackURL{}},
			},
			"store_hash": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Hash of the BigCommerce store, the default for every resource. Sent as " +
					"`X-Store-Hash` together with `access_token`. Defaults to the `BIGCOMMERCE_STORE_HASH` " +
					"environment variable.",
				Validators: []validator.String{storeHashValidator()},
			},
			"access_token": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "BigCommerce store-level API account token, sent as `X-Auth-Token` with " +
					"`X-Store-Hash`. Defaults to the `BIGCOMMERCE_ACCESS_TOKEN` environment variable.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"auth_token": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "Legacy B2B Edition server-to-server token, sent as `authToken`. Listing " +
					"and deleting server tokens use it when set. Defaults to the `B2B_AUTH_TOKEN` " +
					"environment variable.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "How often a request is retried after a rate limit (429), a server error " +
					"or a transport error, with exponential backoff. Defaults to `4`, or the " +
					"`B2B_MAX_RETRIES` environment variable.",
				Validators: []validator.Int64{int64validator.Between(0, 20)},
			},
			"request_timeout": schema.StringAttribute{
				Optional:   true,
				CustomType: timetypes.GoDurationType{},
				MarkdownDescription: "Time limit of each HTTP request, as a Go duration such as `\"30s\"`. " +
					"Defaults to `\"30s\"`, or the `B2B_REQUEST_TIMEOUT` environment variable.",
			},
			"list_lag": schema.StringAttribute{
				Optional:   true,
				CustomType: timetypes.GoDurationType{},
				MarkdownDescription: "How long after a create the token list may still not show the new token: no create " +
					"is concluded to have made nothing before it has passed. A Go duration from `\"1s\"` to `\"1h\"`. " +
					"Defaults to `\"30s\"`, or the `B2B_LIST_LAG` environment variable. Raise it when the store's list " +
					"shows new tokens later than that; a create whose reply was lost then waits longer before the " +
					"provider concludes what it made.",
				Validators: []validator.String{durationBetween(listLagBounds)},
			},
			"rate_limit_reserve": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "How many requests of each rate-limit window the provider leaves to the store's " +
					"other integrations, which share the store's budget (about 150 requests a minute). When a reply's " +
					"`X-Requests-Remaining` is at or below it, requests to that store wait for the window to reset " +
					"(logged at INFO with the wait). `0` turns pacing off. Defaults to `20`, or the " +
					"`B2B_RATE_LIMIT_RESERVE` environment variable.",
				Validators: []validator.Int64{int64validator.Between(0, 1000)},
			},
		},
	}
}

func (p *b2bProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	clientConfig, diags := resolveSettings(config, p.version, req.TerraformVersion, p.env)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if p.adjustClient != nil {
		p.adjustClient(&clientConfig)
	}
	data, err := newProviderData(clientConfig, p.clock)
	if err != nil {
		resp.Diagnostics.AddError("Invalid provider configuration", err.Error())
		return
	}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
	resp.ListResourceData = data
	resp.ActionData = data
}

func (p *b2bProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewServerTokenResource,
	}
}

func (p *b2bProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewServerTokensDataSource,
		NewServerTokenDataSource,
	}
}

func (p *b2bProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewStorefrontTokenEphemeralResource,
		NewStorefrontTokenByCredentialsEphemeralResource,
		NewStorefrontTokenByJWTEphemeralResource,
		NewServerTokenEphemeralResource,
		NewServerTokenValueEphemeralResource,
	}
}

func (p *b2bProvider) Functions(context.Context) []func() function.Function {
	return []func() function.Function{
		NewTokenClaimsFunction,
	}
}

func (p *b2bProvider) ListResources(context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewServerTokenListResource,
	}
}

func (p *b2bProvider) Actions(context.Context) []func() action.Action {
	return []func() action.Action{
		NewRevokeServerTokenAction,
	}
}
