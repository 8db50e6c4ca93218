#!/usr/bin/env bash
# make demo: the provider's main job, end to end, against the local B2B API emulator.
# Builds the provider and the emulator, applies examples/quickstart with the real terraform
# CLI through a dev_overrides CLI configuration (no `terraform init`, no network), shows the
# outputs, shows that a second plan has no changes, destroys, and stops the emulator.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
make_work
TERRAFORM=${TERRAFORM:-terraform}
require_terraform demo

step "Building the provider and the emulator"
build_provider_and_emulator

step "Starting the B2B API emulator on loopback"
start_emulator -store-hash demostore -user-email admin@example.com -user-password demo-password
wait_for_emulator demo 100
echo "emulator at $(cat "$work/url")"

use_dev_overrides
use_emulator demostore
export TF_VAR_backend_email=admin@example.com TF_VAR_backend_password=demo-password

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
