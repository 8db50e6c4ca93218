terraform {
  required_providers {
    b2b = {
      source = "b2bedition/b2b"
    }
    graphql = {
      source = "sullivtr/graphql"
    }
  }
}

# A storefront token for a Company user, handed to a GraphQL provider that calls the
# B2B Edition storefront GraphQL API as that buyer. The token is opened anew in every
# plan and apply and never written to plan or state.
ephemeral "b2b_storefront_token" "buyer" {
  customer_id = 313
  channel_id  = 1
}

provider "graphql" {
  url = "https://api-b2b.bigcommerce.com/graphql"
  headers = {
    Authorization = "Bearer ${ephemeral.b2b_storefront_token.buyer.token}"
  }
}

# With a Customer Access Token from the Storefront GraphQL API's login mutation,
# passed in through an ephemeral variable.
variable "customer_access_token" {
  type      = string
  sensitive = true
  ephemeral = true
}

ephemeral "b2b_storefront_token" "with_cat" {
  customer_id = 313
  customer_access_token = {
    value      = var.customer_access_token
    expires_at = "2030-12-31T00:00:00Z"
  }
}
