# Terraform 1.5 and later: import a token by its numeric id, as GET /backend/tokens lists it
# (the b2b_server_tokens data source shows the ids).
import {
  to = b2b_server_token.ci
  id = "123"
}
