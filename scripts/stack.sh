#!/usr/bin/env bash
# Installs (first time) and starts, or stops, the infrastructure on loopback: PostgreSQL,
# a Valkey-protocol server, Kafka (KRaft) and the Temporal dev server.
# Usage: STACK=dev|test|drill scripts/stack.sh up|down
#        STACK=… scripts/stack.sh postgres|valkey|kafka|temporal COMMAND
#          one server alone (its script's commands: start, stop, and postgres freeze|thaw,
#          valkey wipe, …), as `make drill` does to inject its faults
source "$(dirname "$0")/lib.sh"
source "$ROOT/scripts/env/${STACK:-dev}.sh"
export STACK_DIR PG_PORT VALKEY_PORT KAFKA_PORT KAFKA_CONTROLLER_PORT TEMPORAL_PORT TEMPORAL_UI_PORT ENVIRONMENT
stack="$ROOT/scripts/stack"

up() {
  mkdir -p "$STACK_DIR"
  # Kafka (Maven) and Temporal (go install) build while apt installs the rest; apt runs once at a time.
  "$stack/kafka.sh" install & local kafka_install=$!
  "$stack/temporal.sh" install & local temporal_install=$!
  "$stack/postgres.sh" start
  "$stack/valkey.sh" start
  wait "$kafka_install" || die "installing Kafka failed"
  "$stack/kafka.sh" start
  wait "$temporal_install" || die "building the temporal CLI failed"
  "$stack/temporal.sh" start
  "$stack/kafka.sh" wait_ready
  "$stack/temporal.sh" wait_ready
  log stack "$STACK_NAME stack is up in $STACK_DIR"
}

down() {
  "$stack/temporal.sh" stop
  "$stack/kafka.sh" stop
  "$stack/valkey.sh" stop
  "$stack/postgres.sh" stop
  log stack "$STACK_NAME stack stopped"
}

case "${1:-}" in
  up | down) "$1" ;;
  postgres | valkey | kafka | temporal) "$stack/$1.sh" "${@:2}" ;;
  *) die "usage: stack.sh up|down, or stack.sh postgres|valkey|kafka|temporal COMMAND" ;;
esac
