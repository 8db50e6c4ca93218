# No token value in plan or state: the token resource keeps none (token_in_state = false),
# the b2b_server_token_value ephemeral resource reads the value from the list when the secret
# is written, and AWS Secrets Manager receives it through the write-only secret_string_wo.
terraform {
  required_version = ">= 1.11"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
    b2b = {
      source  = "b2bedition/b2b"
      version = "~> 0.1"
    }
    time = {
      source = "hashicorp/time"
    }
  }
}

provider "aws" {}

# BIGCOMMERCE_STORE_HASH, and B2B_AUTH_TOKEN (a server token of the store that lists and
# deletes the others), from the pipeline's secrets: a token kept out of state is read and
# deleted with the provider's own credential.
provider "b2b" {}

ephemeral "aws_secretsmanager_secret_version" "backend_user" {
  secret_id = "b2b/terraform-backend-user"
}

resource "time_rotating" "erp" {
  rotation_days = 30
}

resource "b2b_server_token" "erp" {
  name           = "erp-connector"
  email          = "terraform@example.com"
  password_wo    = ephemeral.aws_secretsmanager_secret_version.backend_user.secret_string
  token_in_state = false

  rotate_when_changed = {
    rotation = time_rotating.erp.id
  }
  keep_previous_for = "24h"
}

# Opened at apply once the token exists (its id is unknown while a plan creates it); it
# creates and deletes nothing.
ephemeral "b2b_server_token_value" "erp" {
  id = b2b_server_token.erp.id
}

resource "aws_secretsmanager_secret" "erp_token" {
  name = "erp-connector/b2b-token"
}

resource "aws_secretsmanager_secret_version" "erp_token" {
  secret_id        = aws_secretsmanager_secret.erp_token.id
  secret_string_wo = ephemeral.b2b_server_token_value.erp.token
  # Every new token has a new id: a rotation writes a new secret version, and nothing else does.
  secret_string_wo_version = tonumber(b2b_server_token.erp.id)
}
