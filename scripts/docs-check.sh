#!/usr/bin/env bash
# make docs-check: fails when docs/ is not what `make generate` makes from the provider's
# schemas, templates/ and examples/, then runs `tfplugindocs validate` on docs/.
# The regeneration runs in a temporary copy of the working tree, so this check never
# changes the checkout (not even examples/, which `make generate` also formats).
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

# Terraform >= 1.14 first, before any work: with an older one tfplugindocs fails late, on the
# action's template. The copy below is not beside ../shared: find the newest Terraform from
# here, and hand it to the copy's `make generate`.
TERRAFORM_NEWEST=$("$root/scripts/newest-terraform.sh" 1.14)
export TERRAFORM_NEWEST
"$TERRAFORM_NEWEST" version 2>/dev/null | sed -n 1p

make_work

# tfplugindocs runs `terraform init` and `terraform providers schema` in a directory of its
# own; give Terraform a CLI configuration that exists (the machine's may not).
: >"$work/terraformrc"
export TF_CLI_CONFIG_FILE="$work/terraformrc"

echo "==> Regenerating docs/ in a copy of the working tree"
mkdir "$work/tree"
# Everything `make generate` reads; not .git, tool binaries or build output.
tar -C "$root" --exclude=./.git --exclude=./bin --exclude=./dist \
  --exclude=.terraform --exclude='*.tfstate*' -cf - . | tar -C "$work/tree" -xf -
make -s -C "$work/tree" generate >"$work/generate.log" 2>&1 || {
  cat "$work/generate.log" >&2
  echo "docs-check: make generate failed" >&2
  exit 1
}

if ! diff -ru "$root/docs" "$work/tree/docs" >"$work/docs.diff"; then
  cat "$work/docs.diff"
  echo >&2
  echo "docs-check: docs/ is out of date; run 'make generate' and commit docs/ (diff above: - now, + generated)" >&2
  exit 1
fi
echo "docs/ is up to date"

echo "==> tfplugindocs validate"
ln -s "$TERRAFORM_NEWEST" "$work/terraform"
export PATH="$work:$PATH"
cd "$root/tools"
go tool tfplugindocs validate --provider-dir .. --provider-name b2b 2>"$work/validate.log" || {
  cat "$work/validate.log" >&2
  echo "docs-check: tfplugindocs validate failed" >&2
  exit 1
}
