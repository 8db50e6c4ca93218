#!/usr/bin/env bash
# newest-terraform.sh [MIN_VERSION]: prints the path of the newest Terraform CLI at hand:
# TERRAFORM_NEWEST when set; else Terraform 1.15 from ../shared/tools (beside the checkout,
# as this workplace and its CI lay it) when present; else the terraform on PATH.
#
# With MIN_VERSION (such as 1.14), fails at once, saying which CLI it found and how to point
# at another, when that CLI is older or is not Terraform. Docs generation needs >= 1.14: older
# CLIs do not export the schemas of list resources and actions, nor resource identity, and
# tfplugindocs then fails late, on the action's template.
set -euo pipefail
min=${1:-}
root=$(cd "$(dirname "$0")/.." && pwd)
tool="$(dirname "$root")/shared/tools/terraform-1.15"

if [ -n "${TERRAFORM_NEWEST:-}" ]; then
  path=$TERRAFORM_NEWEST
  from="from TERRAFORM_NEWEST"
elif [ -x "$tool" ] && path=$("$tool" 2>/dev/null) && [ -x "$path" ]; then
  from="printed by $tool"
else
  path=$(command -v terraform || true)
  from="the terraform on PATH; $tool is not there"
  [ -n "$min" ] || echo "newest-terraform: $tool is not available; using terraform from PATH (${path:-none})" >&2
fi

if [ -n "$min" ]; then
  fail() {
    cat >&2 <<EOF
newest-terraform: docs generation needs Terraform >= $min: older CLIs do not export the schemas
of list resources and actions, nor resource identity.
  found: $1
         ($from)
  use another: make generate TERRAFORM_NEWEST=/path/to/terraform (make docs-check likewise),
         or lay the shared tools folder beside the clone: $tool is used when it is there.
EOF
    exit 1
  }
  [ -n "$path" ] && [ -x "$path" ] || fail "no executable terraform${path:+ at $path}"
  # A CLI configuration of our own: the machine's TF_CLI_CONFIG_FILE may name a missing file,
  # and OpenTofu then prints a warning on stdout, ahead of the JSON.
  rc=$(mktemp)
  trap 'rm -f "$rc"' EXIT
  json=$(env -u TOFU_CLI_CONFIG_FILE TF_CLI_CONFIG_FILE="$rc" "$path" version -json 2>/dev/null) ||
    fail "$path, which failed to run 'version -json'"
  version=$(sed -n 's/^ *"terraform_version": *"\([^"]*\)".*/\1/p' <<<"$json")
  [ -n "$version" ] || fail "$path, whose 'version -json' has no terraform_version"
  # OpenTofu answers with a terraform_version too, but has no list resources or actions.
  product=$(env -u TOFU_CLI_CONFIG_FILE TF_CLI_CONFIG_FILE="$rc" "$path" version 2>/dev/null | sed -n '1s/ v.*//p')
  [ "$product" = Terraform ] || fail "${product:-an unknown CLI} $version at $path, which is not Terraform"
  IFS=. read -r major minor _ <<<"${version%%-*}"
  IFS=. read -r min_major min_minor _ <<<"$min"
  if [ "$major" -lt "$min_major" ] || { [ "$major" -eq "$min_major" ] && [ "${minor:-0}" -lt "${min_minor:-0}" ]; }; then
    fail "Terraform $version at $path"
  fi
fi
echo "$path"
