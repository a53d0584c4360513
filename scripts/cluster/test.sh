#!/usr/bin/env bash
# `make test-cluster`: the deployment tests (test/cluster) against the local Kubernetes. Starts
# the cluster when none runs (and stops it again at the end), deploys the current tree through
# the runbook (deploy.sh), then runs the tests one file at a time: they share one cluster.
source "$(dirname "$0")/lib.sh"
source "$ROOT/scripts/toolchain.sh"
ensure_node_modules
cd "$ROOT"

started=$SECONDS
we_started=false
if ! is_running kube-apiserver; then
  we_started=true
  trap 'scripts/cluster/down.sh' EXIT
  CLUSTER_DEPLOY=0 scripts/cluster/up.sh
fi
scripts/cluster/deploy.sh
ensure_chromium

CLUSTER_BIN=$(cluster_bin_dir)
export KUBECONFIG="$KUBECONFIG_FILE" CLUSTER_BIN CLUSTER_DIR CHROMIUM_PATH KUBECTL="$CLUSTER_BIN/kubectl"
export PATH="$CLUSTER_BIN:$PATH"
log test-cluster "deployment tests"
node --test --test-reporter=spec --test-force-exit --test-concurrency=1 "$@" 'test/cluster/**/*.test.ts'
log test-cluster "passed in $((SECONDS - started))s$($we_started && echo '; stopping the cluster it started')"
