# The same with HashiCorp Vault: the token written to a KV v2 secret through the write-only
# data_json_wo, versioned by the token's id; no token value in plan or state.
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

provider "vault" {
  auth_login_jwt {
    role = "b2b-tokens"
  }
}

# BIGCOMMERCE_STORE_HASH and B2B_AUTH_TOKEN from the pipeline.
provider "b2b" {}

ephemeral "vault_kv_secret_v2" "backend_user" {
  mount = "secret"
  name  = "b2b/terraform-backend-user"
}

resource "time_rotating" "storefront_api" {
  rotation_days = 30
}

resource "b2b_server_token" "storefront_api" {
  name           = "storefront-api"
  email          = "terraform@example.com"
  password_wo    = ephemeral.vault_kv_secret_v2.backend_user.data["password"]
  token_in_state = false

  rotate_when_changed = {
    rotation = time_rotating.storefront_api.id
  }
  keep_previous_for = "24h"
}

ephemeral "b2b_server_token_value" "storefront_api" {
  id = b2b_server_token.storefront_api.id
}

resource "vault_kv_secret_v2" "storefront_api_token" {
  mount = "secret"
  name  = "storefront-api/b2b"
  data_json_wo = jsonencode({
    token = ephemeral.b2b_server_token_value.storefront_api.token
  })
  data_json_wo_version = tonumber(b2b_server_token.storefront_api.id)
}
