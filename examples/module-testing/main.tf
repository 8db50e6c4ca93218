# A small module around b2b_server_token, with a `terraform test` suite in tests/ that runs
# against the local B2B API emulator (b2b-emulator): no BigCommerce store is touched.
# `make example-test` runs it; the guide "Testing your configuration without a store" explains
# how to run it yourself and in CI.

terraform {
  required_version = ">= 1.11"
  required_providers {
    b2b = {
      source  = "b2bedition/b2b"
      version = ">= 0.1.0"
    }
  }
}

variable "name" {
  description = "Name of the server token, such as \"ci-deploy\"."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]*$", var.name))
    error_message = "The token name must be lowercase letters, digits and hyphens, such as \"ci-deploy\"."
  }
}

variable "email" {
  description = "Email of the backend user who creates the token (Administrator or Store Owner role)."
  type        = string
}

variable "password" {
  description = "That user's password. Ephemeral: it reaches the provider through password_wo and is never written to plan or state."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "token_in_state" {
  description = "Whether the token's value is kept in state. With false, read it with the b2b_server_token_value ephemeral resource; the provider then needs auth_token (B2B_AUTH_TOKEN)."
  type        = bool
  default     = true
}

resource "b2b_server_token" "this" {
  name           = var.name
  email          = var.email
  password_wo    = var.password
  token_in_state = var.token_in_state
}

output "id" {
  description = "The token's numeric id."
  value       = b2b_server_token.this.id
}

output "token" {
  description = "The token value, for the secret store that hands it to its consumers; null with token_in_state = false."
  value       = b2b_server_token.this.token
  sensitive   = true
}
