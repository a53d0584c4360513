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
cd "$ROOT"
case "$name" in
  order) env "${order_env[@]}" node services/order/src/migrate.ts -y ;;
  customer) env "${customer_env[@]}" node services/customer/src/migrate.ts -y ;;
esac
STACK=dev exec scripts/service.sh --watch "$@"
