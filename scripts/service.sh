#!/usr/bin/env bash
# Runs one service from its TypeScript sources with its stack's environment (STACK=dev|test|drill,
# scripts/services-env.sh). The one way the local stacks start a service: `make dev`,
# scripts/run-service.sh and `make drill` all come through here.
# Usage: scripts/service.sh [--watch | --restart] [--bundled] order|customer|server [VAR=value ...]
#   --watch    restarts it when a file changes (node --watch), for working on one service
#   --bundled  runs services/<name>/dist/main.js (`node scripts/bundle.ts`), as the images do
#   --restart  supervises it as a kubelet does: when it exits, for whatever reason, it is started
#              again after a backoff (SUPERVISE_BACKOFF_SECONDS, 1 s, doubling up to 30 s, and back
#              to the first once it ran for a minute). The running process's pid is in
#              $STACK_DIR/run/<name>.pid, the supervisor's in <name>-supervisor.pid; SIGTERM
#              or SIGINT to the supervisor stops both.
# Without --restart, the service replaces this script (same pid), so a caller's signal reaches it.
source "$(dirname "$0")/toolchain.sh"
source "$ROOT/scripts/env/${STACK:-dev}.sh"
load_stack_secrets
source "$ROOT/scripts/services-env.sh"

mode=once
entry=src/main.ts
while [[ "${1:-}" == --* ]]; do
  case "$1" in
    --watch | --restart) mode=${1#--} ;;
    --bundled) entry=dist/main.js ;;
    *) die "unknown option $1" ;;
  esac
  shift
done
name=${1:?usage: service.sh [--watch | --restart] [--bundled] order|customer|server [VAR=value ...]}
shift
case "$name" in
  order) service_env=("${order_env[@]}") ;;
  customer) service_env=("${customer_env[@]}") ;;
  server) service_env=("${server_env[@]}") ;;
  *) die "unknown service $name (order, customer or server)" ;;
esac
cd "$ROOT"
command=(env "${service_env[@]}" "$@" node)
[ "$mode" = watch ] && command+=(--watch)
command+=("services/$name/$entry")
[ "$mode" = restart ] || exec "${command[@]}"

first_backoff=${SUPERVISE_BACKOFF_SECONDS:-1}
max_backoff=30
backoff=$first_backoff
pid_file="$STACK_DIR/run/$name.pid"
supervisor_pid_file="$STACK_DIR/run/$name-supervisor.pid"
mkdir -p "$STACK_DIR/run"
echo $$ >"$supervisor_pid_file"
child=
stop() {
  trap - TERM INT
  if [ -n "$child" ]; then
    # A process stopped by SIGSTOP would hold the TERM until continued.
    kill -CONT "$child" 2>/dev/null || true
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  rm -f "$pid_file" "$supervisor_pid_file"
  exit 0
}
trap stop TERM INT
while true; do
  started=$(date +%s)
  "${command[@]}" &
  child=$!
  echo "$child" >"$pid_file"
  status=0
  wait "$child" || status=$?
  child=
  (($(date +%s) - started >= 60)) && backoff=$first_backoff
  log supervise "$name exited ($status); starting it again in ${backoff}s"
  # In the background, so that a SIGTERM meanwhile is handled at once.
  sleep "$backoff" &
  wait $! || true
  backoff=$((backoff * 2 > max_backoff ? max_backoff : backoff * 2))
done
