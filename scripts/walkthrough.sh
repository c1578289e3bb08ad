#!/usr/bin/env bash
# Runs the README's walkthrough and its sequel, docs/walkthrough.md, verbatim against
# scripts/start.sh, and checks what they print.
#
# Every ```sh block of the README's "## Walkthrough" section, then of docs/walkthrough.md, is run
# in order in one bash, as a reader would paste them, then the one ```python block (Commet's own
# Python SDK, commet-sdk 9.7.0, from .venv), then scripts/sdk_node_check.mjs (@commet/node
# 7.10.0), scripts/sdk_node_legacy_check.mjs (5.5.1) and scripts/sdk_node_unversioned_check.mjs
# (1.10.1), then scripts/sdk_python_check.py with each older commet-sdk release that speaks
# another API version (SDK_RELEASES below) and scripts/sdk_legacy_python_check.py with those
# before 2026-06-07 and before versions (LEGACY_SDK_RELEASES); with
# only the ports and the .local/ folder rewritten to this run's own (free ports, a temporary
# folder), so a developer's running start.sh is not disturbed.
# Run by scripts/test.sh; fails on a failing command or on a missing expected answer.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_pip_package commet-sdk 9.7.0
# Reads the invoice PDFs that the SDK checks download, as a PDF reader other than ours would.
ensure_pip_package pypdf 7.1.1
# One commet-sdk release per API version this service speaks, besides 9.7.0's 2026-08-27.
SDK_RELEASES=(6.0.0 7.0.0 7.10.0 8.0.0 9.3.0)
sdk_folders=()
for release in "${SDK_RELEASES[@]}"; do
  sdk_folders+=("$(ensure_commet_sdk_release "$release")")
done
# And those of the customer model before 2026-06-07: 1.x and 2.x send no version and call the API
# without /v1 (each its own HTTP layer); then 2026-05-01, 2026-05-18, 2026-05-25.
LEGACY_SDK_RELEASES=(1.10.0 2.0.0 3.1.0 4.6.0 5.5.0)
legacy_sdk_folders=()
for release in "${LEGACY_SDK_RELEASES[@]}"; do
  legacy_sdk_folders+=("$(ensure_commet_sdk_release "$release")")
done
ensure_node_packages
ensure_chromium
work=$(mktemp -d)
api_port=$(free_port)
ddb_port=$(free_port)
ses_port=$(free_port)
stripe_port=$(free_port)

# A session of its own, so that everything start.sh starts stops with it; and a parent-death
# signal, so that it stops even if this script is killed outright.
unset TABLE_NAME DYNAMODB_ENDPOINT SES_ENDPOINT STRIPE_API_BASE STRIPE_SECRET_KEY
API_PORT=$api_port DYNAMODB_PORT=$ddb_port SES_PORT=$ses_port STRIPE_PORT=$stripe_port LOCAL_DIR="$work/local" \
  setsid setpriv --pdeathsig TERM scripts/start.sh > "$work/start.log" 2>&1 &
