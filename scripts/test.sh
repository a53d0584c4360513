#!/usr/bin/env bash
# `make test`: static checks, then every test against real servers started on their own
# ports (apart from `make dev`'s), then stops what it started.
source "$(dirname "$0")/toolchain.sh"
ensure_node_modules
export STACK=test
source "$ROOT/scripts/env/test.sh"
cd "$ROOT"

started=$(date +%s)
log test "generated code is current"; scripts/check-generated.sh
log test "format"; prettier --check --log-level=warn .
log test "lint"; eslint --max-warnings=0 .
log test "typecheck"; tsc -p . && tsc -p web # the web app reads the API through the generated web/src/types.ts
log test "contracts"; scripts/contracts.sh # gRPC, Kafka events, OpenAPI against the last release
log test "kubernetes charts"; scripts/k8s/check.sh # k8s/: lint, render, schemas, golden files (offline)
log test "alerting rules"; scripts/stack/prometheus.sh install
promtool check rules k8s/charts/monitoring-extras/rules/everything.rules.yaml
promtool test rules k8s/charts/monitoring-extras/rules/everything.rules.test.yaml
build_web
ensure_chromium

# A fresh stack every run: tests never depend on what an earlier run left behind.
scripts/stack.sh down >/dev/null 2>&1 || true
rm -rf "$STACK_DIR"
trap 'scripts/stack.sh down' EXIT
scripts/stack.sh up
load_stack_secrets
source "$ROOT/scripts/services-env.sh"
export CHROMIUM_PATH STACK_DIR PG_PORT VALKEY_PORT KAFKA_PORT TEMPORAL_PORT ENVIRONMENT SERVER_PORT ORDER_PORT CUSTOMER_PORT \
  PG_SUPERUSER_PASSWORD ORDER_DB_PASSWORD CUSTOMER_DB_PASSWORD

log test "migrations"
env "${order_env[@]}" node services/order/src/migrate.ts -y
env "${customer_env[@]}" node services/customer/src/migrate.ts -y

log test "unit, integration and end-to-end tests"
# --test-force-exit: a file's process ends when its tests and hooks have, even if a native
# client (Temporal's core) still holds the event loop; see teardownStep in test-support.
# test/cluster needs the local Kubernetes: `make test-cluster` runs it.
patterns=('packages/*/src/**/*.test.ts' 'services/*/src/**/*.test.ts' 'web/src/**/*.test.ts' 'bench/**/*.test.ts')
for dir in test/*/; do [ "$dir" = test/cluster/ ] || patterns+=("$dir**/*.test.ts"); done
node --test --test-reporter=spec --test-force-exit "$@" "${patterns[@]}"

log test "API contract, fuzzed by Schemathesis as each role"; scripts/schemathesis.sh
log test "passed in $(($(date +%s) - started))s"
