# Credentials come from the environment in pipelines:
#   BIGCOMMERCE_STORE_HASH, BIGCOMMERCE_ACCESS_TOKEN, B2B_AUTH_TOKEN.
provider "b2b" {
  store_hash = "abc123"

  # Optional: a legacy B2B server-to-server token, used to list and delete server tokens.
  # auth_token = var.b2b_auth_token

  max_retries     = 4
  request_timeout = "30s"
}
