terraform {
  required_version = ">= 1.11" # write-only arguments
  required_providers {
    b2b = {
      source = "b2bedition/b2b"
    }
    time = {
      source = "hashicorp/time"
    }
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
  }
}

# Reading a token's value by id needs a credential of the provider's own: auth_token
# (B2B_AUTH_TOKEN) or access_token (BIGCOMMERCE_ACCESS_TOKEN), set in the pipeline together
# with BIGCOMMERCE_STORE_HASH.
provider "b2b" {}

variable "backend_password" {
  description = "Password of a B2B Edition backend user with the Administrator or Store Owner role."
  type        = string
  sensitive   = true
  ephemeral   = true
}

resource "time_rotating" "erp" {
  rotation_days = 90
}

# The token of an ERP integration, rotated every 90 days. token_in_state = false keeps its
# value out of plan and state: state holds its id, name and email only.
resource "b2b_server_token" "erp" {
  name           = "erp-sync"
  email          = "terraform@example.com"
  password_wo    = var.backend_password
  token_in_state = false

  rotate_when_changed = { rotation = time_rotating.erp.id }
  keep_previous_for   = "24h"
}

# The value, read from the store's token list in each run that needs it; never written to
# plan or state.
ephemeral "b2b_server_token_value" "erp" {
  id = b2b_server_token.erp.id
}

resource "aws_secretsmanager_secret" "erp" {
  name = "b2b/erp-sync-token"
}

# A write-only argument: Secrets Manager stores the value, Terraform does not. Every
# rotation makes a token with a new id, so the version changes and the new value is written.
resource "aws_secretsmanager_secret_version" "erp" {
  secret_id                = aws_secretsmanager_secret.erp.id
  secret_string_wo         = ephemeral.b2b_server_token_value.erp.token
  secret_string_wo_version = tonumber(b2b_server_token.erp.id)
}
