# shellcheck shell=bash
# Sourced by the scripts under scripts/ (after `set -euo pipefail`): what they share to build
# the provider and run it, through the real terraform CLI, against the local B2B API
# emulator. Sets root, the checkout; make_work sets work, a temporary directory.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# make_work: makes the temporary directory $work; on exit, cleanup stops the emulator and removes it.
make_work() {
  work=$(mktemp -d)
  emulator_pid=""
  trap cleanup EXIT
}

# cleanup: stops the emulator started by start_emulator, if any, and removes $work.
cleanup() {
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}

# step MESSAGE...: prints MESSAGE as the heading of the next step.
step() { printf '\n==> %s\n' "$*"; }

# require_terraform NAME: fails, as NAME, when $TERRAFORM is not on PATH.
require_terraform() {
  command -v "$TERRAFORM" >/dev/null || { echo "$1: $TERRAFORM is not on PATH (Terraform >= 1.11 or OpenTofu)" >&2; exit 1; }
}

# build_provider_and_emulator: builds terraform-provider-b2b and b2b-emulator into $work/bin.
build_provider_and_emulator() {
  mkdir -p "$work/bin"
  (cd "$root" && go build -o "$work/bin/terraform-provider-b2b" . && go build -o "$work/bin/b2b-emulator" ./cmd/b2b-emulator)
}

# start_emulator [FLAG]...: starts the emulator in the background on a free loopback port, with
# FLAGs, its URL written to $work/url and its log (stderr) to $work/emulator.log.
start_emulator() {
  "$work/bin/b2b-emulator" -listen 127.0.0.1:0 "$@" -url-file "$work/url" 2>"$work/emulator.log" &
  emulator_pid=$!
}

# wait_for_emulator NAME TRIES [FILE]...: waits up to TRIES tenths of a second for $work/url and
# each FILE to be written; fails, as NAME, with the emulator's log when they are not.
wait_for_emulator() {
  local name=$1 tries=$2 file ready
  shift 2
  for _ in $(seq "$tries"); do
    ready=1
    for file in "$work/url" "$@"; do [ -s "$file" ] || { ready=0; break; }; done
    [ "$ready" = 1 ] && return 0
    sleep 0.1
  done
  echo "$name: the emulator did not start:" >&2
  cat "$work/emulator.log" >&2
  exit 1
}

# use_dev_overrides [ADDRESS=DIR]...: writes $work/terraformrc, a CLI configuration that takes
# each provider ADDRESS from DIR (by default b2bedition/b2b from $work/bin, under the addresses
# Terraform and OpenTofu give `source = "b2bedition/b2b"`: registry.terraform.io and
# registry.opentofu.org) with no `terraform init`, and exports TF_CLI_CONFIG_FILE (it; OpenTofu
# reads it too) and TF_IN_AUTOMATION=1.
use_dev_overrides() {
  [ $# -gt 0 ] || set -- "registry.terraform.io/b2bedition/b2b=$work/bin" "registry.opentofu.org/b2bedition/b2b=$work/bin"
  local override
  {
    printf 'provider_installation {\n  dev_overrides {\n'
    for override in "$@"; do printf '    "%s" = "%s"\n' "${override%%=*}" "${override#*=}"; done
    printf '  }\n  direct {}\n}\n'
  } >"$work/terraformrc"
  export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1
}

# use_emulator STORE_HASH: points the provider at the emulator at $work/url and store STORE_HASH,
# with none of the caller's credentials.
use_emulator() {
  B2B_API_URL=$(cat "$work/url")
  export B2B_API_URL BIGCOMMERCE_STORE_HASH="$1"
  unset B2B_AUTH_TOKEN BIGCOMMERCE_ACCESS_TOKEN
}
