#!/usr/bin/env bash
# Runs the README's walkthrough verbatim against scripts/start.sh, and checks what it prints.
#
# Every ```sh block of the README's "## Walkthrough" section is run in order in one bash, as a
# reader would paste them, with only the ports and the .local/ folder rewritten to this run's
# own (free ports, a temporary folder), so a developer's running start.sh is not disturbed. Run by
# scripts/test.sh; fails on a failing command or on a missing expected answer.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

work=$(mktemp -d)
api_port=$(free_port)
ddb_port=$(free_port)

# A session of its own, so that everything start.sh starts stops with it; and a parent-death
# signal, so that it stops even if this script is killed outright.
unset TABLE_NAME DYNAMODB_ENDPOINT
API_PORT=$api_port DYNAMODB_PORT=$ddb_port LOCAL_DIR="$work/local" \
  setsid setpriv --pdeathsig TERM scripts/start.sh > "$work/start.log" 2>&1 &
start_pid=$!
stop() {
  kill -- "-$start_pid" 2>/dev/null || true
  wait "$start_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT
wait_for_port "$api_port" 600 || { cat "$work/start.log" >&2; die "scripts/start.sh did not serve"; }

python3 - "$api_port" "$ddb_port" "$work/local" > "$work/walkthrough.sh" <<'PY'
import re, sys
api_port, ddb_port, local = sys.argv[1:]
readme = open("README.md").read()
section = readme.split("\n## Walkthrough\n", 1)[1].split("\n## ", 1)[0]
blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
assert blocks, "the README's Walkthrough has no ```sh block"
script = "\n".join(blocks)
script = script.replace("127.0.0.1:9000", f"127.0.0.1:{api_port}")
script = script.replace("http://127.0.0.1:8000", f"http://127.0.0.1:{ddb_port}")
script = script.replace(".local/", f"{local}/")
print("set -eo pipefail")
print(script)
PY

log "running the README walkthrough ($(grep -c '' "$work/walkthrough.sh") lines) against scripts/start.sh"
if ! bash "$work/walkthrough.sh" > "$work/out.txt" 2>&1; then
  cat "$work/out.txt" >&2
  die "the README walkthrough failed"
fi

# What the walkthrough's comments promise, in the order they promise it.
missing=0
for expected in \
  '"status":"pending"' '"hasMore":true' '"hasMore":false' '"status":"canceled"' \
  '"code":"payment_not_found"' '"code":"unauthorized"' 'US-CA    725 bps' '"taxAmount":181' '"taxAmount":73' \
  '<h1>Paid</h1>' '"paymentMethod":{"type":"card"' '"status":"succeeded"' \
  '"code":"payment_failed"' 'INV-000004' '"code":"invoice_not_outstanding"' \
  '"code":"idempotency_key_mismatch"'; do
  if ! grep -qF -- "$expected" "$work/out.txt"; then
    echo "the walkthrough never printed: $expected" >&2
    missing=1
  fi
done
if (( missing )); then
  cat "$work/out.txt" >&2
  die "the README walkthrough did not answer as it says"
fi
log "the README walkthrough answered as it says"
