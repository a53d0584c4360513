#!/usr/bin/env bash
# Schemathesis, the OpenAPI ecosystem's property-based tester, against the real server on the
# test stack: every check and every phase (examples, coverage, fuzzing, stateful), as each role
# in turn (signed out, customer, barista, admin), configured by schemathesis.toml. Any failure,
# including any 5xx, fails the run. `make test` runs it after the node tests; alone:
#   scripts/schemathesis.sh      # starts the test stack if it is not up (and stops it after)
#   scripts/schemathesis.sh --include-path /v1/menu   # any other `schemathesis run` options
# Installs Schemathesis (PyPI, pinned) into a virtualenv in the project cache, once.
source "$(dirname "$0")/toolchain.sh"
ensure_node_modules
export STACK=test
source "$ROOT/scripts/env/test.sh"
cd "$ROOT"

SCHEMATHESIS_VERSION=4.32.5 # pip index versions schemathesis
SCHEMATHESIS_DIR="$CACHE_DIR/schemathesis-$SCHEMATHESIS_VERSION"

install_schemathesis() {
  if [ ! -x "$SCHEMATHESIS_DIR/bin/schemathesis" ]; then
    command -v python3 >/dev/null || apt_ensure python3
    python3 -c 'import ensurepip' 2>/dev/null || apt_ensure python3-venv # Debian splits venv out
    log schemathesis "installing Schemathesis $SCHEMATHESIS_VERSION from PyPI (once; cached in $SCHEMATHESIS_DIR)"
    rm -rf "$SCHEMATHESIS_DIR.partial"
    python3 -m venv "$SCHEMATHESIS_DIR.partial"
    "$SCHEMATHESIS_DIR.partial/bin/pip" install --quiet --disable-pip-version-check \
      "schemathesis==$SCHEMATHESIS_VERSION" || die "installing Schemathesis failed"
    # A venv records its own path: move it where it will stay, then point its scripts there.
    rm -rf "$SCHEMATHESIS_DIR" && mv "$SCHEMATHESIS_DIR.partial" "$SCHEMATHESIS_DIR"
    sed -i "s|$SCHEMATHESIS_DIR.partial|$SCHEMATHESIS_DIR|g" "$SCHEMATHESIS_DIR"/bin/* 2>/dev/null || true
  fi
}
install_schemathesis

# Alone, it brings the test stack up itself (and down after); under scripts/test.sh it is up.
own_stack=false
if ! port_in_use "$PG_PORT"; then
  own_stack=true
  trap 'scripts/stack.sh down' EXIT
  scripts/stack.sh up
fi
load_stack_secrets
source "$ROOT/scripts/services-env.sh"
# Databases, a task queue, topics and keys of its own, new for each run. The tests before it
# leave orders in the stack's databases whose workflows ran on task queues of processes now
# gone: a fuzzed action on one of them would wait for a worker that never comes. A fresh run
# also starts with the bootstrap admin, whom the last pass may have demoted.
run="fuzz-$(date +%s)"
PGPASSWORD=$PG_SUPERUSER_PASSWORD psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
  -v ON_ERROR_STOP=1 -q >/dev/null <<'SQL'
DROP DATABASE IF EXISTS order_db_fuzz WITH (FORCE);
DROP DATABASE IF EXISTS customer_db_fuzz WITH (FORCE);
CREATE DATABASE order_db_fuzz OWNER order_service;
CREATE DATABASE customer_db_fuzz OWNER customer_service;
SQL
order_env+=(DB_NAME=order_db_fuzz TEMPORAL_TASK_QUEUE="$run" VALKEY_KEY_PREFIX="$run:order:"
  ORDER_EVENTS_TOPIC="$run.orders.v1")
customer_env+=(DB_NAME=customer_db_fuzz ORDER_EVENTS_TOPIC="$run.orders.v1"
  ORDER_EVENTS_DLQ_TOPIC="$run.orders.v1.dlq" CONSUMER_GROUP_ID="$run")
server_env+=(VALKEY_KEY_PREFIX="$run:server:")
env "${order_env[@]}" node services/order/src/migrate.ts -y >/dev/null
env "${customer_env[@]}" node services/customer/src/migrate.ts -y >/dev/null

# The services as they run in production, as processes. Fuzzing sends thousands of requests a
# minute from one address: the rate limits are raised so that they do not hide what is behind,
# and the upstream deadline too, so that a busy machine is not mistaken for an outage.
stop_services() {
  for name in server order customer; do stop_daemon "api-$name"; done
  if $own_stack; then scripts/stack.sh down; fi
}
trap stop_services EXIT
port_in_use "$SERVER_PORT" && die "port $SERVER_PORT is taken: is another server running on the test stack?"
start_daemon api-customer env "${customer_env[@]}" LOG_LEVEL=warn node services/customer/src/main.ts
start_daemon api-order env "${order_env[@]}" LOG_LEVEL=warn node services/order/src/main.ts
wait_for_port customer "$CUSTOMER_PORT" 60
wait_for_port order "$ORDER_PORT" 60
start_daemon api-server env "${server_env[@]}" LOG_LEVEL=warn RATE_LIMIT_PER_MINUTE=100000 \
  AUTH_RATE_LIMIT_PER_MINUTE=10000 ACCESS_TOKEN_TTL_SECONDS=3600 UPSTREAM_TIMEOUT_MS=10000 node services/server/src/main.ts
base="http://127.0.0.1:$SERVER_PORT"

declare -A tokens=()
while IFS='=' read -r role token; do tokens[$role]=$token; done < <(
  env BOOTSTRAP_ADMIN_EMAIL="$BOOTSTRAP_ADMIN_EMAIL" BOOTSTRAP_ADMIN_PASSWORD="$BOOTSTRAP_ADMIN_PASSWORD" \
    node scripts/api-roles.ts "$base"
)
[ ${#tokens[@]} -eq 3 ] || die "could not sign in as each role (logs: $STACK_DIR/logs/api-server.log)"

# fuzz OPTION...: one Schemathesis run against the server's own OpenAPI document.
fuzz() {
  "$SCHEMATHESIS_DIR/bin/schemathesis" --config-file "$ROOT/schemathesis.toml" run \
    --url "$base" "$@" "$base/openapi.json"
}

started=$(date +%s)
failed=()
for role in signed-out customer barista admin; do
  log schemathesis "as $role"
  # Operations open to anyone (`security: []`: the menu, sign-up, sign-in) answer every role
  # alike, so they are tested once, signed out; the rest once per role.
  if [ "$role" = signed-out ]; then
    fuzz "$@" || failed+=("$role")
    continue
  fi
  auth=(--header "Authorization: Bearer ${tokens[$role]}" --exclude-by '/security == []')
  # Ending sessions (DELETE …/sessions) ends the role's own session too, and the admin may take
  # its own role away (PUT …/role): everything after either would only be tested as 401 or
  # 403. So those operations run last, in a pass of their own.
  fuzz "${auth[@]}" --exclude-path-regex '/(sessions|role)$' "$@" || failed+=("$role")
  [ $# -eq 0 ] || continue # options of one's own (say --include-path) may leave that pass empty
  fuzz "${auth[@]}" --include-path-regex '/(sessions|role)$' || failed+=("$role (sessions and role)")
done
log schemathesis "finished in $(($(date +%s) - started))s"
[ ${#failed[@]} -eq 0 ] || die "Schemathesis found failures as: ${failed[*]} (server log: $STACK_DIR/logs/api-server.log)"
