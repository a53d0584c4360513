#!/usr/bin/env bash
# `openapi.sh BASELINE [CURRENT]`: the HTTP API's OpenAPI document of CURRENT (default: this
# tree) has no breaking change against BASELINE's, by oasdiff: a removed route or response
# field, a new required request field, a narrowed type. Each argument is a tree (whose server
# is built to serve its /openapi.json) or an OpenAPI document (.json).
source "$(dirname "$0")/../toolchain.sh"
source "$ROOT/scripts/contracts/tools.sh"
baseline=${1:?usage: openapi.sh BASELINE [CURRENT]}
current=${2:-$ROOT}
ensure_oasdiff
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

document() { # document TREE_OR_JSON OUT
  if [[ $1 == *.json ]]; then cp "$1" "$2"; return; fi
  if [ ! -f "$1/services/server/src/app.ts" ]; then return 1; fi
  node "$ROOT/scripts/contracts/openapi-document.ts" "$1/services/server/src/app.ts" "$2"
}
if ! document "$baseline" "$work/baseline.json"; then
  log contracts "OpenAPI: the baseline has no server; nothing to compare"
  exit 0
fi
document "$current" "$work/current.json"
# Warnings fail too: a removed optional response field is one, and a client may read it.
# A break made on purpose (with a new major version of the API) is listed, with why, in
# scripts/contracts/openapi-accepted-breaks.txt.
oasdiff breaking "$work/baseline.json" "$work/current.json" --fail-on WARN \
  --warn-ignore "$ROOT/scripts/contracts/openapi-accepted-breaks.txt" \
  --err-ignore "$ROOT/scripts/contracts/openapi-accepted-breaks.txt" >&2 ||
  die "OpenAPI: breaking change against the baseline (above)"
log contracts "OpenAPI: no breaking change"
