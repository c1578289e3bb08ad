#!/usr/bin/env bash
# The README's run command: the whole API on http://127.0.0.1:9000/api/v1, locally.
#
# Starts DynamoDB Local (in memory, 127.0.0.1:8000), creates the table with the same schema as
# template.yaml, seeds a sandbox account (and a second one, to show isolation), prints the keys,
# then serves every route through the real function binaries with `cargo lambda watch`.
# Keys are also written to .local/ so the README's curl walkthrough can read them.
# Ctrl-C stops everything.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

API_PORT=${API_PORT:-9000}
DYNAMODB_PORT=${DYNAMODB_PORT:-8000}
export TABLE_NAME=${TABLE_NAME:-commet-payments}
export DYNAMODB_ENDPOINT="http://127.0.0.1:$DYNAMODB_PORT"
export PUBLIC_BASE_URL="http://127.0.0.1:$API_PORT"

ensure_dynamodb_local
ensure_cargo_lambda

wait_for_port_free "$DYNAMODB_PORT" 15 || die "port $DYNAMODB_PORT is taken; stop what runs there or set DYNAMODB_PORT"
wait_for_port_free "$API_PORT" 15 || die "port $API_PORT is taken; stop what runs there or set API_PORT"

log "building the functions and the admin command"
cargo build --bins --quiet

log "starting DynamoDB Local on 127.0.0.1:$DYNAMODB_PORT (in memory)"
mkdir -p .local
scripts/dynamodb-local.sh "$DYNAMODB_PORT" --parent-pid $$ > .local/dynamodb-local.log 2>&1 &
wait_for_port "$DYNAMODB_PORT" 120 || die "DynamoDB Local did not start; see .local/dynamodb-local.log"

admin() { target/debug/admin "$@"; }
admin create-table
admin create-account --name "Local sandbox" --mode sandbox --key-file .local/sandbox-key \
  | tee /dev/stderr | awk '/^account /{print $2}' > .local/sandbox-account
admin create-account --name "Another sandbox" --mode sandbox --key-file .local/other-key > /dev/null

cat >&2 <<TEXT

  API:           http://127.0.0.1:$API_PORT/api/v1
  sandbox:       $(cat .local/sandbox-account)   (in .local/sandbox-account)
  sandbox key:   $(cat .local/sandbox-key)   (also in .local/sandbox-key)
  another key:   $(cat .local/other-key)   (another account, in .local/other-key)
  admin:         TABLE_NAME=$TABLE_NAME DYNAMODB_ENDPOINT=$DYNAMODB_ENDPOINT target/debug/admin --help

TEXT

log "serving the API with cargo lambda watch on 127.0.0.1:$API_PORT (Ctrl-C stops)"
exec cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$API_PORT" \
  --env-var "TABLE_NAME=$TABLE_NAME,DYNAMODB_ENDPOINT=$DYNAMODB_ENDPOINT,PUBLIC_BASE_URL=$PUBLIC_BASE_URL,RUST_LOG=info"
