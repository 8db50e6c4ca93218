# The same with HashiCorp Vault: the backend user's password from a KV v2 secret read as an
# ephemeral value, the token written to another KV v2 secret through data_json_wo.
terraform {
  required_version = ">= 1.11"
  required_providers {
    b2b = {
      source  = "b2bedition/b2b"
      version = "~> 0.1"
    }
    time = {
      source = "hashicorp/time"
    }
    vault = {
      source  = "hashicorp/vault"
      version = ">= 5.0"
    }
  }
}

# VAULT_ADDR from the pipeline; the pipeline's OIDC token logs in through Vault's JWT auth
# (TERRAFORM_VAULT_AUTH_JWT).
provider "vault" {
  auth_login_jwt {
    role = "b2b-tokens"
  }
}

provider "b2b" {}

ephemeral "vault_kv_secret_v2" "backend_user" {
  mount = "secret"
  name  = "b2b/terraform-backend-user"
}

resource "time_rotating" "storefront_api" {
  rotation_days = 30
}

resource "b2b_server_token" "storefront_api" {
  name        = "storefront-api"
  email       = "terraform@example.com"
  password_wo = ephemeral.vault_kv_secret_v2.backend_user.data["password"]

  rotate_when_changed = {
    rotation = time_rotating.storefront_api.id
  }
  keep_previous_for = "24h"
}

resource "vault_kv_secret_v2" "storefront_api_token" {
  mount = "secret"
  name  = "storefront-api/b2b"
  data_json_wo = jsonencode({
    token = b2b_server_token.storefront_api.token
  })
  data_json_wo_version = tonumber(b2b_server_token.storefront_api.id)
}
