# Ports and state folder of the `make drill` stack: apart from `make dev`'s and `make test`'s, since
# the drill kills, freezes and wipes its servers.
# shellcheck shell=bash
: "${STACK_NAME:=drill}"
: "${STACK_DIR:=$ROOT/.dev/drill}"
: "${PG_PORT:=33432}"
: "${VALKEY_PORT:=33379}"
: "${KAFKA_PORT:=33092}"
: "${KAFKA_CONTROLLER_PORT:=33093}"
: "${TEMPORAL_PORT:=33233}"
: "${TEMPORAL_UI_PORT:=33234}"
: "${SERVER_PORT:=33080}"
: "${ORDER_PORT:=33051}"
: "${SERVER_METRICS_PORT:=33464}"
: "${ORDER_METRICS_PORT:=33465}"
: "${CUSTOMER_METRICS_PORT:=33466}"
: "${PROMETHEUS_PORT:=33090}"
: "${CUSTOMER_PORT:=33052}"
: "${ENVIRONMENT:=drill}"
