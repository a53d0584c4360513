#!/usr/bin/env bash
# Records the fixtures of `make replay` from real runs of the order workflow on the test stack
# (start it first: `STACK=test scripts/stack.sh up`, with the ports you use). Writes
# services/order/src/workflows/histories/: each way an order goes with today's workflow, and the
# same with the workflow as it was before each of its patches, whose histories open orders of
# that time still have: before-accept-notification/ (notify-customer-on-accept) and
# before-local-payment/ (payment-as-local-activity).
source "$(dirname "$0")/toolchain.sh"
ensure_node_modules
export STACK=test
source "$ROOT/scripts/env/test.sh"
TEMPORAL_CLI_VERSION=$(sed -n 's/^TEMPORAL_CLI_VERSION=//p' "$ROOT/scripts/stack/temporal.sh")
cd "$ROOT"
port_in_use "$TEMPORAL_PORT" || die "the test stack is not up: STACK=test scripts/stack.sh up"
load_stack_secrets
export TEMPORAL_CLI="$CACHE_DIR/temporal-cli-$TEMPORAL_CLI_VERSION/temporal"
export STACK_DIR PG_PORT VALKEY_PORT KAFKA_PORT TEMPORAL_PORT ENVIRONMENT PG_SUPERUSER_PASSWORD \
  ORDER_DB_PASSWORD CUSTOMER_DB_PASSWORD
# The last commit of the workflow before the patch (main when it was written).
BEFORE_ACCEPT_NOTIFICATION=b046f9ff53f71dcd095af5c62107cce9f4ec0be2
BEFORE_LOCAL_PAYMENT=68adfb5ba2e4c9a15b49f190b0694f3f798b1b62
histories=services/order/src/workflows/histories
rm -rf "$histories" && mkdir -p "$histories"
node services/order/src/temporal/record-histories.ts "$histories"
node services/order/src/temporal/record-histories.ts --workflow-code="$BEFORE_ACCEPT_NOTIFICATION" \
  "$histories/before-accept-notification"
node services/order/src/temporal/record-histories.ts --workflow-code="$BEFORE_LOCAL_PAYMENT" \
  "$histories/before-local-payment"
