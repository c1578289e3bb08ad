#!/usr/bin/env bash
# The README's benchmark command: cold starts, warm latency, residual cost, memory, capacity
# units, scaling, instructions and binary sizes, printed as tables. Runs on loopback only.
#
# Environment knobs (defaults in scripts/bench/settings.py): BENCH_COLD_RUNS, BENCH_WARM_REQUESTS,
# BENCH_ROUNDS, BENCH_LARGE_ACCOUNT, BENCH_SCALING_REQUESTS, BENCH_CALLGRIND_REQUESTS,
# BENCH_LAG_EVENTS, BENCH_LAMBDA_COLD_RUNS, BENCH_LAMBDA_WARM_REQUESTS. BENCH_ONLY names the parts
# to run, comma-separated: `endpoints` (every endpoint's latency, memory, capacity, scaling, own
# cost, page weight and sizes), `events` (events out), `lambda` (cold start and warm latency at
# the CPU share of 128, 512 and 1,769 MB, which needs root for the cgroup-v1 cpu controller, and
# sets `favordynmods` on the cgroup-v2 mount for the run, restored after; instructions of a warm
# request and of a cold start). BENCH_PROFILE=debug runs the debug build instead of the release
# one, which only shows that the bench works (the test command runs it so, without `lambda`).
# For arm64 sizes, run `cargo lambda build --release --arm64` first.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_dynamodb_local
ensure_sam   # ships the Lambda Runtime Interface Emulator
command -v openssl >/dev/null || die "openssl is needed for the throwaway TLS CA"

case ${BENCH_PROFILE:=release} in
  release) profile=(--release) ;;  # the profile the functions deploy with
  debug) profile=() ;;
  *) die "BENCH_PROFILE is release or debug, not $BENCH_PROFILE" ;;
esac
export BENCH_PROFILE
log "building $BENCH_PROFILE binaries"
cargo build "${profile[@]}" --quiet --features bench --bins \
  --example floor --example floor_get --example bench_tool

port=$(free_port)
log "starting DynamoDB Local on 127.0.0.1:$port"
scripts/dynamodb-local.sh "$port" --parent-pid $$ > /dev/null 2>&1 &
wait_for_port "$port" 120 || die "DynamoDB Local did not start"

(cd scripts && python3 -B -m bench "$port")
