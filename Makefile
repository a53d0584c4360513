# The two commands a newcomer needs; everything else is in scripts/ (and k8s/Makefile).
.PHONY: dev test generate lint format typecheck contracts replay release stack-up stack-down bench bench-check bench-short drill drill-short help \
  cluster-up cluster-down test-cluster build-all secrets tls deploy-infra deploy-staging deploy-prod verify verify-prod

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

dev: ## Start the whole system on loopback (installs what is missing); Ctrl-C stops it
	@scripts/dev.sh

test: ## Run every check and test against real servers it starts itself
	@scripts/test.sh

contracts: ## gRPC, Kafka event and OpenAPI contracts against the last release (part of make test)
	@scripts/contracts.sh

replay: ## Replay the recorded order workflow histories against today's workflow code (part of make test)
	@bash -c 'source scripts/toolchain.sh && ensure_node_modules && node --test --test-reporter=spec services/order/src/temporal/replay.test.ts'

release: ## Tag a release: bump VERSION (images and charts), write CHANGELOG.md, commit, tag vX.Y.Z
	@scripts/release.sh

generate: ## Regenerate code from proto/ and web/src/types.ts from /openapi.json
	@scripts/generate.sh

lint: ## ESLint and Prettier
	@bash -c 'source scripts/toolchain.sh && ensure_node_modules && eslint --max-warnings=0 . && prettier --check .'

format: ## Rewrite files with Prettier
	@bash -c 'source scripts/toolchain.sh && ensure_node_modules && prettier --write --log-level=warn .'

typecheck: ## TypeScript, strict
	@bash -c 'source scripts/toolchain.sh && ensure_node_modules && tsc -p . && tsc -p web'

stack-up: ## Start only the infrastructure of the dev stack (to run one service alone)
	@STACK=dev scripts/stack.sh up

stack-down: ## Stop the infrastructure of the dev stack
	@STACK=dev scripts/stack.sh down

# The benches run against the dev stack's servers, on databases of their own.
BENCH_STACK = source scripts/toolchain.sh && ensure_node_modules && export STACK=dev && source scripts/env/dev.sh \
  && load_stack_secrets && export PG_PORT VALKEY_PORT KAFKA_PORT TEMPORAL_PORT ENVIRONMENT && node scripts/bundle.ts

bench: ## Hot paths against their limits (bench/results/), then memory in cgroups, before/after (`make stack-up`; root)
	@bash -c '$(BENCH_STACK) && node bench/throughput.ts && node bench/service-memory.ts'

bench-check: ## The hot paths only; fails when a ratio fell beyond the tolerance below bench/baseline.json
	@bash -c '$(BENCH_STACK) && node bench/throughput.ts --check'

bench-short: ## CI's bench: a short run, reported and never compared with the baseline (noise is no failure; a lost event is)
	@bash -c '$(BENCH_STACK) && node bench/throughput.ts --short'

drill: ## Faults under traffic on a stack of its own, the books checked after each (a few minutes; DRILL=short for CI's)
	@scripts/drill.sh

drill-short: ## The drill as CI runs it: every fault, fewer orders, shorter waits
	@DRILL=short scripts/drill.sh

# A real single-node Kubernetes on this machine (root), with the system deployed on it:
# see k8s/README.md, "Try it on one machine".
cluster-up: ## Build (once) and start a local Kubernetes, then deploy infra, staging (:30080) and prod (:30081)
	@scripts/cluster/up.sh

cluster-down: ## Stop the local Kubernetes and undo every change it made to this machine
	@scripts/cluster/down.sh

test-cluster: ## The deployment tests against the local Kubernetes (starts it if needed)
	@scripts/cluster/test.sh

# The seed's runbook targets (k8s/Makefile); while the local cluster runs they act on it.
build-all secrets tls deploy-infra deploy-staging deploy-prod verify verify-prod:
	@$(MAKE) --no-print-directory -C k8s $@
