#!/usr/bin/env bash
# `make drill`: a stack of its own (scripts/env/drill.sh), fresh every run; the three services
# bundled as the images run them, each under a supervisor that restarts it (scripts/service.sh
# --restart), started by the drill itself (bench/drill/drill.ts); then faults under traffic and
# the books checked after each. DRILL=short is CI's version. Stops everything it started.
source "$(dirname "$0")/toolchain.sh"
ensure_node_modules
export STACK=drill
source "$ROOT/scripts/env/drill.sh"
cd "$ROOT"

# The services' supervisors, should a drill have died without stopping them (this run's at its
# end, an earlier run's before this one starts).
stop_supervisors() {
  local file pid
  for file in "$STACK_DIR"/run/*-supervisor.pid; do
    [ -f "$file" ] || continue
    pid=$(cat "$file")
    # Only a supervisor: a pid file left by one killed outright may name another process now.
    if grep -qs 'scripts/service.sh' "/proc/$pid/cmdline"; then kill -TERM "$pid"; else rm -f "$file"; fi
  done
  # Each removes its pid file once its service has stopped.
  for _ in $(seq 1 200); do compgen -G "$STACK_DIR/run/*-supervisor.pid" >/dev/null || break; sleep 0.1; done
}
stop_supervisors
scripts/stack.sh down >/dev/null 2>&1 || true
rm -rf "$STACK_DIR"
trap 'stop_supervisors; scripts/stack.sh down' EXIT
scripts/stack.sh up
load_stack_secrets
source "$ROOT/scripts/services-env.sh"
env "${order_env[@]}" node services/order/src/migrate.ts -y
env "${customer_env[@]}" node services/customer/src/migrate.ts -y
node scripts/bundle.ts
node services/order/src/bundle-workflows.ts "$STACK_DIR/order-workflows.js"

export STACK_DIR STACK_NAME PG_PORT VALKEY_PORT KAFKA_PORT KAFKA_CONTROLLER_PORT TEMPORAL_PORT TEMPORAL_UI_PORT \
  SERVER_PORT ORDER_PORT CUSTOMER_PORT SERVER_METRICS_PORT ORDER_METRICS_PORT CUSTOMER_METRICS_PORT ENVIRONMENT \
  ORDER_DB_PASSWORD CUSTOMER_DB_PASSWORD BOOTSTRAP_ADMIN_EMAIL BOOTSTRAP_ADMIN_PASSWORD
node bench/drill/drill.ts
