import {
  to = b2b_server_token.ci
  id = "123"
}
