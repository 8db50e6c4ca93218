#!/usr/bin/env bash
# make generate: formats examples/ and generates docs/ with tfplugindocs, with the newest
# Terraform at hand first on PATH (see newest-terraform.sh: list resources, actions and
# identity need >= 1.14 to appear in docs/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
newest=$("$root/scripts/newest-terraform.sh")
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
ln -s "$newest" "$bin/terraform"
export PATH="$bin:$PATH"
terraform version | head -1
cd "$root/tools"
go generate ./...
