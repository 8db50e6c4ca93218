# The configuration that list-resource.tfquery.hcl queries. Listing needs a credential of the
# store: B2B_AUTH_TOKEN or BIGCOMMERCE_ACCESS_TOKEN, with BIGCOMMERCE_STORE_HASH.
terraform {
  required_providers {
    b2b = {
      source = "b2bedition/b2b"
    }
  }
}

provider "b2b" {}
