# Provider functions need the provider in required_providers.
terraform {
  required_providers {
    b2b = {
      source = "b2bedition/b2b"
    }
  }
}

variable "ci_token" {
  description = "A server-to-server token, such as b2b_server_token.ci.token."
  type        = string
  sensitive   = true
}

# Which user and store a server-to-server token belongs to. The claims of a sensitive
# token are sensitive too; these two are not secret.
output "ci_token_owner" {
  value = nonsensitive(provider::b2b::token_claims(var.ci_token).email)
}

output "ci_token_store" {
  value = nonsensitive(provider::b2b::token_claims(var.ci_token).store_hash)
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
