package provider

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

// providerData is what Configure hands to every resource, data source and ephemeral
// resource.
type providerData struct {
	client    *b2b.Client
	storeHash string
	secrets   []string
	clock     clockFunc // nil: the system clock
}

func newProviderData(cfg b2b.Config) (*providerData, error) {
	cfg.Log = serializedLog(tflog.Debug)
	cfg.LogWait = serializedLog(tflog.Info)
	client, err := b2b.New(cfg)
	if err != nil {
		return nil, err
	}
	return &providerData{
		client:    client,
		storeHash: cfg.StoreHash,
		secrets:   []string{cfg.AccessToken, cfg.AuthToken},
	}, nil
}

var logMu sync.Mutex

// serializedLog logs the client's lines one at a time. The client logs from concurrent
// goroutines that share a context (the pages of one listing), and tflog's masking mutates
// that context's field map in place (terraform-plugin-log issue 246): concurrent calls
// would crash the provider with "concurrent map writes".
func serializedLog(log func(context.Context, string, ...map[string]any)) func(context.Context, string, map[string]any) {
	return func(ctx context.Context, msg string, fields map[string]any) {
		logMu.Lock()
		defer logMu.Unlock()
		log(ctx, msg, fields)
	}
}

// providerDataFrom converts the framework's opaque provider data, which is nil until the
// provider is configured.
func providerDataFrom(raw any, diags *diag.Diagnostics) *providerData {
	if raw == nil {
		return nil
	}
	data, ok := raw.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("Expected *providerData, got %T. Please report this issue to the provider developers.", raw))
		return nil
	}
	return data
}

// mask returns a context whose log lines hide the provider's credentials and the given
// secrets, wherever they appear.
func (d *providerData) mask(ctx context.Context, secrets ...string) context.Context {
	var values []string
	for _, s := range slices.Concat(d.secrets, secrets) {
		if s != "" {
			values = append(values, s)
		}
	}
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, "password", "token", "access_token", "auth_token")
	ctx = tflog.MaskAllFieldValuesStrings(ctx, values...)
	return tflog.MaskMessageStrings(ctx, values...)
}

// store is the client's view of a store, the provider's by default; known are S2S tokens
// of that store the caller holds (a resource's own token), which become credentials for
// every listing and delete of the store in this run.
func (d *providerData) store(storeHash string, known ...string) *b2b.Store {
	if storeHash == "" {
		storeHash = d.storeHash
	}
	s := d.client.Store(storeHash)
	for _, token := range known {
		s.AddToken(token)
	}
	return s
}

// listTokens lists a store's tokens for a caller that has no token of its own (the data
// sources, import, the list resource, the action), with any credential of the store that
// the run knows.
func (d *providerData) listTokens(ctx context.Context, storeHash string) (b2b.TokenList, diag.Diagnostics) {
	var diags diag.Diagnostics
	if storeHash == "" && d.storeHash == "" {
		diags.AddError("Missing store hash", missingStoreHashDetail)
		return b2b.TokenList{}, diags
	}
	store := d.store(storeHash)
	if !store.HasCredential() {
		diags.AddError("No credential to list the store's server tokens", noCredentialDetail(store.Hash()))
		return b2b.TokenList{}, diags
	}
	list, err := store.List(d.mask(ctx))
	if err != nil {
		diags.AddError("Could not list the server tokens", d.explain(err))
	}
	return list, diags
}

func noCredentialDetail(storeHash string) string {
	return fmt.Sprintf("Listing and deleting the server-to-server tokens of store %q needs a credential of that store, "+
		"and this run knows none. Set auth_token (or %s) to an S2S token of the store, or access_token (or %s) if "+
		"BigCommerce accepts it for these endpoints; or, for a data source, make it depend on a b2b_server_token "+
		"resource of the same store (depends_on), whose own token then serves.", storeHash, envAuthToken, envAccessToken)
}
