# Quickstart: one server-to-server token, created, read back and destroyed.
# `make demo` runs it against the local B2B API emulator; against a real store, set
# BIGCOMMERCE_STORE_HASH and pass the backend user's email and password as variables.

terraform {
  required_version = ">= 1.11"
  required_providers {
    b2b = {
      source = "b2bedition/b2b"
    }
  }
}

variable "backend_email" {
  description = "Email of a backend user with the Administrator or Store Owner role."
  type        = string
}

variable "backend_password" {
  description = "That user's password. Ephemeral: it is never written to plan or state."
  type        = string
  sensitive   = true
  ephemeral   = true
}

# api_url, store_hash and the credentials come from B2B_API_URL, BIGCOMMERCE_STORE_HASH,
# BIGCOMMERCE_ACCESS_TOKEN and B2B_AUTH_TOKEN.
provider "b2b" {}

resource "b2b_server_token" "quickstart" {
  name        = "quickstart"
  email       = var.backend_email
  password_wo = var.backend_password
}

output "token_id" {
  value = b2b_server_token.quickstart.id
}

output "token_store" {
  value = b2b_server_token.quickstart.store_hash
}

output "token" {
  value     = b2b_server_token.quickstart.token
  sensitive = true
}

# The token is a JWT: provider::b2b::token_claims decodes its claims (no signature check).
output "token_email" {
  value = nonsensitive(provider::b2b::token_claims(b2b_server_token.quickstart.token).email)
}
