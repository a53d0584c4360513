# The environment each service gets on the local stacks: the variables the Helm charts set in
# the cluster, pointed at loopback. Source after scripts/env/<stack>.sh and load_stack_secrets.
# shellcheck shell=bash
order_env=(
  GRPC_HOST=127.0.0.1 GRPC_PORT="$ORDER_PORT" LOG_LEVEL="${LOG_LEVEL:-debug}"
  DB_HOST=127.0.0.1 DB_PORT="$PG_PORT" DB_NAME=order_db DB_USER=order_service DB_PASSWORD="$ORDER_DB_PASSWORD"
  VALKEY_URL="redis://127.0.0.1:$VALKEY_PORT" VALKEY_KEY_PREFIX="$ENVIRONMENT:order:"
  CUSTOMER_SERVICE_ADDRESS="127.0.0.1:$CUSTOMER_PORT"
  TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT" TEMPORAL_NAMESPACE="$ENVIRONMENT"
  KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT" ORDER_EVENTS_TOPIC="$ENVIRONMENT.orders.v1"
)
customer_env=(
  GRPC_HOST=127.0.0.1 GRPC_PORT="$CUSTOMER_PORT" LOG_LEVEL="${LOG_LEVEL:-debug}"
  DB_HOST=127.0.0.1 DB_PORT="$PG_PORT" DB_NAME=customer_db DB_USER=customer_service DB_PASSWORD="$CUSTOMER_DB_PASSWORD"
  KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT" ORDER_EVENTS_TOPIC="$ENVIRONMENT.orders.v1" ORDER_EVENTS_DLQ_TOPIC="$ENVIRONMENT.orders.v1.dlq"
)
# The first admin: from the environment when set, else development defaults that `make dev` prints.
: "${BOOTSTRAP_ADMIN_EMAIL:=admin@everything.local}"
: "${BOOTSTRAP_ADMIN_PASSWORD:=coffee-admin}"
server_env=(
  HTTP_HOST=127.0.0.1 HTTP_PORT="$SERVER_PORT" LOG_LEVEL="${LOG_LEVEL:-debug}"
  ORDER_SERVICE_ADDRESS="127.0.0.1:$ORDER_PORT" CUSTOMER_SERVICE_ADDRESS="127.0.0.1:$CUSTOMER_PORT"
  VALKEY_URL="redis://127.0.0.1:$VALKEY_PORT" VALKEY_KEY_PREFIX="$ENVIRONMENT:server:"
  JWT_SECRET="$JWT_SECRET"
  BOOTSTRAP_ADMIN_EMAIL="$BOOTSTRAP_ADMIN_EMAIL" BOOTSTRAP_ADMIN_PASSWORD="$BOOTSTRAP_ADMIN_PASSWORD"
)
