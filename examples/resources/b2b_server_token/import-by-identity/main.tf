# Terraform 1.12 and later, OpenTofu 1.12 and later: import by resource identity. `id` is the
# token's numeric id; `store_hash` is optional and defaults to the provider's.
terraform {
  required_version = ">= 1.12"
  required_providers {
    b2b = {
      source = "b2bedition/b2b"
    }
  }
}

import {
  to = b2b_server_token.erp_sync
  identity = {
    id = "123"
    # store_hash = "abc123"
  }
}

# No password: an imported token needs one only when a plan would create or replace it.
resource "b2b_server_token" "erp_sync" {
  name  = "erp-sync"
  email = "admin@example.com"
}
