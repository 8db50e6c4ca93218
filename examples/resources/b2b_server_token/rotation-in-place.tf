# Rotate every 30 days in place, and keep the replaced token valid for 24 hours, so that
# consumers have a day to reload the new value. A plan or apply after the grace period
# deletes the old token: run this configuration on a schedule (daily here), as
# time_rotating already requires.
resource "time_rotating" "erp_sync" {
  rotation_days = 30
}

resource "b2b_server_token" "erp_sync" {
  name        = "erp-sync"
  email       = "admin@example.com"
  password_wo = var.backend_password # a rotation creates a token: it needs the password

  rotate_when_changed = {
    rotation = time_rotating.erp_sync.id
  }
  keep_previous_for = "24h"
}

# While the grace period runs, both values are valid.
output "erp_sync_previous_expires_at" {
  value = b2b_server_token.erp_sync.previous_expires_at
}
