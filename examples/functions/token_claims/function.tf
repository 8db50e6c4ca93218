# Which user and store a server-to-server token belongs to. The claims of a sensitive
# token are sensitive too; these two are not secret.
output "ci_token_owner" {
  value = nonsensitive(provider::b2b::token_claims(b2b_server_token.ci.token).email)
}

output "ci_token_store" {
  value = nonsensitive(provider::b2b::token_claims(b2b_server_token.ci.token).store_hash)
}

# Storefront tokens carry the customer, the channel and an expiry (`exp`, unix seconds):
# check them before any other provider uses the token.
ephemeral "b2b_storefront_token" "buyer" {
  customer_id = 313
  channel_id  = 2

  lifecycle {
    postcondition {
      condition     = provider::b2b::token_claims(self.token).bc_channel_id == 2
      error_message = "The storefront token is not for channel 2."
    }
  }
}
