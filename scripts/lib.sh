# Shared helpers for the project's shell scripts. Source it; do not run it.
# shellcheck shell=bash
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Downloads and builds (Node, Kafka jars, the temporal CLI) live outside the work tree
# so that every clone on this machine shares them; override to move them elsewhere.
CACHE_DIR=${EVERYTHING_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/everything}
mkdir -p "$CACHE_DIR"

log() { printf '\033[1;34m[%s]\033[0m %s\n' "$1" "${*:2}" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root for: $*"; fi
}

# Installs Debian packages that are missing; runs apt-get update once per call.
apt_ensure() {
  local missing=()
  # Installed, not merely known: a removed package leaves its configuration behind.
  for pkg in "$@"; do
    [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log apt "installing ${missing[*]}"
  # Waits for another apt (a parallel install step, or the machine's own) instead of failing.
  local lock=(-o DPkg::Lock::Timeout=600)
  as_root apt-get "${lock[@]}" update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get "${lock[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Waits until a TCP port accepts connections, or fails naming what did not come up.
wait_for_port() {
  local name=$1 port=$2 seconds=${3:-60}
  for ((i = 0; i < seconds * 10; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  die "$name did not open port $port within ${seconds}s"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Long-running servers of the dev and test stacks: one pid file and one log per server
# under $STACK_DIR, so `stop` finds exactly what `start` launched.
pid_file() { echo "$STACK_DIR/run/$1.pid"; }

is_running() {
  local file; file=$(pid_file "$1")
  [ -f "$file" ] && kill -0 "$(cat "$file")" 2>/dev/null
}

# start_daemon NAME COMMAND...: runs COMMAND in its own session (so a Ctrl-C meant for
# `make dev` reaches the script's trap, which then stops the servers in order).
start_daemon() {
  local name=$1; shift
  mkdir -p "$STACK_DIR/run" "$STACK_DIR/logs"
  setsid "$@" >>"$STACK_DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$(pid_file "$name")"
}

# stop_daemon NAME [SECONDS]: SIGTERM, wait for a clean exit, and say so if it needs SIGKILL.
stop_daemon() {
  local name=$1 seconds=${2:-30} file pid
  file=$(pid_file "$name")
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < seconds * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name" "did not stop within ${seconds}s; killing it"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$file"
}

# Loads (creating on first use) the stack's generated passwords. They stay in the
# git-ignored stack folder; nothing secret is committed.
load_stack_secrets() {
  local file="$STACK_DIR/secrets.env"
  if [ ! -f "$file" ]; then
    mkdir -p "$STACK_DIR"
    (
      umask 077
      echo "PG_SUPERUSER_PASSWORD=$(random_secret)"
      echo "ORDER_DB_PASSWORD=$(random_secret)"
      echo "CUSTOMER_DB_PASSWORD=$(random_secret)"
    ) >"$file"
    chmod 600 "$file"
  fi
  # Added when a newer checkout needs a secret that an older stack folder lacks.
  grep -q '^JWT_SECRET=' "$file" || echo "JWT_SECRET=$(random_secret)$(random_secret)" >>"$file"
  # The Web Push key pair of this stack (the customer service signs and encrypts with it).
  grep -q '^VAPID_PRIVATE_KEY=' "$file" || "$(dirname "${BASH_SOURCE[0]}")/vapid-keys.sh" >>"$file"
  set -a; source "$file"; set +a
}

random_secret() { head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='; }
