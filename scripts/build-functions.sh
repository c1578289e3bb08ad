#!/usr/bin/env bash
# Builds every Lambda function's bootstrap for AWS (arm64, the release profile of Cargo.toml) in
# ONE cargo invocation, into target/lambda/<function>/bootstrap: the library and its dependencies
# compile once for all functions. `sam build` runs it once per function, in parallel (see
# deploy/Makefile); a lock lets the first call build while the others wait and then find
# everything built (cargo's no-op), and keeps parallel calls from racing to install the target.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

mkdir -p target
exec 9> target/.build-functions.lock
flock 9

ensure_cargo_lambda
if ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
  log "installing the Rust target aarch64-unknown-linux-gnu (rustup)"
  rustup target add aarch64-unknown-linux-gnu >&2 \
    || die "rustup could not add the aarch64-unknown-linux-gnu target"
fi

functions=()
for source in src/bin/*.rs; do
  name=$(basename "$source" .rs)
  [[ $name == admin ]] || functions+=(--bin "$name")
done
cargo lambda build --release --arm64 "${functions[@]}" >&2
