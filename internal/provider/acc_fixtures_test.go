package provider

import "github.com/b2bedition/terraform-provider-b2b/internal/emulator"

// Store contents shared by several acceptance tests.

const (
	// seededTokenCount puts the store well past two full pages of GET /backend/tokens.
	seededTokenCount = 600
	// opsEmail is a second backend user's email, for filters and name clashes.
	opsEmail = "ops@example.com"

	storeLevelAccessToken = "store-level-S3cret"
	customerEmail         = "buyer@example.com"
	customerPassword      = "Buyer-S3cret-pass"
)

// storefrontCustomer is a storefront customer of channels 1 and 2.
var storefrontCustomer = emulator.Customer{ID: 42, Email: customerEmail, Password: customerPassword, ChannelIDs: []int64{1, 2}}

// withCustomers adds the storefront customer and a store-level access token to the store.
func withCustomers(o *emulator.Options) {
	o.Customers = append(o.Customers, storefrontCustomer)
	o.AccessTokens = append(o.AccessTokens, storeLevelAccessToken)
}
