# The two commands a newcomer needs; everything else is in scripts/ (and k8s/Makefile).
.PHONY: dev test generate lint format typecheck stack-up stack-down bench help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

dev: ## Start the whole system on loopback (installs what is missing); Ctrl-C stops it
	@scripts/dev.sh

test: ## Run every check and test against real servers it starts itself
	@scripts/test.sh

generate: ## Regenerate code from proto/
	@scripts/generate.sh

lint: ## ESLint and Prettier
	@bash -c 'source scripts/toolchain.sh && ensure_node_modules && eslint --max-warnings=0 . && prettier --check .'

format: ## Rewrite files with Prettier
	@bash -c 'source scripts/toolchain.sh && ensure_node_modules && prettier --write --log-level=warn .'

typecheck: ## TypeScript, strict
	@bash -c 'source scripts/toolchain.sh && ensure_node_modules && tsc -p .'

stack-up: ## Start only the infrastructure of the dev stack (to run one service alone)
	@STACK=dev scripts/stack.sh up

stack-down: ## Stop the infrastructure of the dev stack
	@STACK=dev scripts/stack.sh down

bench: ## Memory in cgroups at the charts' limits, idle and loaded, throughput before/after (`make stack-up`; root)
	@bash -c 'source scripts/toolchain.sh && ensure_node_modules && export STACK=dev && source scripts/env/dev.sh \
	  && load_stack_secrets && export PG_PORT VALKEY_PORT KAFKA_PORT TEMPORAL_PORT ENVIRONMENT \
	  && node scripts/bundle.ts && node bench/service-memory.ts'
