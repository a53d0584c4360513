#!/usr/bin/env bash
# `make dev`: installs what is missing, starts the infrastructure and the three services on
# loopback, prints the URLs, and on Ctrl-C stops everything in reverse order.
source "$(dirname "$0")/toolchain.sh"
ensure_node_modules
build_web
export STACK=dev
source "$ROOT/scripts/env/dev.sh"
cd "$ROOT"

service_pids=()
stop_all() {
  trap - EXIT INT TERM
  log dev "stopping"
  # The server first, so nothing calls a service that is already gone.
  for ((i = ${#service_pids[@]} - 1; i >= 0; i--)); do kill -TERM "${service_pids[i]}" 2>/dev/null || true; done
  for pid in "${service_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  scripts/stack/prometheus.sh stop
  scripts/stack.sh down
}
trap stop_all EXIT INT TERM

scripts/stack.sh up
load_stack_secrets
source "$ROOT/scripts/services-env.sh"

env "${order_env[@]}" node services/order/src/migrate.ts -y
env "${customer_env[@]}" node services/customer/src/migrate.ts -y

pretty() { pino-pretty --colorize --translateTime SYS:HH:MM:ss.l --ignore pid,hostname; }
# Not supervised (scripts/service.sh --restart, as `make drill` runs them): here a service that
# exits ends the session, so its error is the last thing on the screen.
start_service() {
  scripts/service.sh "$1" > >(pretty) 2>&1 &
  service_pids+=($!)
}
start_service customer
start_service order
wait_for_port order "$ORDER_PORT" 30
wait_for_port customer "$CUSTOMER_PORT" 30
start_service server
wait_for_port server "$SERVER_PORT" 30
export STACK_DIR PROMETHEUS_PORT SERVER_METRICS_PORT ORDER_METRICS_PORT CUSTOMER_METRICS_PORT
scripts/stack/prometheus.sh start

cat >&2 <<INFO

  Everything is running.
    Web app            http://127.0.0.1:$SERVER_PORT      (barista board /barista, pickup display /display, menu admin /admin)
    REST API           http://127.0.0.1:$SERVER_PORT/v1   (try: curl http://127.0.0.1:$SERVER_PORT/v1/menu)
    API docs           http://127.0.0.1:$SERVER_PORT/docs   (OpenAPI: /openapi.json)
    Readiness          http://127.0.0.1:$SERVER_PORT/readyz
    Admin sign-in      $BOOTSTRAP_ADMIN_EMAIL / $BOOTSTRAP_ADMIN_PASSWORD   (set BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD to choose)
    order (gRPC)       127.0.0.1:$ORDER_PORT
    customer (gRPC)    127.0.0.1:$CUSTOMER_PORT
    Prometheus         http://127.0.0.1:$PROMETHEUS_PORT   (alerts: /alerts; the services' /metrics on :$SERVER_METRICS_PORT, :$ORDER_METRICS_PORT, :$CUSTOMER_METRICS_PORT)
    Temporal UI        http://127.0.0.1:$TEMPORAL_UI_PORT   (gRPC 127.0.0.1:$TEMPORAL_PORT, namespace $ENVIRONMENT)
    PostgreSQL         127.0.0.1:$PG_PORT  (passwords in $STACK_DIR/secrets.env)
    Valkey protocol    127.0.0.1:$VALKEY_PORT
    Kafka              127.0.0.1:$KAFKA_PORT
  Logs of the infrastructure: $STACK_DIR/logs. Ctrl-C stops everything.

INFO

# Any service that exits ends the session, taking the rest down cleanly.
wait -n "${service_pids[@]}"
log dev "a service exited; shutting down"
