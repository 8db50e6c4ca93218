# Every server-to-server token of the store. Token values are not listed.
data "b2b_server_tokens" "all" {}

# Only the tokens a given backend user created under a given name.
data "b2b_server_tokens" "ci" {
  name  = "ci-pipeline"
  email = "admin@example.com"
}

output "server_token_count" {
  value = data.b2b_server_tokens.all.total_count
}

# Ids of stale CI tokens, for instance to import and then delete them.
output "ci_token_ids" {
  value = [for t in data.b2b_server_tokens.ci.tokens : t.id]
}
