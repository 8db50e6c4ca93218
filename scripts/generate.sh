#!/usr/bin/env bash
# make generate: formats examples/ and generates docs/ with tfplugindocs, with the newest
# Terraform at hand first on PATH. It must be Terraform >= 1.14 (list resources, actions and
# identity appear in docs/ only then): newest-terraform.sh stops here at once, before any
# work, when it is not, and says how to point at one (TERRAFORM_NEWEST).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
newest=$("$root/scripts/newest-terraform.sh" 1.14)
make_work
ln -s "$newest" "$work/terraform"
export PATH="$work:$PATH"
terraform version | sed -n 1p
cd "$root/tools"
go generate ./...
