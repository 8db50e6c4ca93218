#!/usr/bin/env bash
# make bench: the cost of the provider's main job at scale, through the real terraform CLI
# against the B2B API emulator: a store of N tokens, a configuration of M server tokens and
# a latency injected into every request. Prints list calls, total requests and wall time of
# the apply, of a refresh plan and of the destroy, beside a refresh plan of M time_static
# resources (hashicorp/time, built from tools/time) as the plugin floor, as a ratio.
set -euo pipefail

# BENCH_MODE: auth_token lists with a provider auth_token; none, the usual configuration,
# with the resources' own tokens (and a borrowed one before the first creates); access_token
# with a store-level access token the emulator accepts for listing.
# BENCH_ORDER: newest or oldest, the emulator's list order (BigCommerce documents none).
# BENCH_IMPORT=1 imports the M oldest tokens of the store instead of creating M new ones.
# BENCH_RATE_LIMIT/BENCH_RATE_WINDOW turn on the emulator's limiter, BENCH_RESERVE is the
# provider's rate_limit_reserve.
N=${BENCH_TOKENS:-5000}
M=${BENCH_RESOURCES:-100}
LATENCY=${BENCH_LATENCY:-50ms}
MODE=${BENCH_MODE:-auth_token}
ORDER=${BENCH_ORDER:-newest}
IMPORT=${BENCH_IMPORT:-0}
RATE_LIMIT=${BENCH_RATE_LIMIT:-0}
RATE_WINDOW=${BENCH_RATE_WINDOW:-60s}
RESERVE=${BENCH_RESERVE:-20}
TERRAFORM=${TERRAFORM:-terraform}
: "${TIME_PROVIDER_DIR:?the directory of a terraform-provider-time build (make bench builds one from tools/time)}"

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
make_work

mkdir -p "$work/b2b" "$work/floor"
build_provider_and_emulator

log="$work/emulator.log"
start_emulator -store-hash benchstore -seed-tokens "$N" -latency "$LATENCY" -list-order "$ORDER" \
  -rate-limit "$RATE_LIMIT" -rate-window "$RATE_WINDOW" -access-token bench-access-token -access-token-lists-tokens \
  -user-email admin@example.com -user-password bench-password -auth-token-file "$work/token"
wait_for_emulator bench 200 "$work/token"

use_dev_overrides "registry.terraform.io/b2bedition/b2b=$work/bin" "registry.terraform.io/hashicorp/time=$TIME_PROVIDER_DIR"
use_emulator benchstore
export B2B_RATE_LIMIT_RESERVE="$RESERVE" TF_VAR_backend_password=bench-password
case "$MODE" in
  auth_token) B2B_AUTH_TOKEN=$(cat "$work/token"); export B2B_AUTH_TOKEN ;;
  access_token) export BIGCOMMERCE_ACCESS_TOKEN=bench-access-token ;;
esac

cat >"$work/b2b/main.tf" <<HCL
terraform {
  required_providers {
    b2b = {
      source = "b2bedition/b2b"
    }
  }
}

variable "backend_password" {
  type      = string
  sensitive = true
  ephemeral = true
}
HCL
if [ "$IMPORT" = 1 ]; then
  # The M oldest tokens: the emulator seeds seed-token-1 ... with ids 1, 2, ...
  for i in $(seq 1 "$M"); do
    printf 'import {\n  to = b2b_server_token.bench[%d]\n  id = "%d"\n}\n' "$((i - 1))" "$i" >>"$work/b2b/main.tf"
  done
  cat >>"$work/b2b/main.tf" <<HCL
resource "b2b_server_token" "bench" {
  count = $M
  name  = "seed-token-\${count.index + 1}"
  email = "admin@example.com"
}
HCL
  made="$M imports"
else
  cat >>"$work/b2b/main.tf" <<HCL
resource "b2b_server_token" "bench" {
  count       = $M
  name        = "bench-\${count.index}"
  email       = "admin@example.com"
  password_wo = var.backend_password
}
HCL
  made="$M creates"
fi
cat >"$work/floor/main.tf" <<HCL
terraform {
  required_providers {
    time = {
      source = "hashicorp/time"
    }
  }
}

resource "time_static" "floor" {
  count = $M
}
HCL

# run DIR LABEL ARGS...: times one terraform command, counts the requests it made, and
# leaves the wall time in $seconds.
: >"$work/results"
run() {
  local dir=$1 label=$2
  shift 2
  local before after start end
  before=$(wc -l <"$log")
  start=$(date +%s.%N)
  (cd "$dir" && "$TERRAFORM" "$@" -input=false -no-color >"$work/last.out" 2>&1) || { cat "$work/last.out" >&2; exit 1; }
  end=$(date +%s.%N)
  after=$(tail -n +"$((before + 1))" "$log")
  local lists total limited
  lists=$(grep -c '"/backend/tokens"' <<<"$after" || true)
  total=$(grep -cE '(GET|POST|DELETE) "/' <<<"$after" || true)
  limited=$(grep -cE '(GET|POST|DELETE) "/.*" 429$' <<<"$after" || true)
  seconds=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }')
  echo "$label|$lists|$total|$limited|$seconds" >>"$work/results"
}

echo "bench: mode $MODE, list order $ORDER first, N=$N tokens in the store, M=$M resources ($made)," \
  "latency $LATENCY per request, Terraform parallelism 10, rate limit $RATE_LIMIT per $RATE_WINDOW (0: off)," \
  "rate_limit_reserve $RESERVE"
run "$work/b2b" "apply ($made)" apply -auto-approve -parallelism=10
apply_s=$seconds
run "$work/floor" "floor: apply $M time_static" apply -auto-approve -parallelism=10
# The refresh plans of the provider and of the floor, side by side in one run.
run "$work/b2b" "refresh plan ($M resources)" plan -parallelism=10
plan_s=$seconds
run "$work/floor" "floor: refresh plan $M time_static" plan -parallelism=10
floor_s=$seconds
if [ "$IMPORT" = 1 ]; then
  # Imported tokens are the store's own: forget them rather than delete them.
  (cd "$work/b2b" && "$TERRAFORM" state rm -no-color 'b2b_server_token.bench' >/dev/null)
else
  run "$work/b2b" "destroy ($M deletes)" destroy -auto-approve -parallelism=10
fi

pages=$(( (N + M + 1 + 249) / 250 ))
printf '\n| operation | list calls | requests | 429s | wall time (s) |\n| --- | ---: | ---: | ---: | ---: |\n'
while IFS='|' read -r label lists total limited secs; do printf '| %s | %s | %s | %s | %s |\n' "$label" "$lists" "$total" "$limited" "$secs"; done <"$work/results"
printf '\nstore pages: ceil((N+M+1)/250) = %s (a complete listing)\n' "$pages"
awk -v p="$plan_s" -v f="$floor_s" -v a="$apply_s" 'BEGIN { printf "refresh plan / time_static refresh plan: %.2fx (%.2fs vs %.2fs); apply: %.2fs\n", p / f, p, f, a }'
