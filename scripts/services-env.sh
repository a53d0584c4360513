# The environment each service gets on the local stacks: the variables the Helm charts set in
# the cluster, pointed at loopback. Tracing is on when OTEL_EXPORTER_OTLP_ENDPOINT is set (an
# OTLP gRPC receiver such as a local collector); metrics are always on, for `make dev`'s Prometheus. Source after scripts/env/<stack>.sh and load_stack_secrets.
# shellcheck shell=bash
order_env=(
  GRPC_HOST=127.0.0.1 GRPC_PORT="$ORDER_PORT" LOG_LEVEL="${LOG_LEVEL:-debug}"
  METRICS_HOST=127.0.0.1 METRICS_PORT="$ORDER_METRICS_PORT"
  DB_HOST=127.0.0.1 DB_PORT="$PG_PORT" DB_NAME=order_db DB_USER=order_service DB_PASSWORD="$ORDER_DB_PASSWORD"
  VALKEY_URL="redis://127.0.0.1:$VALKEY_PORT" VALKEY_KEY_PREFIX="$ENVIRONMENT:order:"
  CUSTOMER_SERVICE_ADDRESS="127.0.0.1:$CUSTOMER_PORT"
  TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT" TEMPORAL_NAMESPACE="$ENVIRONMENT"
  KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT" ORDER_EVENTS_TOPIC="$ENVIRONMENT.orders.v1"
)
customer_env=(
  GRPC_HOST=127.0.0.1 GRPC_PORT="$CUSTOMER_PORT" LOG_LEVEL="${LOG_LEVEL:-debug}"
  METRICS_HOST=127.0.0.1 METRICS_PORT="$CUSTOMER_METRICS_PORT"
  DB_HOST=127.0.0.1 DB_PORT="$PG_PORT" DB_NAME=customer_db DB_USER=customer_service DB_PASSWORD="$CUSTOMER_DB_PASSWORD"
  KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT" ORDER_EVENTS_TOPIC="$ENVIRONMENT.orders.v1" ORDER_EVENTS_DLQ_TOPIC="$ENVIRONMENT.orders.v1.dlq"
)
# Web Push, with the stack's VAPID key pair (load_stack_secrets makes one).
if [ -n "${VAPID_PRIVATE_KEY:-}" ]; then
  customer_env+=(VAPID_PUBLIC_KEY="$VAPID_PUBLIC_KEY" VAPID_PRIVATE_KEY="$VAPID_PRIVATE_KEY")
fi
# The first admin: from the environment when set, else development defaults that `make dev` prints.
: "${BOOTSTRAP_ADMIN_EMAIL:=admin@everything.local}"
: "${BOOTSTRAP_ADMIN_PASSWORD:=coffee-admin}"
server_env=(
  HTTP_HOST=127.0.0.1 HTTP_PORT="$SERVER_PORT" LOG_LEVEL="${LOG_LEVEL:-debug}"
  METRICS_HOST=127.0.0.1 METRICS_PORT="$SERVER_METRICS_PORT"
  ORDER_SERVICE_ADDRESS="127.0.0.1:$ORDER_PORT" CUSTOMER_SERVICE_ADDRESS="127.0.0.1:$CUSTOMER_PORT"
  VALKEY_URL="redis://127.0.0.1:$VALKEY_PORT" VALKEY_KEY_PREFIX="$ENVIRONMENT:server:"
  JWT_SECRET="$JWT_SECRET"
  BOOTSTRAP_ADMIN_EMAIL="$BOOTSTRAP_ADMIN_EMAIL" BOOTSTRAP_ADMIN_PASSWORD="$BOOTSTRAP_ADMIN_PASSWORD"
)
if [ -n "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ]; then
  order_env+=(OTEL_EXPORTER_OTLP_ENDPOINT="$OTEL_EXPORTER_OTLP_ENDPOINT")
  customer_env+=(OTEL_EXPORTER_OTLP_ENDPOINT="$OTEL_EXPORTER_OTLP_ENDPOINT")
  server_env+=(OTEL_EXPORTER_OTLP_ENDPOINT="$OTEL_EXPORTER_OTLP_ENDPOINT")
fi
