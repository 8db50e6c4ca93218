# A helper module of the test suite: lists the store's tokens through a second provider
# configuration whose auth_token is a token's value, read with the b2b_server_token_value
# ephemeral resource. The value is never in plan or state.
terraform {
  required_providers {
    b2b = {
      source = "b2bedition/b2b"
    }
  }
}

variable "id" {
  description = "The id of the token to authenticate with."
  type        = string
}

ephemeral "b2b_server_token_value" "this" {
  id = var.id
}

provider "b2b" {
  alias      = "as_token"
  auth_token = ephemeral.b2b_server_token_value.this.token
}

data "b2b_server_tokens" "seen" {
  provider = b2b.as_token
}

output "ids" {
  description = "The ids of the tokens the listing shows."
  value       = data.b2b_server_tokens.seen.tokens[*].id
}
