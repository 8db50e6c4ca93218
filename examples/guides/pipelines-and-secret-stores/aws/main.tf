# A server token for the ERP connector, rotated every 30 days with a 24-hour grace period,
# and published to AWS Secrets Manager. The backend user's password comes from Secrets
# Manager as an ephemeral value, and the token goes back through a write-only argument:
# neither value is in the plan, and the only copy in the state is the token resource's own.
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
provider "b2b" {} # BIGCOMMERCE_STORE_HASH from the pipeline

# The backend user's password, kept in Secrets Manager by whoever manages that user.
ephemeral "aws_secretsmanager_secret_version" "backend_user" {
  secret_id = "b2b/terraform-backend-user"
}

resource "time_rotating" "erp" {
  rotation_days = 30
}

resource "b2b_server_token" "erp" {
  name        = "erp-connector"
  email       = "terraform@example.com"
  password_wo = ephemeral.aws_secretsmanager_secret_version.backend_user.secret_string

  rotate_when_changed = {
    rotation = time_rotating.erp.id
  }
  # The ERP connector reloads the secret at least hourly: a day is plenty.
  keep_previous_for = "24h"
}

resource "aws_secretsmanager_secret" "erp_token" {
  name = "erp-connector/b2b-token"
}

resource "aws_secretsmanager_secret_version" "erp_token" {
  secret_id        = aws_secretsmanager_secret.erp_token.id
  secret_string_wo = b2b_server_token.erp.token
  # A new secret version whenever the token changes: a rotation, or a token re-created after
  # it was revoked. The id of every new token is new.
  secret_string_wo_version = tonumber(b2b_server_token.erp.id)
}
