variable "backend_password" {
  description = "Password of a B2B Edition backend user with the Administrator or Store Owner role."
  type        = string
  sensitive   = true
  ephemeral   = true
}

# Replace the token every 90 days. create_before_destroy creates the new token before the
# old one is deleted, in the same apply: consumers that still hold the old value fail from
# that moment on. For a grace period instead, see keep_previous_for.
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
