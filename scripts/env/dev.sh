# Ports and state folder of the `make dev` stack. Every value can be overridden from the
# environment, so the stack can run beside other things.
# shellcheck shell=bash
: "${STACK_NAME:=dev}"
: "${STACK_DIR:=$ROOT/.dev/dev}"
: "${PG_PORT:=5432}"
: "${VALKEY_PORT:=6379}"
: "${KAFKA_PORT:=9092}"
: "${KAFKA_CONTROLLER_PORT:=9093}"
: "${TEMPORAL_PORT:=7233}"
: "${TEMPORAL_UI_PORT:=8233}"
: "${SERVER_PORT:=8080}"
: "${ORDER_PORT:=50051}"
: "${SERVER_METRICS_PORT:=9464}"
: "${ORDER_METRICS_PORT:=9465}"
: "${CUSTOMER_METRICS_PORT:=9466}"
: "${PROMETHEUS_PORT:=9190}" # not 9090: Debian's package may run its own Prometheus there
: "${CUSTOMER_PORT:=50052}"
: "${ENVIRONMENT:=dev}"
