#!/usr/bin/env bash
# The Temporal dev server (SQLite-backed, with its web UI) from the temporal CLI, built with
# `go install` into the cache. Usage: temporal.sh install|start|wait_ready|stop
source "$(dirname "$0")/../lib.sh"

# v1.5.1 is the newest CLI whose go.mod has no replace directive (which `go install` refuses).
TEMPORAL_CLI_VERSION=v1.5.1
BIN_DIR="$CACHE_DIR/temporal-cli-$TEMPORAL_CLI_VERSION"
TEMPORAL="$BIN_DIR/temporal"

install() {
  [ -x "$TEMPORAL" ] && return 0
  command -v go >/dev/null || die "building the temporal CLI needs Go on PATH"
  log temporal "building the temporal CLI $TEMPORAL_CLI_VERSION with go install (a few minutes, once)"
  GOBIN="$BIN_DIR" GOFLAGS=-trimpath go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
}

start() {
  install
  is_running temporal && { log temporal "already running"; return; }
  port_in_use "$TEMPORAL_PORT" && die "port $TEMPORAL_PORT is taken; set TEMPORAL_PORT to a free port"
  mkdir -p "$STACK_DIR/temporal"
  # WAL with synchronous=NORMAL: a commit no longer waits for fsyncs of a rollback journal,
  # which bounded the server at ~90 starts a second (170 with it, `make bench`). A commit
  # still survives the server being killed; only a crash of the machine can lose the last ones.
  start_daemon temporal "$TEMPORAL" server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" \
    --ui-port "$TEMPORAL_UI_PORT" --db-filename "$STACK_DIR/temporal/temporal.db" \
    --sqlite-pragma journal_mode=WAL --sqlite-pragma synchronous=NORMAL \
    --namespace "$ENVIRONMENT" --log-level warn
}

wait_ready() {
  wait_for_port temporal "$TEMPORAL_PORT" 60
  for _ in $(seq 1 60); do
    "$TEMPORAL" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  die "temporal did not report healthy; see $STACK_DIR/logs/temporal.log"
}

stop() { stop_daemon temporal; }

"${1:?usage: temporal.sh install|start|wait_ready|stop}"
