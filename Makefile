# The two commands a newcomer needs; everything else is in scripts/ (and k8s/Makefile).
.PHONY: dev test generate lint format typecheck contracts replay release stack-up stack-down bench help

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

bench: ## Memory of each service after traffic, against the 64 MiB budget (needs `make stack-up`)
	@bash -c 'source scripts/toolchain.sh && ensure_node_modules && node bench/service-memory.ts'
