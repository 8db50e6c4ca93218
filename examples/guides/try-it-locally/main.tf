# A rotated server token, delivered to a stand-in for the secret store, against b2b-emulator:
# every provider it uses is at hand offline (b2b and time through dev_overrides, and
# Terraform's built-in terraform_data). B2B_API_URL and BIGCOMMERCE_STORE_HASH point the
# provider at the emulator; TF_VAR_backend_password is the emulator user's password.
terraform {
  required_version = ">= 1.11"
  required_providers {
    b2b = {
      source = "b2bedition/b2b"
    }
    time = {
      source = "hashicorp/time"
    }
  }
}

provider "b2b" {}

variable "backend_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "time_rotating" "ci" {
  rotation_days = 30
}

resource "b2b_server_token" "ci" {
  name        = "ci-pipeline"
  email       = "admin@example.com"
  password_wo = var.backend_password

  rotate_when_changed = {
    rotation = time_rotating.ci.id
  }
  keep_previous_for = "1h"
}

# Stands in for the secret store of the pipelines guide: like the version of
# aws_secretsmanager_secret_version, its input follows the token's id, so a plan shows an
# update of the store exactly when the token changes.
resource "terraform_data" "secret_store" {
  input = {
    version = b2b_server_token.ci.id
  }
}

# What a consumer would read from the secret store: terraform output -raw ci_token.
output "ci_token" {
  value     = b2b_server_token.ci.token
  sensitive = true
}

output "token_id" {
  value = b2b_server_token.ci.id
}

# The replaced token's id while it is kept (keep_previous_for), else null.
output "previous_id" {
  value = b2b_server_token.ci.previous_id
}
