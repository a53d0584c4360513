#!/usr/bin/env bash
# Regenerates all generated code from its sources. CI runs it and fails when the result
# differs from what is committed (scripts/check-generated.sh).
source "$(dirname "$0")/toolchain.sh"
cd "$ROOT"
buf lint
buf generate
# The web app's API types, from the OpenAPI document the server serves.
document=$(mktemp --suffix=.json)
trap 'rm -f "$document"' EXIT
node scripts/contracts/openapi-document.ts services/server/src/app.ts "$document"
node scripts/contracts/web-types.ts "$document" web/src/types.ts
prettier --write --log-level=warn web/src/types.ts
