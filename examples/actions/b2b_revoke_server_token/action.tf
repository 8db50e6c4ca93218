# Terraform 1.14 and later. Revoke one server token, by id or by value:
#   terraform apply -invoke=action.b2b_revoke_server_token.leaked
terraform {
  required_version = ">= 1.14"
  required_providers {
    b2b = {
      source = "b2bedition/b2b"
    }
  }
}

variable "leaked_token" {
  description = "The value of the leaked token, from wherever it was found."
  type        = string
  sensitive   = true # the provider never prints it either
  default     = null
}

# By value: the provider finds the token's id in the store's token list. The value is never
# printed, and the token, while still valid, authenticates its own deletion.
action "b2b_revoke_server_token" "leaked" {
  config {
    token = var.leaked_token
  }
}

# By id, as the b2b_server_tokens data source or `terraform query` shows it.
action "b2b_revoke_server_token" "by_id" {
  config {
    id = 123
    # store_hash = "abc123" # default: the provider's
  }
}
