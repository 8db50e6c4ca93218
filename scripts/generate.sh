#!/usr/bin/env bash
# make generate: formats examples/ and generates docs/ with tfplugindocs, with the newest
# Terraform at hand first on PATH (see newest-terraform.sh: list resources, actions and
# identity need >= 1.14 to appear in docs/).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
newest=$("$root/scripts/newest-terraform.sh")
make_work
ln -s "$newest" "$work/terraform"
export PATH="$work:$PATH"
terraform version | sed -n 1p
cd "$root/tools"
go generate ./...
