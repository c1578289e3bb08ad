#!/usr/bin/env bash
# Runs aws-ses-v2-local (npm), a local SES v2 that keeps every e-mail and shows them on a web
# page (GET / ; as JSON at GET /store), on 127.0.0.1:<port> only.
#
#   scripts/ses-local.sh <port> [--parent-pid <pid>]
#
# With --parent-pid it stops itself when that process exits, as scripts/dynamodb-local.sh does:
# this script polls the parent, and Node gets a parent-death signal, so it dies with this script
# even when the script is killed outright.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

port=${1:?usage: ses-local.sh <port> [--parent-pid <pid>]}
parent=""
if [[ "${2:-}" == "--parent-pid" ]]; then parent=${3:?missing pid}; fi

ensure_node_packages
# --commet-owner (ignored by the server) lets scripts/test.sh tell a leftover from one in use.
cmd=(node "$ROOT/node_modules/aws-ses-v2-local/dist/cli.js" --host 127.0.0.1 --port "$port"
     --commet-owner "${parent:-none}")

run_owned "$parent" "${cmd[@]}"
