#!/usr/bin/env bash
# Schema fuzzing: schemathesis generates requests from openapi.yaml against the whole API served
# locally (the real function binaries under `cargo lambda watch`, DynamoDB Local), bounded in
# cases and time. Fails on any 5xx, undocumented status, or response that breaks the schema.
# Every phase runs, stateful included (the links in openapi.yaml chain real ids between calls).
# The functions log at TRACE meanwhile; afterwards scripts/log_secrets.py fails the run if the
# logs hold the API key or a card number. Run by scripts/test.sh; FUZZ_EXAMPLES and FUZZ_MAX_TIME
# bound it (each of the three runs, one per shape family).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

EXAMPLES=${FUZZ_EXAMPLES:-80}
MAX_TIME=${FUZZ_MAX_TIME:-300}

ensure_dynamodb_local
ensure_cargo_lambda
ensure_pip_tool schemathesis "schemathesis>=4,<5"

cargo build --bins --quiet
work=$(mktemp -d)
# Hundreds of MB at TRACE: removed when the run passes, kept for reading when it fails.
logs="$ROOT/target/fuzz-functions.log"
ddb_port=$(free_port)
api_port=$(free_port)
scripts/dynamodb-local.sh "$ddb_port" --parent-pid $$ > "$work/dynamodb.log" 2>&1 &
wait_for_port "$ddb_port" 120 || die "DynamoDB Local did not start"

export TABLE_NAME=commet-payments-fuzz DYNAMODB_ENDPOINT="http://127.0.0.1:$ddb_port"
target/debug/admin create-table > /dev/null
target/debug/admin create-account --name fuzz --mode sandbox --key-file "$work/key" > /dev/null

# --ignore-changes: a rebuild mid-run would answer 500s of its own. The parent-death signal stops
# it even if this script is killed outright. STRIPE_WEBHOOK_SECRET: without one /stripe/webhook answers
# 503 by design (a deployment that has not configured it), which the fuzzer would count as a
# server error; with it, unsigned bodies get the documented 400.
setpriv --pdeathsig TERM cargo lambda watch --ignore-changes --invoke-address 127.0.0.1 --invoke-port "$api_port" \
  --env-var "TABLE_NAME=$TABLE_NAME,DYNAMODB_ENDPOINT=$DYNAMODB_ENDPOINT,PUBLIC_BASE_URL=http://127.0.0.1:$api_port,WEBHOOKS_ALLOW_LOOPBACK=true,STRIPE_WEBHOOK_SECRET=whsec_commet_payments_fuzz,RUST_LOG=trace" \
  > "$logs" 2>&1 &
watch_pid=$!
trap 'kill $watch_pid 2>/dev/null || true; rm -rf "$work"' EXIT
wait_for_port "$api_port" 120 || die "cargo lambda watch did not start"

# One run per shape family, each with its own version on every request: the current one,
# 2026-07-11 (the envelope) and 2026-05-01 (flat errors, the older customer model, on the
# customer paths without /v1 that Commet's SDKs from before versions call). openapi.yaml's
# links follow the current family's bodies; the envelope's runs read a copy whose links look
# inside `data`, and 2026-05-01's one whose customers' e-mail is `billingEmail`. openapi.yaml
# describes the newer answers only, so 2026-05-01's run checks everything but the bodies'
# schemas (tests/api/versions.rs holds those to the SDKs' fields). The header parameter is left
# out of every copy (it is fixed per run; tests/api/versions.rs covers its values).
for version in 2026-08-27 2026-07-11 2026-05-01; do
  python3 - "$version" "$work/openapi-$version.yaml" <<'PY'
import re, sys
version, out = sys.argv[1:]
text = open("openapi.yaml").read()
text = re.sub(r'\{ \$ref: "#/components/parameters/CommetVersion" \}, ', "", text)
text = re.sub(r'- \{ \$ref: "#/components/parameters/CommetVersion" \}\n\s*', "", text)
if version <= "2026-07-11":
    text = re.sub(r'"\$response\.body#/(?!data/|nextCursor)', '"$response.body#/data/', text)
if version <= "2026-05-25":
    text, renamed = re.subn(r"\bemail: (\{ type: string, format: email)", r"billingEmail: \1", text)
    text, required = re.subn(r"required: \[email\]", "required: [billingEmail]", text)
    assert (renamed, required) == (2, 1), (renamed, required)
if version == "2026-05-01":
    text, moved = re.subn(r"^  /api/v1/customers", "  /api/customers", text, flags=re.M)
    assert moved == 3, moved
open(out, "w").write(text)
PY
  checks=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,version_family
  if [[ $version > 2026-06-07 ]]; then
    checks+=,response_schema_conformance
  fi
  log "schemathesis, version $version: up to $EXAMPLES cases per operation, at most $MAX_TIME s"
  # ASCII strings only: HTTP header values outside ASCII make cargo lambda's emulator itself fail
  # with a 500 of its own (the function answers 400); API Gateway would not pass them through.
  FUZZ_VERSION=$version FUZZ_API_ORIGIN="http://127.0.0.1:$api_port" PYTHONPATH="$ROOT/scripts" SCHEMATHESIS_HOOKS=fuzz_hooks \
    schemathesis run "$work/openapi-$version.yaml" \
    --url "http://127.0.0.1:$api_port" \
    --header "x-api-key: $(cat "$work/key")" \
    --header "Commet-Version: $version" \
    --checks "$checks" \
    --phases "${FUZZ_PHASES:-examples,coverage,fuzzing,stateful}" \
    --max-examples "$EXAMPLES" \
    --max-time "$MAX_TIME" \
    --generation-codec ascii \
    --request-timeout 20 \
    --seed "${FUZZ_SEED:-20261126}" \
    --no-color --output-sanitize false
done

python3 scripts/fuzz_summary.py "$logs"
log "the functions' logs: no API key, no card number"
PYTHONPATH="$ROOT/scripts" python3 scripts/log_secrets.py "$logs" "$work/key"
rm -f "$logs"
