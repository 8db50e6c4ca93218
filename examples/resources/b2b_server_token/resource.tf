variable "backend_password" {
  description = "Password of a B2B Edition backend user with the Administrator or Store Owner role."
  type        = string
  sensitive   = true
  ephemeral   = true
}

# Rotate the token every 90 days without a window in which no valid token exists.
resource "time_rotating" "ci_token" {
  rotation_days = 90
}

resource "b2b_server_token" "ci" {
  name        = "ci-pipeline"
  email       = "admin@example.com"
  password_wo = var.backend_password

  rotate_when_changed = {
    rotation = time_rotating.ci_token.id
  }

  lifecycle {
    create_before_destroy = true
  }
}
