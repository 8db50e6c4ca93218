#!/usr/bin/env bash
# make example-test: what a module author does to test a module that uses this provider, with
# no BigCommerce store. Builds the provider and the B2B API emulator, starts the emulator on
# loopback, runs `terraform test` in a copy of examples/module-testing through a dev_overrides
# CLI configuration (no `terraform init`, no network), checks that the test run left no token
# behind, and stops the emulator. Exits non-zero when anything fails.
#
# TERRAFORM: the CLI to run (default `terraform`; Terraform >= 1.11). OpenTofu 1.12.6 runs the
# suite but crashes (nil pointer in evalContextProviderFunction) on its assertion that calls
# provider::b2b::token_claims, an OpenTofu bug, not this provider's.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
make_work
TERRAFORM=${TERRAFORM:-terraform}
require_terraform example-test

# What examples/module-testing/tests/*.tftest.hcl expects of the emulator.
store_hash=teststore
email=admin@example.com
password=test-password

step "Building the provider and the emulator"
build_provider_and_emulator

step "Starting the B2B API emulator on loopback"
# -auth-token-file: a token of the emulator's own ("bootstrap"), used below to list what the
# test run left behind.
start_emulator -store-hash "$store_hash" -user "$email:$password:administrator" \
  -auth-token-file "$work/auth-token" >"$work/emulator.out"
wait_for_emulator example-test 100 "$work/auth-token"
api_url=$(cat "$work/url")
echo "emulator at $api_url"

use_dev_overrides
use_emulator "$store_hash"
# tests/no_secrets_in_state.tftest.hcl keeps a token out of state: the provider reads and
# deletes it with a credential of its own.
B2B_AUTH_TOKEN=$(cat "$work/auth-token")
export B2B_AUTH_TOKEN
unset TF_DATA_DIR

# A copy: no .terraform directory or state is left in the checkout.
mkdir "$work/module"
(cd "$root/examples/module-testing" && tar --exclude=.terraform --exclude='*.tfstate*' -cf - .) | tar -C "$work/module" -xf -
cd "$work/module"

step "terraform get in examples/module-testing"
# Offline: it installs the suite's local helper module (tests/list-with-token) and no provider;
# the provider comes from the dev_overrides above (terraform init would query the registry).
"$TERRAFORM" get -no-color

step "terraform test in examples/module-testing"
status=0
"$TERRAFORM" test -no-color || status=$?

step "Tokens left on the emulator"
# The tests' resources are destroyed when the run ends; only the emulator's bootstrap token
# may remain.
left=$(curl -fsS -H "authToken: $(cat "$work/auth-token")" "$api_url/backend/tokens?limit=250" |
  sed -n 's/.*"totalCount": *\([0-9]*\).*/\1/p')
echo "tokens: ${left:-unknown} (the emulator's own bootstrap token included)"
if [ "${left:-}" != 1 ]; then
  echo "example-test: terraform test left tokens behind on the emulator" >&2
  status=1
fi

if [ "$status" -ne 0 ]; then
  step "Emulator log (method, path, status)"
  cat "$work/emulator.log"
  echo "example-test: FAILED" >&2
  exit "$status"
fi
echo
echo "example-test: examples/module-testing passes its terraform test suite on the local emulator."
