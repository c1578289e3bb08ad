#!/usr/bin/env bash
# The README's run command: the whole API on http://127.0.0.1:9000/api/v1, locally.
#
# Starts DynamoDB Local (in memory, 127.0.0.1:8000), creates the table with the same schema as
# template.yaml, seeds a sandbox account (and a second one, to show isolation), prints the keys,
# Both accounts are pinned to the current API version, as Commet pins a new organization,
# then serves every route through the real function binaries with `cargo lambda watch`, and
# carries committed changes to webhooks as AWS does (`admin relay-stream`: DynamoDB Local's
# stream into deliver_events, retry_deliveries every second, the retry schedule's minutes
# shortened to seconds by WEBHOOK_RETRY_MINUTE_SECONDS=1; receipts e-mailed to aws-ses-v2-local
# on 127.0.0.1:8005, whose web page shows them). Live accounts charge through localstripe, a Stripe
# emulator, on 127.0.0.1:8420, whose events come back to /stripe/webhook; a live account is
# created and its key printed too.
# Keys are also written to .local/ (LOCAL_DIR) so the README's curl walkthrough can read them.
# Ctrl-C stops everything.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

API_PORT=${API_PORT:-9000}
DYNAMODB_PORT=${DYNAMODB_PORT:-8000}
SES_PORT=${SES_PORT:-8005}
STRIPE_PORT=${STRIPE_PORT:-8420}
export TABLE_NAME=${TABLE_NAME:-commet-payments}
export DYNAMODB_ENDPOINT="http://127.0.0.1:$DYNAMODB_PORT"
export PUBLIC_BASE_URL="http://127.0.0.1:$API_PORT"
LOCAL_DIR=${LOCAL_DIR:-.local}
# Locally an admin change (set-tax, revoke-key) shows at once (0: no cache), not after a warm
# function's cache of 60 s runs out.
API_KEY_CACHE_TTL_SECONDS=${API_KEY_CACHE_TTL_SECONDS:-0}
# Webhook receivers run on this machine, and retries show within seconds.
export WEBHOOKS_ALLOW_LOOPBACK=true
export WEBHOOK_RETRY_MINUTE_SECONDS=${WEBHOOK_RETRY_MINUTE_SECONDS:-1}
# Receipts go to aws-ses-v2-local, whose page shows every e-mail.
export SES_ENDPOINT="http://127.0.0.1:$SES_PORT"
export RECEIPT_SENDER=${RECEIPT_SENDER:-receipts@commet-payments.local}
# Live money goes to localstripe, which takes any key of this form.
export STRIPE_API_BASE="http://127.0.0.1:$STRIPE_PORT"
export STRIPE_SECRET_KEY=sk_test_commet_payments_local
# Live hosted pages load localstripe's stand-in for Stripe.js, which takes any publishable key.
export STRIPE_PUBLISHABLE_KEY=pk_test_commet_payments_local
export STRIPE_JS_URL="http://127.0.0.1:$STRIPE_PORT/js.stripe.com/v3/"
# localstripe signs its events to /stripe/webhook with this, as Stripe signs with an endpoint's.
export STRIPE_WEBHOOK_SECRET=whsec_commet_payments_local
# Stripe's test mode, for the sandbox account set to Stripe: localstripe again, other keys, and
# a second endpoint with its own secret (real Stripe has one endpoint per mode).
export STRIPE_TEST_SECRET_KEY=sk_test_commet_payments_local_test_mode
export STRIPE_TEST_PUBLISHABLE_KEY=pk_test_commet_payments_local_test_mode
export STRIPE_TEST_WEBHOOK_SECRET=whsec_commet_payments_local_test_mode

ensure_dynamodb_local
ensure_cargo_lambda

wait_for_port_free "$DYNAMODB_PORT" 15 || die "port $DYNAMODB_PORT is taken; stop what runs there or set DYNAMODB_PORT"
wait_for_port_free "$API_PORT" 15 || die "port $API_PORT is taken; stop what runs there or set API_PORT"
wait_for_port_free "$SES_PORT" 15 || die "port $SES_PORT is taken; stop what runs there or set SES_PORT"
wait_for_port_free "$STRIPE_PORT" 15 || die "port $STRIPE_PORT is taken; stop what runs there or set STRIPE_PORT"

log "building the functions and the admin command"
cargo build --bins --quiet

log "starting DynamoDB Local on 127.0.0.1:$DYNAMODB_PORT (in memory)"
mkdir -p "$LOCAL_DIR"
scripts/dynamodb-local.sh "$DYNAMODB_PORT" --parent-pid $$ > "$LOCAL_DIR/dynamodb-local.log" 2>&1 &
wait_for_port "$DYNAMODB_PORT" 120 || die "DynamoDB Local did not start; see $LOCAL_DIR/dynamodb-local.log"

log "starting aws-ses-v2-local on 127.0.0.1:$SES_PORT (receipts)"
scripts/ses-local.sh "$SES_PORT" --parent-pid $$ > "$LOCAL_DIR/ses-local.log" 2>&1 &
wait_for_port "$SES_PORT" 60 || die "aws-ses-v2-local did not start; see $LOCAL_DIR/ses-local.log"

