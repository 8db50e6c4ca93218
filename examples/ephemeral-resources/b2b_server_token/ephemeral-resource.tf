terraform {
  required_providers {
    b2b = {
      source = "b2bedition/b2b"
    }
    restapi = {
      source = "Mastercard/restapi"
    }
  }
}

variable "backend_password" {
  description = "Password of a B2B Edition backend user with the Administrator or Store Owner role."
  type        = string
  sensitive   = true
  ephemeral   = true
}

# A server-to-server token that exists only while Terraform runs: created when the run
# opens it, deleted when the run ends. Plans create (and delete) one too.
ephemeral "b2b_server_token" "run" {
  name_prefix = "terraform-run-"
  email       = "admin@example.com"
  password    = var.backend_password
}

# Manage B2B Edition objects with a generic REST provider, authenticated with the
# run's own token instead of a long-lived one kept in a secret store.
provider "restapi" {
  uri                  = "https://api-b2b.bigcommerce.com/api/io"
  write_returns_object = true
  headers = {
    authToken = ephemeral.b2b_server_token.run.token
  }
}
