# The module with token_in_state = false, against the local B2B API emulator: no token value
# in state, and the value read with b2b_server_token_value works as a credential. Besides the
# variables the other suite needs, the provider needs a credential of its own to read a token
# kept out of state: export B2B_AUTH_TOKEN (the emulator writes one with -auth-token-file).
provider "b2b" {}

variables {
  name           = "ci-no-secrets"
  email          = "admin@example.com"
  password       = "test-password"
  token_in_state = false
}

run "keeps_no_value_in_state" {
  command = apply

  assert {
    condition     = b2b_server_token.this.token == null && output.token == null
    error_message = "With token_in_state = false, the state must hold no token value."
  }

  assert {
    condition     = can(regex("^[0-9]+$", output.id))
    error_message = "The token id must be the API's numeric id."
  }
}

run "its_value_authenticates_a_listing" {
  command = apply

  module {
    source = "./tests/list-with-token"
  }

  variables {
    id = run.keeps_no_value_in_state.id
  }

  assert {
    condition     = contains(output.ids, var.id)
    error_message = "A listing with the token's value, read from the list, must show the token."
  }
}
