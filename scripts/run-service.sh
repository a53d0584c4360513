#!/usr/bin/env bash
# Runs one service alone, in the foreground and restarting on file changes, against the dev
# stack (`make stack-up`), with exactly the environment `make dev` gives it.
# Usage: scripts/run-service.sh order|customer|server [extra VAR=value ...]
source "$(dirname "$0")/toolchain.sh"
ensure_node_modules
source "$ROOT/scripts/env/dev.sh"
load_stack_secrets
source "$ROOT/scripts/services-env.sh"
name=${1:?usage: run-service.sh order|customer|server [VAR=value ...]}
shift
case "$name" in
  order) service_env=("${order_env[@]}") ;;
  customer) service_env=("${customer_env[@]}") ;;
  server) service_env=("${server_env[@]}") ;;
  *) die "unknown service $name (order, customer or server)" ;;
esac
cd "$ROOT"
if [ "$name" != server ]; then env "${service_env[@]}" node "services/$name/src/migrate.ts" -y; fi
exec env "${service_env[@]}" "$@" node --watch "services/$name/src/main.ts"
