#!/usr/bin/env bash
# Runs localstripe (PyPI, pinned below), a Stripe emulator with a fake Stripe.js, on
# 127.0.0.1:<port> only, its state in memory (tools/localstripe_server.py).
#
#   scripts/localstripe.sh <port> [--parent-pid <pid>]
#
# With --parent-pid it stops itself when that process exits, as scripts/ses-local.sh does.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

port=${1:?usage: localstripe.sh <port> [--parent-pid <pid>]}
parent=""
if [[ "${2:-}" == "--parent-pid" ]]; then parent=${3:?missing pid}; fi

ensure_pip_package localstripe 1.15.10
# --commet-owner is read by nobody: it lets scripts/test.sh tell a leftover from one in use.
cmd=("$VENV/bin/python3" "$ROOT/tools/localstripe_server.py" "$port" --commet-owner "${parent:-none}")

run_owned "$parent" "${cmd[@]}"
