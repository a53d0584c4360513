# Ports and state folder of the `make test` stack: apart from `make dev`'s, so both can run at once.
# shellcheck shell=bash
: "${STACK_NAME:=test}"
: "${STACK_DIR:=$ROOT/.dev/test}"
: "${PG_PORT:=25432}"
: "${VALKEY_PORT:=26379}"
: "${KAFKA_PORT:=29092}"
: "${KAFKA_CONTROLLER_PORT:=29093}"
: "${TEMPORAL_PORT:=27233}"
: "${TEMPORAL_UI_PORT:=28233}"
: "${SERVER_PORT:=28080}"
: "${ORDER_PORT:=25051}"
: "${CUSTOMER_PORT:=25052}"
: "${ENVIRONMENT:=test}"
