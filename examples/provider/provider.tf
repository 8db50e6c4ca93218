# In pipelines, configure the provider from the environment instead:
#   BIGCOMMERCE_STORE_HASH, and, when the configuration needs them, BIGCOMMERCE_ACCESS_TOKEN
#   or B2B_AUTH_TOKEN (see "Which credential does what" below).
provider "b2b" {
  store_hash = "abc123"

  # Creating a server token needs no credential here: the backend user's email and password
  # authenticate it. A configuration that only reads or imports tokens needs one of these:
  # access_token = var.bigcommerce_access_token # store-level API account token
  # auth_token   = var.b2b_auth_token           # legacy B2B server-to-server token

  max_retries        = 4
  request_timeout    = "30s"
  list_lag           = "30s" # how late the token list may show a new token
  rate_limit_reserve = 20    # requests of each rate-limit window left to the store's other integrations
}
