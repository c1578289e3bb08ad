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

# Java's temporary files (sqlite4java's native library, extracted anew by every start, and the
# JVM's perf data, turned off) go to a folder of this run, removed when DynamoDB Local stops;
# folders left by runs killed outright are removed by the next start (their pid is gone).
tmp_root="$ROOT/target/dynamodb-local-tmp"
mkdir -p "$tmp_root"
for old in "$tmp_root"/*/; do
  [[ -d $old ]] || continue
  old_pid=$(basename "$old")
  if ! kill -0 "$old_pid" 2>/dev/null; then rm -rf "$old"; fi
done
tmp="$tmp_root/$$"
mkdir -p "$tmp"
owned_cleanup='rm -rf "$tmp"'
# DynamoDB Local has no bind-address option; the launcher binds its Jetty connector to loopback.
cmd=(java -Xmx512m -XX:-UsePerfData -Djava.io.tmpdir="$tmp" -Djava.library.path="$dir/DynamoDBLocal_lib"
     -Dcommet.dynamodb-local.owner="${parent:-none}"
     -cp "$dir/DynamoDBLocal.jar:$dir/DynamoDBLocal_lib/*"
     "$ROOT/tools/DynamoDbLocalLoopback.java"
     -inMemory -sharedDb -disableTelemetry -port "$port")

run_owned "$parent" "${cmd[@]}"
