# tokens.tfquery.hcl, next to the configuration's .tf files (Terraform 1.14 and later):
#   terraform query                                  lists the matching tokens
#   terraform query -generate-config-out=tokens.tf   writes a resource and an import block
#                                                    for each; `terraform apply` imports them
# One listing of the store serves every list block of the query.
list "b2b_server_token" "ci" {
  provider = b2b

  config {
    name_prefix = "ci-"
    # name       = "ci-pipeline"       # exact name
    # email      = "admin@example.com" # compared case-insensitively
    # store_hash = "abc123"            # default: the provider's
  }
}

# Every token of the store, with its attributes (the token value, marked sensitive).
# Terraform returns at most 100 results per list block unless `limit` says otherwise.
list "b2b_server_token" "all" {
  provider         = b2b
  include_resource = true
  limit            = 1000
}
