package provider

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

// providerData is what Configure hands to every resource, data source and ephemeral
// resource.
type providerData struct {
	client       *b2b.Client
	storeHash    string
	secrets      []string
	hasAuthToken bool
}

func newProviderData(s settings) (*providerData, error) {
	s.client.Log = serializedDebugLog()
	client, err := b2b.New(s.client)
	if err != nil {
		return nil, err
	}
	return &providerData{
		client:       client,
		storeHash:    s.client.StoreHash,
		secrets:      []string{s.client.AccessToken, s.client.AuthToken},
		hasAuthToken: s.client.AuthToken != "",
	}, nil
}

// serializedDebugLog logs the client's lines one at a time. The client logs from
// concurrent goroutines that share a context (the pages of one listing), and tflog's
// masking mutates that context's field map in place (terraform-plugin-log issue 246):
// concurrent calls would crash the provider with "concurrent map writes".
func serializedDebugLog() func(context.Context, string, map[string]any) {
	var mu sync.Mutex
	return func(ctx context.Context, msg string, fields map[string]any) {
		mu.Lock()
		defer mu.Unlock()
		tflog.Debug(ctx, msg, fields)
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
	values := make([]string, 0, len(d.secrets)+len(secrets))
	for _, s := range append(append(values, d.secrets...), secrets...) {
		if s != "" {
			values = append(values, s)
		}
	}
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, "password", "token", "access_token", "auth_token")
	ctx = tflog.MaskAllFieldValuesStrings(ctx, values...)
	return tflog.MaskMessageStrings(ctx, values...)
}

// listerFor returns the client to list and delete server tokens with: the provider's
// auth_token when set, else the token's own value. ownToken tells which was chosen.
func (d *providerData) listerFor(tokenValue string) (client *b2b.Client, ownToken bool, diags diag.Diagnostics) {
	if d.hasAuthToken {
		return d.client, false, nil
	}
	if tokenValue != "" {
		return d.client.WithAuthToken(tokenValue), true, nil
	}
	diags.AddError("Missing auth_token", missingAuthTokenDetail)
	return nil, false, diags
}

const missingAuthTokenDetail = "Listing and deleting B2B server-to-server tokens needs an authToken: " +
	"set auth_token in the provider configuration or the " + envAuthToken + " environment variable."

const missingStoreHashDetail = "No store hash: set store_hash on this object, or in the provider " +
	"configuration, or the " + envStoreHash + " environment variable."
