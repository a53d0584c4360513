#!/usr/bin/env bash
# Builds, once, everything the local single-node Kubernetes needs, into the project cache
# ($CACHE_DIR/cluster); later runs find it there and take milliseconds.
#   Kubernetes v1.34 (apiserver, controller-manager, scheduler, kubelet, kube-proxy, kubectl)
#       from scripts/cluster/kubernetes/go.mod (a wrapper module: see its header)
#   etcd      from scripts/cluster/etcd (a one-line main around the published server module)
#   CoreDNS and kube-router (NetworkPolicies) with `go install module@version`
#   the pause image's binary, compiled statically from the C file in the Kubernetes module
# and installs from Debian what the node runs on: containerd, runc, the CNI plugins, iptables,
# ipset, conntrack, and podman/buildah/debootstrap for the images.
# Usage: scripts/cluster/build.sh (or sourced by up.sh: `cluster_build`).
# shellcheck shell=bash
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"

KUBERNETES_VERSION=v1.34.4 # also in scripts/cluster/kubernetes/go.mod
ETCD_VERSION=v3.5.21       # also in scripts/cluster/etcd/go.mod
COREDNS_VERSION=v1.15.0
KUBE_ROUTER_VERSION=v2.1.0
CLUSTER_MODULES="$ROOT/scripts/cluster"
CLUSTER_CACHE="$CACHE_DIR/cluster"

# The folder of one build: a new key whenever a version or a wrapper module changes.
cluster_bin_dir() {
  local key
  key=$(cat "$CLUSTER_MODULES"/kubernetes/go.{mod,sum} "$CLUSTER_MODULES"/etcd/go.{mod,sum} "$CLUSTER_MODULES"/etcd/main.go |
    { cat; echo "$COREDNS_VERSION $KUBE_ROUTER_VERSION"; } | sha256sum | cut -c1-12)
  echo "$CLUSTER_CACHE/bin-$KUBERNETES_VERSION-$key"
}

cluster_host_packages() {
  apt_ensure containerd runc containernetworking-plugins iptables ipset conntrack \
    podman buildah debootstrap uidmap fuse-overlayfs openssl gcc libc6-dev
}

cluster_build() {
  local bin version_flags
  bin=$(cluster_bin_dir)
  cluster_host_packages
  if [ -x "$bin/kubectl" ] && [ -x "$bin/etcd" ] && [ -x "$bin/coredns" ] && [ -x "$bin/kube-router" ] && [ -x "$bin/pause" ]; then
    CLUSTER_BIN=$bin
    return 0
  fi
  command -v go >/dev/null || die "building Kubernetes needs Go on PATH"
  rm -rf "$bin.partial" && mkdir -p "$bin.partial"
  local started=$SECONDS
  export CGO_ENABLED=0 GOFLAGS="-mod=mod -trimpath -buildvcs=false"

  log cluster "building Kubernetes $KUBERNETES_VERSION (about 5 minutes on 2 cores, once)"
  # Without these the binaries report v0.0.0 and kubectl warns of a version skew.
  local minor=${KUBERNETES_VERSION#v1.}; minor=${minor%%.*}
  version_flags=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    version_flags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    version_flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  go -C "$CLUSTER_MODULES/kubernetes" build -ldflags "-s -w $version_flags" -o "$bin.partial/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet \
    k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kubectl ||
    die "building Kubernetes failed"

  log cluster "building etcd $ETCD_VERSION"
  go -C "$CLUSTER_MODULES/etcd" build -ldflags "-s -w" -o "$bin.partial/etcd" . || die "building etcd failed"

  log cluster "building CoreDNS $COREDNS_VERSION and kube-router $KUBE_ROUTER_VERSION"
  GOFLAGS="-trimpath -buildvcs=false" GOBIN="$bin.partial" go install -ldflags "-s -w" \
    "github.com/coredns/coredns@$COREDNS_VERSION" || die "building CoreDNS failed"
  GOFLAGS="-trimpath -buildvcs=false" GOBIN="$bin.partial" go install -ldflags "-s -w" \
    "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$KUBE_ROUTER_VERSION" || die "building kube-router failed"

  # The sandbox ("pause") container: no registry to pull registry.k8s.io/pause from.
  local module_dir
  module_dir=$(go -C "$CLUSTER_MODULES/kubernetes" list -m -f '{{.Dir}}' k8s.io/kubernetes)
  gcc -Os -static -o "$bin.partial/pause" "$module_dir/build/pause/linux/pause.c" -DVERSION="$KUBERNETES_VERSION" ||
    die "compiling the pause binary failed"

  rm -rf "$bin" && mv "$bin.partial" "$bin"
  log cluster "built in $((SECONDS - started))s into $bin"
  CLUSTER_BIN=$bin
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  cluster_build
  "$CLUSTER_BIN/kubectl" version --client
fi
