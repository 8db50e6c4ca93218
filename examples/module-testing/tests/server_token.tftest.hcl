# terraform test suite of the module, against the local B2B API emulator. Start it first:
#
#   b2b-emulator -store-hash teststore -user admin@example.com:test-password:administrator
#
# then export the api_url it prints as B2B_API_URL, and BIGCOMMERCE_STORE_HASH=teststore, and
# run `terraform test` in this module's directory. scripts/example-test.sh does all of it.

# The provider reads api_url and store_hash from B2B_API_URL and BIGCOMMERCE_STORE_HASH; a test
# that must not reach a real store can say so here instead, with api_url = var.api_url.
provider "b2b" {}

variables {
  name     = "ci-deploy"
  email    = "admin@example.com"
  password = "test-password"
}

run "creates_a_token" {
  command = apply

  assert {
    condition     = can(regex("^[0-9]+$", output.id))
    error_message = "The token id must be the API's numeric id."
  }

  assert {
    condition     = provider::b2b::token_claims(output.token).email == var.email
    error_message = "The token must belong to the backend user who created it."
  }
}

run "a_new_name_replaces_the_token" {
  command = apply

  variables {
    name = "ci-deploy-2"
  }

  assert {
    condition     = output.id != run.creates_a_token.id
    error_message = "Renaming the token must create a new one (BigCommerce has no update endpoint)."
  }
}

run "rejects_a_bad_name" {
  command = plan

  variables {
    name = "CI Deploy"
  }

  expect_failures = [var.name]
}
