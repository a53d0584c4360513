#!/usr/bin/env bash
# A Valkey-protocol server: valkey-server where the machine has one, else Debian's redis-server 7.
# Usage: valkey.sh install|start|stop|wipe
source "$(dirname "$0")/../lib.sh"

server_bin() { command -v valkey-server || command -v redis-server || true; }

install() { [ -n "$(server_bin)" ] || apt_ensure redis-server; }

start() {
  install
  is_running valkey && { log valkey "already running"; return; }
  port_in_use "$VALKEY_PORT" && die "port $VALKEY_PORT is taken; set VALKEY_PORT to a free port"
  mkdir -p "$STACK_DIR/valkey"
  start_daemon valkey "$(server_bin)" --port "$VALKEY_PORT" --bind 127.0.0.1 \
    --dir "$STACK_DIR/valkey" --appendonly yes --save "" --daemonize no --loglevel warning
  wait_for_port valkey "$VALKEY_PORT" 30
}

stop() { stop_daemon valkey; }

# Forgets everything it held (its append-only file), as a restart without a volume does; only
# while stopped. For `make drill`.
wipe() {
  is_running valkey && die "stop valkey before wiping its data"
  rm -rf "$STACK_DIR/valkey"
}

"${1:?usage: valkey.sh install|start|stop|wipe}"
