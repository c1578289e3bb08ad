#!/usr/bin/env bash
# Runs moto's server (PyPI, pinned below), an emulator of AWS APIs, on 127.0.0.1:<port> only:
# Secrets Manager, where the deployment's Stripe key lives.
#
#   scripts/moto.sh <port> [--parent-pid <pid>]
#
# With --parent-pid it stops itself when that process exits, as scripts/ses-local.sh does.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

port=${1:?usage: moto.sh <port> [--parent-pid <pid>]}
parent=""
if [[ "${2:-}" == "--parent-pid" ]]; then parent=${3:?missing pid}; fi

ensure_venv
if [[ "$("$VENV/bin/python3" -c "import importlib.metadata as m; print(m.version('moto'))" 2>/dev/null)" != "5.2.5" ]]; then
  log "installing moto[server] 5.2.5 into .venv (pip)"
  "$VENV/bin/python3" -m pip install --quiet --disable-pip-version-check "moto[server]==5.2.5" >&2 \
    || die "pip install moto[server]==5.2.5 failed"
fi
# --commet-owner is read by nobody: it lets scripts/test.sh tell a leftover from one in use.
cmd=("$VENV/bin/python3" "$ROOT/tools/moto_server.py" "$port" --commet-owner "${parent:-none}")

run_owned "$parent" "${cmd[@]}"