start_pid=$!
stop() {
  kill -- "-$start_pid" 2>/dev/null || true
  wait "$start_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT
wait_for_port "$api_port" 600 || { cat "$work/start.log" >&2; die "scripts/start.sh did not serve"; }

python3 - "$api_port" "$ddb_port" "$ses_port" "$stripe_port" "$work/local" "$work/walkthrough.py" > "$work/walkthrough.sh" <<'PY'
import re, sys
api_port, ddb_port, ses_port, stripe_port, local, python_file = sys.argv[1:]
readme = open("README.md").read()
section = readme.split("\n## Walkthrough\n", 1)[1].split("\n## ", 1)[0]
section += open("docs/walkthrough.md").read()
def local_run(text):
    text = text.replace("127.0.0.1:9000", f"127.0.0.1:{api_port}")
    text = text.replace("http://127.0.0.1:8000", f"http://127.0.0.1:{ddb_port}")
    text = text.replace("127.0.0.1:8005", f"127.0.0.1:{ses_port}")
    text = text.replace("127.0.0.1:8420", f"127.0.0.1:{stripe_port}")
    return text.replace(".local/", f"{local}/")
blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
assert blocks, "the walkthrough has no ```sh block"
python = re.findall(r"```python\n(.*?)```", section, re.S)
assert len(python) == 1, "the walkthrough has one ```python block"
open(python_file, "w").write(local_run(python[0]))
print("set -eo pipefail")
print(local_run("\n".join(blocks)))
PY

log "running the walkthrough of README.md and docs/walkthrough.md ($(grep -c '' "$work/walkthrough.sh") lines of shell) against scripts/start.sh"
if ! bash "$work/walkthrough.sh" > "$work/out.txt" 2>&1; then
  cat "$work/out.txt" >&2
  die "the walkthrough failed"
fi
log "running the Python walkthrough with commet-sdk 9.7.0"
if ! KEY=$(cat "$work/local/sandbox-key") "$VENV/bin/python3" "$work/walkthrough.py" >> "$work/out.txt" 2>&1; then
  cat "$work/out.txt" >&2
  die "the Python walkthrough failed"
fi
log "driving @commet/node 7.10.0 through scripts/sdk_node_check.mjs"
if ! node scripts/sdk_node_check.mjs "http://127.0.0.1:$api_port" "$(cat "$work/local/other-key")" >> "$work/out.txt" 2>&1; then
  cat "$work/out.txt" >&2
  die "@commet/node 7.10.0 did not work against the API"
fi
log "driving @commet/node 5.5.1 through scripts/sdk_node_legacy_check.mjs"
if ! node scripts/sdk_node_legacy_check.mjs "http://127.0.0.1:$api_port" "$(cat "$work/local/other-key")" >> "$work/out.txt" 2>&1; then
  cat "$work/out.txt" >&2
  die "@commet/node 5.5.1 did not work against the API"
fi
log "driving @commet/node 1.10.1 through scripts/sdk_node_unversioned_check.mjs"
if ! node scripts/sdk_node_unversioned_check.mjs "http://127.0.0.1:$api_port" "$(cat "$work/local/other-key")" >> "$work/out.txt" 2>&1; then
  cat "$work/out.txt" >&2
  die "@commet/node 1.10.1 did not work against the API"
fi
for folder in "${sdk_folders[@]}"; do
  log "driving $(basename "$folder") through scripts/sdk_python_check.py"
  if ! PYTHONPATH=$folder "$VENV/bin/python3" scripts/sdk_python_check.py "http://127.0.0.1:$api_port" \
      "$(cat "$work/local/other-key")" >> "$work/out.txt" 2>&1; then
    cat "$work/out.txt" >&2
    die "$(basename "$folder") did not work against the API"
  fi
done
for folder in "${legacy_sdk_folders[@]}"; do
  log "driving $(basename "$folder") through scripts/sdk_legacy_python_check.py"
  if ! PYTHONPATH=$folder "$VENV/bin/python3" scripts/sdk_legacy_python_check.py \
      "http://127.0.0.1:$api_port" "$(cat "$work/local/other-key")" >> "$work/out.txt" 2>&1; then
    cat "$work/out.txt" >&2
    die "$(basename "$folder") did not work against the API"
  fi
done

# What the walkthrough's comments promise, in the order they promise it.
missing=0
for expected in \
  '"fullName":"Grace B. Hopper"' '"status":"pending"' '"hasMore":true' '"hasMore":false' \
  '"status":"canceled"' \
  '"code":"payment_not_found"' '"code":"unauthorized"' 'US-CA    725 bps' '"taxAmount":181' '"taxAmount":73' \
  '<h1>Paid</h1>' '"paymentMethod":{"type":"card"' '"status":"succeeded"' \
  '"amount":1073,"currency":"usd","chargeId":null,"status":"succeeded"' \
  '"code":"transaction_not_refundable"' '"status":"refunded"' 'listed: refunded txn_' \
  '"code":"payment_failed"' 'INV-000004' '"sent":true' '%PDF-1.' '"code":"invoice_not_outstanding"' \
  '"invoiceNumber":"INV-000005","status":"outstanding","invoiceType":"adjustment","currency":"gbp","subtotal":-500' \
  '"code":"idempotency_key_mismatch"' '{"success":true,"data":[' 'commet-version: 2026-07-24' \
  'Alan Turing Europe/London' 'pending 1000 one_time_payment' '2 True payment' 'canceled' \
  'succeeded 1200' 'succeeded 1200 refund' 'transaction: refunded' 'listed: True' '402 payment_failed' \
  'paid 2000 Month 1' 'adjustment outstanding -300 usd' 'webhook test: True True' 'payment_link.completed True True' \
  'ok: the page says Paid' 'ok: the merchant' 'succeeded stripe' 'succeeded stripe False' 'payment_failed authentication_required' \
  'pat.new@example.com' "[('Pat New', True)]" \
  'receipt: Your receipt from Local sandbox' 'bill: £24.00 due' 'node sdk: ok' \
  '"billingEmail":"' '"success":false,"type":"not_found_error","code":"customer_not_found"' \
  'node sdk 5.5.1 (2026-05-25): ok' 'node sdk 1.10.1 (no version): ok' \
  'python sdk 1.10.0 (no version): ok' 'python sdk 2.0.0 (no version): ok' \
  'python sdk 6.0.0 (2026-06-07): ok' 'python sdk 7.0.0 (2026-06-10): ok' \
  'python sdk 7.10.0 (2026-07-11): ok' 'python sdk 3.1.0 (2026-05-01): ok' \
  'python sdk 4.6.0 (2026-05-18): ok' 'python sdk 5.5.0 (2026-05-25): ok' \
  'python sdk 8.0.0 (2026-07-24): ok' 'python sdk 9.3.0 (2026-07-31): ok'; do
  if ! grep -qF -- "$expected" "$work/out.txt"; then
    echo "the walkthrough never printed: $expected" >&2
    missing=1
  fi
done
if (( missing )); then
  cat "$work/out.txt" >&2
  die "the walkthrough did not answer as it says"
fi
log "the walkthrough answered as it says"

# Every ERROR line a deployed function writes sets off an alarm (template.yaml's
# ErrorLogLinesAlarm); none of this, declines and refusals included, is a reason to.
# (-a: cargo lambda watch's log holds bytes grep would otherwise call binary.)
grep -aq 'request{request_id=' "$work/start.log" \
  || die "the functions' own log lines are not in scripts/start.sh's log: nothing to check"
errors=$(grep -ahE '(^|[[:space:]])ERROR[[:space:]]' "$work/start.log" "$work/local/relay.log" || true)
if [[ -n $errors ]]; then
  echo "$errors" >&2
  die "the walkthrough logged ERROR lines: each would set off the deployed ERROR-line alarm"
fi
log "the walkthrough logged no ERROR line (the relay's and every function's log)"
