# A token for the deploy workflows of a GitHub repository, kept as an Actions secret.
# github_actions_secret has no write-only argument: plaintext_value is stored in the state,
# next to the token resource's own copy, and a new value replaces the secret.
terraform {
  required_version = ">= 1.11"
  required_providers {
    b2b = {
      source  = "b2bedition/b2b"
      version = "~> 0.1"
    }
    github = {
      source  = "integrations/github"
      version = ">= 6.0"
    }
    time = {
      source = "hashicorp/time"
    }
  }
}

provider "github" {} # GITHUB_TOKEN and GITHUB_OWNER from the pipeline
provider "b2b" {}

variable "backend_password" {
  description = "The backend user's password, from the pipeline's secret store."
  type        = string
  sensitive   = true
  ephemeral   = true
}

resource "time_rotating" "deploy" {
  rotation_days = 30
}

resource "b2b_server_token" "deploy" {
  name        = "storefront-deploy"
  email       = "terraform@example.com"
  password_wo = var.backend_password

  rotate_when_changed = {
    rotation = time_rotating.deploy.id
  }
  # Workflow runs read secrets when they start: a run already going keeps the old value.
  keep_previous_for = "6h"
}

resource "github_actions_secret" "b2b_token" {
  repository      = "storefront"
  secret_name     = "B2B_AUTH_TOKEN"
  plaintext_value = b2b_server_token.deploy.token
}
