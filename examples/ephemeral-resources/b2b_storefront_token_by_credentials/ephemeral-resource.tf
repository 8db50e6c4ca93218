terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
    b2b = {
      source = "b2bedition/b2b"
    }
    time = {
      source = "hashicorp/time"
    }
  }
}

variable "storefront_password" {
  description = "Password of the storefront customer the headless storefront signs in as."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "token_version" {
  description = "Increase to mint a new token and store it."
  type        = number
  default     = 1
}

# A storefront token valid for 30 days from this run, for a headless storefront that
# reads it from AWS Secrets Manager. It reaches the secret through a write-only
# argument, so neither the password nor the token is stored in plan or state.
ephemeral "b2b_storefront_token_by_credentials" "headless" {
  email      = "storefront-bot@example.com"
  password   = var.storefront_password
  channel_id = 1
  name       = "headless-storefront"
  begin_at   = provider::time::rfc3339_parse(plantimestamp()).unix
  end_at     = provider::time::rfc3339_parse(timeadd(plantimestamp(), "720h")).unix
}

resource "aws_secretsmanager_secret" "storefront_token" {
  name = "headless-storefront/b2b-token"
}

resource "aws_secretsmanager_secret_version" "storefront_token" {
  secret_id                = aws_secretsmanager_secret.storefront_token.id
  secret_string_wo         = ephemeral.b2b_storefront_token_by_credentials.headless.token
  secret_string_wo_version = var.token_version
}
