#!/usr/bin/env bash
# Fails when the committed generated code is not what scripts/generate.sh produces now.
source "$(dirname "$0")/toolchain.sh"
cd "$ROOT"
scripts/generate.sh
generated=(packages/contracts/src/gen web/src/types.ts)
if ! git diff --quiet --exit-code -- "${generated[@]}" || [ -n "$(git ls-files --others --exclude-standard "${generated[@]}")" ]; then
  git status --short "${generated[@]}" >&2
  die "generated code is stale: run scripts/generate.sh and commit the result"
fi
