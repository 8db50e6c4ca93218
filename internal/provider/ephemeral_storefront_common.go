package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/b2bedition/terraform-provider-b2b/internal/b2b"
)

// What the three storefront token ephemeral resources (b2b_storefront_token,
// b2b_storefront_token_by_credentials, b2b_storefront_token_by_jwt) share: they differ in
// the credential they trade for a token, not in what they return. Each is a
// storefrontTokenEphemeral of its own model; the model's file holds its schema and the trade.

var _ ephemeral.EphemeralResourceWithConfigure = (*storefrontTokenEphemeral[storefrontTokenModel, *storefrontTokenModel])(nil)

// storefrontTokenEphemeral is the storefront token ephemeral resource whose model is M.
type storefrontTokenEphemeral[M any, P storefrontModel[M]] struct {
	ephemeralProviderData
	typeName string // after the provider's name, such as "_storefront_token"
	failure  string // the summary of the error when the API refuses the trade
	schema   func() schema.Schema
}

// storefrontModel is a pointer to a storefront token ephemeral resource's model: a struct
// that embeds storefrontTokenResult and knows how to trade its credential for a token.
type storefrontModel[M any] interface {
	*M
	result() *storefrontTokenResult
	// exchange asks the API for a storefront token with the configured credential. A
	// configuration it cannot use is an error in diags; err is a failed request.
	exchange(ctx context.Context, data *providerData, diags *diag.Diagnostics) (b2b.StorefrontToken, error)
}

// newStorefrontTokenEphemeral is the storefront token ephemeral resource of model M, named
// typeName after the provider.
func newStorefrontTokenEphemeral[M any, P storefrontModel[M]](typeName, failure string, newSchema func() schema.Schema) ephemeral.EphemeralResource {
	return &storefrontTokenEphemeral[M, P]{typeName: typeName, failure: failure, schema: newSchema}
}

// NewStorefrontTokenEphemeralResource is the b2b_storefront_token ephemeral resource.
func NewStorefrontTokenEphemeralResource() ephemeral.EphemeralResource {
	return newStorefrontTokenEphemeral[storefrontTokenModel]("_storefront_token",
		"Could not get a storefront token", storefrontTokenSchema)
}

// NewStorefrontTokenByCredentialsEphemeralResource is the
// b2b_storefront_token_by_credentials ephemeral resource.
func NewStorefrontTokenByCredentialsEphemeralResource() ephemeral.EphemeralResource {
	return newStorefrontTokenEphemeral[storefrontTokenByCredentialsModel]("_storefront_token_by_credentials",
		"Could not get a storefront token with the customer's credentials", storefrontTokenByCredentialsSchema)
}

// NewStorefrontTokenByJWTEphemeralResource is the b2b_storefront_token_by_jwt ephemeral
// resource.
func NewStorefrontTokenByJWTEphemeralResource() ephemeral.EphemeralResource {
	return newStorefrontTokenEphemeral[storefrontTokenByJWTModel]("_storefront_token_by_jwt",
		"Could not get a storefront token for the JWT", storefrontTokenByJWTSchema)
}

func (r *storefrontTokenEphemeral[M, P]) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + r.typeName
}

func (r *storefrontTokenEphemeral[M, P]) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = r.schema()
}

// Open trades the configured credential for a token, which becomes the result together
// with its expiry.
func (r *storefrontTokenEphemeral[M, P]) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var model M
	if !r.openConfig(ctx, req, resp, &model) {
		return
	}
	token, err := P(&model).exchange(ctx, r.data, &resp.Diagnostics)
	switch {
	case resp.Diagnostics.HasError():
		return
	case err != nil:
		resp.Diagnostics.AddError(r.failure, err.Error())
		return
	}
	result := P(&model).result()
	result.Token = types.StringValue(token.Token)
	result.ExpiresAt = jwtExpiresAt(token.Token)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &model)...)
}

// storefrontTokenResult is the part of each storefront token model that Open fills in.
// It is embedded by value, as the framework requires, so its attributes stay top-level.
type storefrontTokenResult struct {
	Token     types.String `tfsdk:"token"`
	ExpiresAt types.String `tfsdk:"expires_at"`
}

func (r *storefrontTokenResult) result() *storefrontTokenResult { return r }

// withStorefrontTokenResult adds the computed token and expires_at to a schema's own
// attributes.
func withStorefrontTokenResult(attributes map[string]schema.Attribute) map[string]schema.Attribute {
	attributes["token"] = schema.StringAttribute{
		Computed:  true,
		Sensitive: true,
		MarkdownDescription: "The storefront token, a JWT for B2B Edition's storefront APIs (such as its GraphQL API), " +
			"valid for one day unless the API says otherwise.",
	}
	attributes["expires_at"] = schema.StringAttribute{
		Computed: true,
		MarkdownDescription: "When the token expires, in RFC 3339 format (UTC), from its `exp` claim; null when the " +
			"token has none.",
	}
	return attributes
}
