#!/usr/bin/env bash
# `grpc.sh BASELINE [CURRENT]`: the gRPC contracts (proto/) of CURRENT (default: this tree)
# pass `buf lint` and have no breaking change against those of BASELINE (a tree with buf.yaml
# and proto/). A renumbered, renamed or removed field fails with buf's own message.
source "$(dirname "$0")/../toolchain.sh"
baseline=${1:?usage: grpc.sh BASELINE [CURRENT]}
current=${2:-$ROOT}
cd "$current"
buf lint
if [ ! -d "$baseline/proto" ]; then
  log contracts "gRPC: the baseline has no proto/; nothing to compare"
  exit 0
fi
buf breaking --against "$baseline"
log contracts "gRPC: buf lint and buf breaking passed"
