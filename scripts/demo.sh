#!/usr/bin/env bash
# make demo: the provider's main job, end to end, against the local B2B API emulator.
# Builds the provider and the emulator, applies examples/quickstart with the real terraform
# CLI through a dev_overrides CLI configuration (no `terraform init`, no network), shows the
# outputs, shows that a second plan has no changes, destroys, and stops the emulator.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
emulator_pid=""
cleanup() {
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n==> %s\n' "$*"; }
TERRAFORM=${TERRAFORM:-terraform}
command -v "$TERRAFORM" >/dev/null || { echo "demo: $TERRAFORM is not on PATH (Terraform >= 1.11 or OpenTofu)" >&2; exit 1; }

step "Building the provider and the emulator"
mkdir -p "$work/bin"
(cd "$root" && go build -o "$work/bin/terraform-provider-b2b" . && go build -o "$work/bin/b2b-emulator" ./cmd/b2b-emulator)

step "Starting the B2B API emulator on loopback"
"$work/bin/b2b-emulator" -listen 127.0.0.1:0 -store-hash demostore \
  -user-email admin@example.com -user-password demo-password \
  -url-file "$work/url" 2>"$work/emulator.log" &
emulator_pid=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.1; done
[ -s "$work/url" ] || { echo "demo: the emulator did not start:" >&2; cat "$work/emulator.log" >&2; exit 1; }
api_url=$(cat "$work/url")
echo "emulator at $api_url"

cat >"$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "registry.terraform.io/b2bedition/b2b" = "$work/bin"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/terraformrc"
export TF_IN_AUTOMATION=1
export B2B_API_URL="$api_url" BIGCOMMERCE_STORE_HASH=demostore
export TF_VAR_backend_email=admin@example.com TF_VAR_backend_password=demo-password
unset B2B_AUTH_TOKEN BIGCOMMERCE_ACCESS_TOKEN

cp -R "$root/examples/quickstart" "$work/config"
cd "$work/config"

step "terraform apply"
"$TERRAFORM" apply -auto-approve -input=false -no-color

step "terraform output"
"$TERRAFORM" output -no-color

step "Second plan: expecting no changes"
set +e
"$TERRAFORM" plan -detailed-exitcode -input=false -no-color
plan_status=$?
set -e
if [ "$plan_status" -ne 0 ]; then
  echo "demo: the second plan is not empty (exit $plan_status)" >&2
  exit 1
fi
echo "No changes: the token in state matches the API."

step "terraform destroy"
"$TERRAFORM" destroy -auto-approve -input=false -no-color

step "Emulator log (method, path, status)"
cat "$work/emulator.log"
echo
echo "Demo complete: created, verified and destroyed a server token on the local emulator."
