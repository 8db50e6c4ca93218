#!/usr/bin/env bash
# Prints the path of the newest Terraform CLI at hand: Terraform 1.15 from ../shared/tools
# (beside the checkout, as this workplace and its CI lay it) when present, else the
# terraform on PATH. Docs generation needs >= 1.14: older CLIs do not export the schemas of
# list resources and actions, nor resource identity.
set -euo pipefail
if [ -n "${TERRAFORM_NEWEST:-}" ]; then echo "$TERRAFORM_NEWEST"; exit 0; fi
root=$(cd "$(dirname "$0")/.." && pwd)
tool="$(dirname "$root")/shared/tools/terraform-1.15"
if [ -x "$tool" ] && path=$("$tool" 2>/dev/null) && [ -x "$path" ]; then
  echo "$path"
  exit 0
fi
echo "newest-terraform: $tool is not available; using terraform from PATH ($(command -v terraform || echo none))" >&2
command -v terraform
