#!/usr/bin/env bash
# `make contracts`: the contracts between the parts, compared with the last release (its tag,
# or the merge base with main while there is none; CONTRACTS_BASELINE=<commit> to choose):
# gRPC (buf lint, buf breaking), the Kafka event schemas (json-schema-diff) and the HTTP API
# (oasdiff); and the commit messages since then (commitlint: Conventional Commits, which the
# changelog is made from). Each failure is the tool's own message. Part of `make test`.
source "$(dirname "$0")/toolchain.sh"
ensure_node_modules
source "$ROOT/scripts/contracts/baseline.sh"
cd "$ROOT"
started=$(date +%s)
ref=$(baseline_ref)
log contracts "comparing with $(baseline_name "$ref")"
tree=$(baseline_tree "$ref")
failed=()
scripts/contracts/grpc.sh "$tree" || failed+=(gRPC)
scripts/contracts/events.sh "$tree" || failed+=("Kafka events")
scripts/contracts/openapi.sh "$tree" || failed+=(OpenAPI)
scripts/contracts/commits.sh "$ref" || failed+=("commit messages")
[ ${#failed[@]} -eq 0 ] || die "contracts broken: ${failed[*]}"
log contracts "all contracts hold ($(($(date +%s) - started))s)"
