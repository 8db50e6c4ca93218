#!/usr/bin/env bash
# make examples-check: the examples are what users copy, and what the docs show.
#  1. terraform fmt -check on examples/;
#  2. every object of the provider has its example, and the resource its import examples;
#  3. terraform validate of every example directory, offline, against the provider built here.
#
# Validation needs every provider an example uses. Offline, the available ones are:
#  - b2b, built from this checkout, under both registry.terraform.io/b2bedition/b2b (what a
#    configuration with required_providers names) and registry.terraform.io/hashicorp/b2b
#    (what Terraform assumes for the snippets in the docs, which do not declare it);
#  - hashicorp/time, built from its Go module (tools/time), for time_rotating;
#  - terraform_data, built into Terraform.
# Both are given to Terraform through dev_overrides in a CLI configuration of our own, so no
# `terraform init` runs. A directory that needs another provider (aws, a REST or GraphQL
# provider) cannot be validated offline: it is reported as skipped, not failed.
#
# TIME_PROVIDER_DIR: a directory holding terraform-provider-time (the GNUmakefile builds one
# into bin/); built into a temporary directory when unset.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
make_work
# The newest CLI at hand validates the most: list resources and actions need >= 1.14.
TERRAFORM=${TERRAFORM:-$("$root/scripts/newest-terraform.sh")}
"$TERRAFORM" version | sed -n 1p
failed=0
fail() { echo "FAIL: $*" >&2; failed=$((failed + 1)); }

cd "$root"
# A CLI configuration of our own (the machine's TF_CLI_CONFIG_FILE may not exist); the
# dev_overrides are added below, once the providers are built.
: >"$work/terraformrc"
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1
unset TF_DATA_DIR

echo "==> terraform fmt -check examples/"
if ! "$TERRAFORM" fmt -check -recursive -diff examples; then
  fail "examples/ is not formatted; run 'make fmt'"
fi

echo "==> Every object has an example"
# docs/ has one page per object of the provider's schema (make docs-check keeps it so).
for page in docs/resources/*.md docs/data-sources/*.md docs/ephemeral-resources/*.md docs/functions/*.md \
  docs/list-resources/*.md docs/actions/*.md; do
  [ -e "$page" ] || continue
  kind=$(basename "$(dirname "$page")")
  name=$(basename "$page" .md)
  case "$kind" in
    resources) dir="examples/resources/b2b_$name" file=resource.tf ;;
    data-sources) dir="examples/data-sources/b2b_$name" file=data-source.tf ;;
    ephemeral-resources) dir="examples/ephemeral-resources/b2b_$name" file=ephemeral-resource.tf ;;
    functions) dir="examples/functions/$name" file=function.tf ;;
    list-resources) dir="examples/list-resources/b2b_$name" file=list-resource.tfquery.hcl ;;
    actions) dir="examples/actions/b2b_$name" file=action.tf ;;
  esac
  [ -f "$dir/$file" ] || fail "$kind $name has no example: $dir/$file is missing"
  if [ "$kind" = resources ]; then
    [ -f "$dir/import.sh" ] || fail "resource b2b_$name has no $dir/import.sh"
    grep -qs '^import {' "$dir"/*.tf || fail "resource b2b_$name has no import block example in $dir/"
  fi
done
[ -f examples/provider/provider.tf ] || fail "the provider has no example: examples/provider/provider.tf is missing"

echo "==> Building the providers"
mkdir -p "$work/b2b"
go build -o "$work/b2b/terraform-provider-b2b" .
if [ -z "${TIME_PROVIDER_DIR:-}" ]; then
  TIME_PROVIDER_DIR="$work/time"
  (cd tools/time && go build -trimpath -o "$TIME_PROVIDER_DIR/terraform-provider-time" github.com/hashicorp/terraform-provider-time)
fi
[ -x "$TIME_PROVIDER_DIR/terraform-provider-time" ] || { echo "examples-check: no terraform-provider-time in $TIME_PROVIDER_DIR" >&2; exit 1; }

# terraform.io/builtin/terraform (terraform_data) is built into the CLI.
available="registry.terraform.io/b2bedition/b2b registry.terraform.io/hashicorp/b2b registry.terraform.io/hashicorp/time terraform.io/builtin/terraform"
use_dev_overrides "registry.terraform.io/b2bedition/b2b=$work/b2b" "registry.terraform.io/hashicorp/b2b=$work/b2b" \
  "registry.terraform.io/hashicorp/time=$TIME_PROVIDER_DIR"

echo "==> terraform validate of every example"
validated=0
skipped=()
while IFS= read -r dir; do
  copy="$work/config/$dir"
  mkdir -p "$copy"
  # Only the directory's own files: no .terraform or state a local run left behind.
  find "$dir" -maxdepth 1 -type f \( -name '*.tf' -o -name '*.tfquery.hcl' -o -name '*.tfvars' -o -name '*.tftpl' \) -exec cp {} "$copy/" \;
  if ! requirements=$(cd "$copy" && "$TERRAFORM" providers -no-color 2>&1); then
    echo "$requirements" >&2
    fail "$dir: terraform providers failed"
    continue
  fi
  missing=()
  for addr in $(grep -o 'provider\[[^]]*\]' <<<"$requirements" | sed 's/^provider\[//; s/\]$//' | sort -u); do
    case " $available " in *" $addr "*) ;; *) missing+=("$addr") ;; esac
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "skip $dir: needs ${missing[*]} (not available offline)"
    skipped+=("$dir")
    continue
  fi
  query=()
  if compgen -G "$copy/*.tfquery.hcl" >/dev/null; then query=(-query); fi
  if out=$(cd "$copy" && "$TERRAFORM" validate -no-color "${query[@]}" 2>&1); then
    echo "ok   $dir"
    validated=$((validated + 1))
  elif grep -q "Unsupported Terraform Core version" <<<"$out"; then
    echo "skip $dir: needs a newer Terraform than $("$TERRAFORM" version | sed -n 1p) (its required_version)"
    skipped+=("$dir")
  else
    # Without the warning about dev_overrides that every run prints.
    sed -n '/^Error: /,$p' <<<"$out" >&2
    fail "$dir: terraform validate failed"
  fi
done < <(find examples \( -name '*.tf' -o -name '*.tfquery.hcl' \) -not -path '*/.terraform/*' -exec dirname {} \; | sort -u)

echo
echo "examples-check: $validated directories validated, ${#skipped[@]} skipped, $failed failures"
[ "$failed" -eq 0 ]
