#!/usr/bin/env bash
# make test, before the run: prints which Terraform CLI the acceptance tests will use, as
# terraform-plugin-testing chooses it: TF_ACC_TERRAFORM_PATH when set; else
# TF_ACC_TERRAFORM_VERSION, which it downloads (this machine cannot); else the terraform on
# PATH. Never fails: a missing CLI shows up as the acceptance tests' own errors.
set -euo pipefail

# version CLI: the first line of `CLI version`, with a CLI configuration that exists (the
# machine's TF_CLI_CONFIG_FILE may name a missing file, and OpenTofu then prints a warning
# ahead of its version).
version() { env -u TOFU_CLI_CONFIG_FILE TF_CLI_CONFIG_FILE=/dev/null "$1" version 2>/dev/null | sed -n 1p; }

if [ -n "${TF_ACC_TERRAFORM_PATH:-}" ]; then
  echo "test: acceptance tests use TF_ACC_TERRAFORM_PATH=$TF_ACC_TERRAFORM_PATH ($(version "$TF_ACC_TERRAFORM_PATH" || true))"
elif [ -n "${TF_ACC_TERRAFORM_VERSION:-}" ]; then
  echo "test: TF_ACC_TERRAFORM_VERSION=$TF_ACC_TERRAFORM_VERSION is set: terraform-plugin-testing downloads that" \
    "version from releases.hashicorp.com (unset it to use the terraform on PATH)"
elif tf=$(command -v terraform); then
  echo "test: acceptance tests use the terraform on PATH, $tf ($(version "$tf" || true))"
else
  echo "test: no terraform on PATH, nor TF_ACC_TERRAFORM_PATH: the acceptance tests will fail" \
    "(terraform-plugin-testing would download the latest Terraform)"
fi
echo "test: tests that run the CLI themselves (terraform query, apply -invoke) also need TF_ACC_TERRAFORM_PATH;" \
  "'make testacc TERRAFORM=<path>' sets it. What skipped, and why, is listed at the end."
