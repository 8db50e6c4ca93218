# A token created outside Terraform, selected by its unique name.
data "b2b_server_token" "erp_sync" {
  name = "erp-sync"
}

# Names need not be unique: when several tokens share one, select by id.
data "b2b_server_token" "legacy" {
  id = "123"
}

# Hand the token value to another system without printing it.
output "erp_sync_token" {
  value     = data.b2b_server_token.erp_sync.token
  sensitive = true
}

output "legacy_token_owner" {
  value = data.b2b_server_token.legacy.email
}