log "starting localstripe on 127.0.0.1:$STRIPE_PORT (live accounts' Stripe)"
scripts/localstripe.sh "$STRIPE_PORT" --parent-pid $$ > "$LOCAL_DIR/localstripe.log" 2>&1 &
wait_for_port "$STRIPE_PORT" 180 || die "localstripe did not start; see $LOCAL_DIR/localstripe.log"
# Its events about PaymentIntents go to our Stripe webhook, as a Stripe dashboard's endpoint would.
# One endpoint per mode, as at Stripe: every event reaches both, and each secret vouches only
# for its own mode's payments.
register_stripe_endpoint() { # <name> <signing secret>
  curl -fsS -X POST "http://127.0.0.1:$STRIPE_PORT/_config/webhooks/$1" \
    --data-urlencode "url=$PUBLIC_BASE_URL/stripe/webhook" --data-urlencode "secret=$2" \
    -d 'events[]=payment_intent.succeeded' -d 'events[]=payment_intent.payment_failed' \
    -d 'events[]=charge.refunded' -d 'events[]=charge.dispute.created' \
    -d 'events[]=charge.dispute.updated' -d 'events[]=charge.dispute.funds_withdrawn' \
    -d 'events[]=charge.dispute.closed' \
    || die "localstripe refused the webhook registration"
}
register_stripe_endpoint commet-local "$STRIPE_WEBHOOK_SECRET"
register_stripe_endpoint commet-local-test "$STRIPE_TEST_WEBHOOK_SECRET"

admin() { target/debug/admin "$@"; }
admin create-table
log "relaying the table's stream to webhooks (log: $LOCAL_DIR/relay.log)"
# Dies with this script (which becomes cargo lambda watch), however that ends.
setpriv --pdeathsig TERM target/debug/admin relay-stream > "$LOCAL_DIR/relay.log" 2>&1 &
admin create-account --name "Local sandbox" --mode sandbox --key-file "$LOCAL_DIR/sandbox-key" \
  | tee /dev/stderr | awk '/^account /{print $2}' > "$LOCAL_DIR/sandbox-account"
admin create-account --name "Another sandbox" --mode sandbox --key-file "$LOCAL_DIR/other-key" \
  | awk '/^account /{print $2}' > "$LOCAL_DIR/other-account"
admin create-account --name "Local live" --mode live --key-file "$LOCAL_DIR/live-key" \
  | awk '/^account /{print $2}' > "$LOCAL_DIR/live-account"
admin create-account --name "Sandbox on Stripe" --mode sandbox --key-file "$LOCAL_DIR/stripe-test-key" \
  | awk '/^account /{print $2}' > "$LOCAL_DIR/stripe-test-account"
admin set-provider --account "$(cat "$LOCAL_DIR/stripe-test-account")" --provider stripe > /dev/null

cat >&2 <<TEXT

  API:           http://127.0.0.1:$API_PORT/api/v1
  sandbox:       $(cat "$LOCAL_DIR/sandbox-account")   (in $LOCAL_DIR/sandbox-account)
  sandbox key:   $(cat "$LOCAL_DIR/sandbox-key")   (also in $LOCAL_DIR/sandbox-key)
  another key:   $(cat "$LOCAL_DIR/other-key")   (another account, in $LOCAL_DIR/other-key)
  live key:      $(cat "$LOCAL_DIR/live-key")   (charges go to localstripe on 127.0.0.1:$STRIPE_PORT; in $LOCAL_DIR/live-key)
  stripe test:   $(cat "$LOCAL_DIR/stripe-test-key")   (a sandbox account on Stripe's test keys; in $LOCAL_DIR/stripe-test-key)
  receipts:      http://127.0.0.1:$SES_PORT   (every e-mail sent, as aws-ses-v2-local shows it)
  admin:         TABLE_NAME=$TABLE_NAME DYNAMODB_ENDPOINT=$DYNAMODB_ENDPOINT target/debug/admin --help

TEXT

log "serving the API with cargo lambda watch on 127.0.0.1:$API_PORT (Ctrl-C stops)"
exec cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$API_PORT" \
  --env-var "TABLE_NAME=$TABLE_NAME,DYNAMODB_ENDPOINT=$DYNAMODB_ENDPOINT,PUBLIC_BASE_URL=$PUBLIC_BASE_URL,API_KEY_CACHE_TTL_SECONDS=$API_KEY_CACHE_TTL_SECONDS,WEBHOOKS_ALLOW_LOOPBACK=true,WEBHOOK_RETRY_MINUTE_SECONDS=$WEBHOOK_RETRY_MINUTE_SECONDS,STRIPE_API_BASE=$STRIPE_API_BASE,STRIPE_SECRET_KEY=$STRIPE_SECRET_KEY,STRIPE_WEBHOOK_SECRET=$STRIPE_WEBHOOK_SECRET,STRIPE_PUBLISHABLE_KEY=$STRIPE_PUBLISHABLE_KEY,STRIPE_JS_URL=$STRIPE_JS_URL,STRIPE_TEST_SECRET_KEY=$STRIPE_TEST_SECRET_KEY,STRIPE_TEST_PUBLISHABLE_KEY=$STRIPE_TEST_PUBLISHABLE_KEY,STRIPE_TEST_WEBHOOK_SECRET=$STRIPE_TEST_WEBHOOK_SECRET,RUST_LOG=info"
