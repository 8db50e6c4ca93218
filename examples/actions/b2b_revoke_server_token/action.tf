# Terraform 1.14 and later. Revoke one server token, by its value or by its id:
#   TF_VAR_leaked_token=... terraform apply -invoke=action.b2b_revoke_server_token.leaked
#   terraform apply -invoke=action.b2b_revoke_server_token.bootstrap
# Every plan of this configuration validates both actions, so leaked_token must be set.
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
  sensitive   = true # keeps the value out of the plan output
}

# By value: the provider finds the token's id in the store's token list, and the store in
# the token's own claims. While the token is still valid it can authenticate its own
# revocation, so no other credential is needed. Its value is never printed.
action "b2b_revoke_server_token" "leaked" {
  config {
    token = var.leaked_token
  }
}

# By id, as the b2b_server_tokens data source or `terraform query` shows it.
action "b2b_revoke_server_token" "bootstrap" {
  config {
    id = 123
    # store_hash = "abc123" # default: the provider's
  }
}

variable "backend_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

# From a resource's lifecycle: once the managed token exists, revoke the hand-made bootstrap
# token it replaces.
resource "b2b_server_token" "ci" {
  name        = "ci-pipeline"
  email       = "admin@example.com"
  password_wo = var.backend_password

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.b2b_revoke_server_token.bootstrap]
    }
  }
}
