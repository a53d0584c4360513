#!/usr/bin/env bash
# Regenerates all generated code from its sources. CI runs it and fails when the result
# differs from what is committed (scripts/check-generated.sh).
source "$(dirname "$0")/toolchain.sh"
cd "$ROOT"
buf lint
buf generate
