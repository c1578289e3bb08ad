#!/usr/bin/env bash
# Runs AWS's DynamoDB Local, in memory, on 127.0.0.1:<port> only.
#
#   scripts/dynamodb-local.sh <port> [--parent-pid <pid>]
#
# With --parent-pid it stops itself when that process exits: the test suite and the scripts start
# it this way so that no DynamoDB Local outlives them, however they end. Two guards: this script
# polls the parent and stops Java when the parent is gone, and Java gets a parent-death signal
# (setpriv --pdeathsig), so it dies with this script even when the script is killed outright.
# Java carries -Dcommet.dynamodb-local.owner=<pid>, so that a leftover can be told from a
# DynamoDB Local someone is using (scripts/test.sh checks for leftovers).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

port=${1:?usage: dynamodb-local.sh <port> [--parent-pid <pid>]}
parent=""
if [[ "${2:-}" == "--parent-pid" ]]; then parent=${3:?missing pid}; fi

ensure_dynamodb_local
dir=$(dynamodb_local_dir)
# DynamoDB Local has no bind-address option; the launcher binds its Jetty connector to loopback.
cmd=(java -Xmx512m -Djava.library.path="$dir/DynamoDBLocal_lib"
     -Dcommet.dynamodb-local.owner="${parent:-none}"
     -cp "$dir/DynamoDBLocal.jar:$dir/DynamoDBLocal_lib/*"
     "$ROOT/tools/DynamoDbLocalLoopback.java"
     -inMemory -sharedDb -disableTelemetry -port "$port")

run_owned "$parent" "${cmd[@]}"
