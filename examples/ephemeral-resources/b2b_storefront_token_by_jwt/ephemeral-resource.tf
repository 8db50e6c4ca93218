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

variable "customer_jwt" {
  description = "A BigCommerce customer login JWT, such as the storefront's current customer endpoint returns."
  type        = string
  sensitive   = true
  ephemeral   = true
}

# Exchange the customer's BigCommerce JWT for a B2B Edition storefront token, and
# call the B2B storefront GraphQL API as that customer.
ephemeral "b2b_storefront_token_by_jwt" "customer" {
  jwt_token = var.customer_jwt
}

provider "graphql" {
  url = "https://api-b2b.bigcommerce.com/graphql"
  headers = {
    Authorization = "Bearer ${ephemeral.b2b_storefront_token_by_jwt.customer.token}"
  }
}
