#!/usr/bin/env bash
# `events.sh BASELINE [CURRENT]`: each Kafka event schema of BASELINE (its
# packages/events/schemas/<event>.v<major>.schema.json) is still in CURRENT (default: this
# tree), changed only compatibly: every event the old schema allowed, the new one allows too
# (json-schema-diff finds what was removed). A renamed, removed or newly required field, or a
# narrowed type, fails with its report. A breaking change is a new major version in a file of
# its own, which the consumer reads beside the old one.
source "$(dirname "$0")/../toolchain.sh"
baseline=${1:?usage: events.sh BASELINE [CURRENT]}
current=${2:-$ROOT}
schemas=packages/events/schemas
compared=0 failed=0
shopt -s nullglob
for old in "$baseline/$schemas"/*.schema.json; do
  name=$(basename "$old")
  new="$current/$schemas/$name"
  if [ ! -f "$new" ]; then
    printf '%s: removed, but consumers may still read this version; keep it until no message of it is left\n' "$name" >&2
    failed=1
    continue
  fi
  if ! json-schema-diff "$old" "$new" >&2; then
    printf '%s: breaking change against the baseline (above); publish it as a new major version instead\n' "$name" >&2
    failed=1
  fi
  compared=$((compared + 1))
done
for new in "$current/$schemas"/*.schema.json; do
  [ -f "$baseline/$schemas/$(basename "$new")" ] || log contracts "events: $(basename "$new") is new; nothing to compare it with"
done
[ "$failed" = 0 ] || die "events: a schema changed incompatibly"
log contracts "events: $compared schema(s) compatible with the baseline"
