# Paths and helpers shared by the local cluster's scripts (up.sh, down.sh, images.sh).
# Source it; do not run it.
# shellcheck shell=bash
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"
source "$ROOT/scripts/cluster/build.sh"

# Everything a running cluster keeps lives in this one git-ignored folder; down.sh removes it
# (the image store excepted, so a second `make cluster-up` does not re-import the images).
CLUSTER_DIR=${CLUSTER_DIR:-$ROOT/.dev/cluster}
STACK_DIR=$CLUSTER_DIR # start_daemon/stop_daemon keep their pid files and logs under it
KUBECONFIG_FILE="$CLUSTER_DIR/kubeconfig"
PKI="$CLUSTER_DIR/pki"
CONTAINERD_SOCK="$CLUSTER_DIR/containerd/containerd.sock"
CONTAINERD_ROOT="$CLUSTER_DIR/containerd/root"
HOST_CHANGES="$CLUSTER_DIR/host-changes" # one line per change up.sh made, for down.sh to undo

NODE_NAME=everything-node
BRIDGE=k8sbr0
NODE_IP=10.244.0.1 # the bridge's address: pods reach the API server and NodePorts through it
POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/16
DNS_IP=10.96.0.10
API_PORT=6443
PAUSE_IMAGE=localhost/pause:3.10

# Every daemon the node runs, in start order; down.sh stops them in reverse.
CLUSTER_DAEMONS=(etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy kube-router)

kubectl_() { "$CLUSTER_BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" "$@"; }
ctr_() { ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"; }

record_change() { echo "$*" >>"$HOST_CHANGES"; }
