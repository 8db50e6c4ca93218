package provider

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
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
	// given are the notices of this run already given (see once).
	given sync.Map
	// replaced and handedOver carry an earlier create across a tainted object's
	// replacement (resource_server_token_settle.go).
	replaced, handedOver sync.Map
	// inState are the tokens ("store/id") of the states this run read or planned
	// (resource_server_token_name_taken.go).
	inState sync.Map
}

func newProviderData(cfg b2b.Config, clock clockFunc) (*providerData, error) {
	cfg.Log = serializedLog(tflog.Debug)
	cfg.LogWait = serializedLog(tflog.Info)
	if clock != nil {
		cfg.Clock = clock
	}
	client, err := b2b.New(cfg)
	if err != nil {
		return nil, err
	}
	return &providerData{
		client:    client,
		storeHash: cfg.StoreHash,
		secrets:   []string{cfg.AccessToken, cfg.AuthToken},
		clock:     clock,
	}, nil
}

// once reports whether the notice named key is given for the first time in this run: a
// problem of the whole run (a refused credential, the rate limit) is explained once, not
// once per resource.
func (d *providerData) once(key string) bool {
	_, given := d.given.LoadOrStore(key, true)
	return !given
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
	// Every form a server may echo a secret in, longest first across all of them: tflog
	// replaces them in this order.
	values := b2b.SecretForms(slices.Concat(d.secrets, secrets)...)
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, "password", "token", "access_token", "auth_token")
	ctx = tflog.MaskAllFieldValuesStrings(ctx, values...)
	return tflog.MaskMessageStrings(ctx, values...)
}

// store is the client's view of a store, the provider's by default.
func (d *providerData) store(storeHash string) *b2b.Store {
	if storeHash == "" {
		storeHash = d.storeHash
	}
	return d.client.Store(storeHash)
}

// storeWith is store, with S2S tokens of that store the caller holds (a resource's own
// tokens, made at the API host madeAt, "" when unknown), which become credentials for every
// listing and delete of the store in this run. It returns the store and the first token
// that is now a credential ("" if none): a token made at another host is never sent here.
func (d *providerData) storeWith(storeHash, madeAt string, tokens ...string) (*b2b.Store, string) {
	s := d.store(storeHash)
	own := ""
	for _, token := range tokens {
		if s.AddToken(token, madeAt) && own == "" {
			own = token
		}
	}
	return s, own
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
	diags.Append(d.runNotices(store)...)
	return list, diags
}

func noCredentialDetail(storeHash string) string {
	return fmt.Sprintf("Listing and deleting the server-to-server tokens of store %q needs a credential of that store, "+
		"and this run knows none. Set auth_token (or %s) to an S2S token of the store, or access_token (or %s) if "+
		"BigCommerce accepts it for these endpoints; or, for a data source, make it depend on a b2b_server_token "+
		"resource of the same store (depends_on), whose own token then serves.", storeHash, envAuthToken, envAccessToken)
}

// scrub replaces every secret the provider knows (its credentials, and extra: the
// passwords and tokens of the request at hand) with a placeholder: a diagnostic must not show
// one even when the server echoed it back.
func (d *providerData) scrub(text string, extra ...string) string {
	return b2b.ScrubSecrets(text, slices.Concat(d.secrets, extra))
}

// runNotices warns, once per run, of each configured credential the API refused as
// invalid (another credential may have done the work, but the one in the pipeline is bad),
// and of long waits for the store's rate limit.
func (d *providerData) runNotices(store *b2b.Store) diag.Diagnostics {
	diags := d.rateLimitWaits()
	for _, source := range store.RefusedConfigured() {
		if !d.once("refused " + source) {
			continue
		}
		env := envAuthToken
		if source == b2b.SourceAccessToken {
			env = envAccessToken
		}
		diags.AddAttributeWarning(path.Root(source), "BigCommerce refuses the configured "+source,
			fmt.Sprintf("BigCommerce refused the provider's %s (or %s) as invalid when listing or deleting the server tokens "+
				"of store %q. Where this run knew another credential of the store, that one did the work, so nothing "+
				"failed; but the credential in this configuration is revoked or wrong. Replace it, or remove it.", source, env, store.Hash()))
	}
	return diags
}

// longWait is a wait for the rate limit that a run tells its user of: most waits are short.
const longWait = 10 * time.Second

// rateLimitWaits warns, once per run, when a reply asked for a longer wait than the provider
// makes (it waits at most the documented window, or the retry maximum), else of the first
// long wait.
func (d *providerData) rateLimitWaits() diag.Diagnostics {
	var diags diag.Diagnostics
	w := d.client.Waits()
	switch {
	case w.Asked > 0 && d.once("rate limit asked"):
		diags.AddWarning("BigCommerce asked for a long rate-limit wait",
			fmt.Sprintf("A reply of %s asked the provider to wait %s before its next request. The provider waits at "+
				"most the store's rate-limit window (documented as %s) for it to reset, and at most its retry maximum "+
				"between retries, so it waited %s instead and went on; a request still refused is retried up to "+
				"max_retries times. If requests keep being refused, another integration of the store may be spending "+
				"its budget.", d.client.Host(), w.Asked.Round(time.Second), b2b.RateLimitWindow, w.Waited))
	case w.Longest >= longWait && d.once("rate limit waited"):
		diags.AddWarning("Waited for the store's rate limit",
			fmt.Sprintf("This run waited up to %s at a time for the store's rate-limit window (150 requests a minute, "+
				"shared by every integration of the store). Nothing failed; the run is only slower. A lower "+
				"rate_limit_reserve waits less, and leaves less to the store's other integrations.", w.Longest.Round(time.Second)))
	}
	return diags
}
