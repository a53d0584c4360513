#!/usr/bin/env bash
# PostgreSQL from Debian's packages, one cluster per stack, plus a database and a user per service.
# Usage: postgres.sh install|start|stop|freeze|thaw
source "$(dirname "$0")/../lib.sh"

pg_bin() { find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1; }

install() {
  [ -n "$(pg_bin)" ] || apt_ensure postgresql
  command -v psql >/dev/null || apt_ensure postgresql-client
}

# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user, whose
# data folder must be reachable by it. A work tree under a private home is not, so the data
# then lives under /var/tmp, keyed by the stack folder's path.
data_dir() {
  local preferred="$STACK_DIR/postgres"
  if [ "$(id -u)" != 0 ]; then echo "$preferred"; return; fi
  mkdir -p "$preferred"
  chown postgres: "$preferred"
  if runuser -u postgres -- test -w "$preferred"; then echo "$preferred"; return; fi
  echo "/var/tmp/everything-$(echo -n "$STACK_DIR" | sha1sum | cut -c1-12)/postgres"
}

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start() {
  install
  load_stack_secrets
  local bin data; bin=$(pg_bin); data=$(data_dir)
  mkdir -p "$data" "$STACK_DIR/logs"
  [ "$(id -u)" = 0 ] && chown postgres: "$data" && touch "$STACK_DIR/logs/postgres.log" && chown postgres: "$STACK_DIR/logs/postgres.log"
  if [ ! -f "$data/PG_VERSION" ]; then
    log postgres "initialising a cluster in $data"
    local pwfile; pwfile=$(mktemp); echo "$PG_SUPERUSER_PASSWORD" >"$pwfile"
    [ "$(id -u)" = 0 ] && chown postgres: "$pwfile"
    as_pg "$bin/initdb" -D "$data" -U postgres --pwfile="$pwfile" --auth-host=scram-sha-256 \
      --auth-local=peer --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
  fi
  if as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log postgres "already running"
  else
    port_in_use "$PG_PORT" && die "port $PG_PORT is taken; set PG_PORT to a free port"
    # No Unix socket: everything connects over TCP on loopback, as the services do in the cluster.
    as_pg "$bin/pg_ctl" -D "$data" -l "$STACK_DIR/logs/postgres.log" -w -t 60 start \
      -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=100" >/dev/null
  fi
  echo "$data" >"$STACK_DIR/postgres.datadir"
  provision
}

# One database and one user per service, each user owning only its database (the seed's
# database-per-service rule). Idempotent: passwords are re-applied, nothing is dropped.
provision() {
  PGPASSWORD=$PG_SUPERUSER_PASSWORD psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 -q \
    -v order_password="$ORDER_DB_PASSWORD" -v customer_password="$CUSTOMER_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', r) FROM unnest(ARRAY['order_service', 'customer_service']) AS r
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \gexec
ALTER ROLE order_service PASSWORD :'order_password';
ALTER ROLE customer_service PASSWORD :'customer_password';
SELECT format('CREATE DATABASE %I OWNER %I', d, o)
  FROM (VALUES ('order_db', 'order_service'), ('customer_db', 'customer_service')) AS t(d, o)
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = d) \gexec
REVOKE ALL ON DATABASE order_db FROM PUBLIC;
REVOKE ALL ON DATABASE customer_db FROM PUBLIC;
SQL
}

stop() {
  local bin data; bin=$(pg_bin)
  [ -f "$STACK_DIR/postgres.datadir" ] || return 0
  data=$(cat "$STACK_DIR/postgres.datadir")
  if as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  fi
}

# freeze|thaw: SIGSTOP (SIGCONT) the server and every backend, as a stalled disk or a paused VM
# would; connections stay open and nothing answers. For `make drill`.
server_processes() {
  local data postmaster
  data=$(cat "$STACK_DIR/postgres.datadir")
  postmaster=$(head -n 1 "$data/postmaster.pid")
  echo "$postmaster" $(pgrep -P "$postmaster")
}
freeze() { kill -STOP $(server_processes); }
thaw() { kill -CONT $(server_processes); }

"${1:?usage: postgres.sh install|start|stop|freeze|thaw}"
