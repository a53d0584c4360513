#!/usr/bin/env bash
# Fails when the committed generated code is not what scripts/generate.sh produces now.
source "$(dirname "$0")/toolchain.sh"
cd "$ROOT"
scripts/generate.sh
if ! git diff --quiet --exit-code -- packages/contracts/src/gen || [ -n "$(git ls-files --others --exclude-standard packages/contracts/src/gen)" ]; then
  git status --short packages/contracts/src/gen >&2
  die "generated code is stale: run scripts/generate.sh and commit the result"
fi
