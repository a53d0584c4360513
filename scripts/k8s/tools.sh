#!/usr/bin/env bash
# Installs the Kubernetes tooling that k8s/ needs, pinned, into the shared cache (once; later
# runs take milliseconds), and puts it on PATH when sourced:
#   helm                  `go install helm.sh/helm/v4/cmd/helm@HELM_VERSION`
#   helmfile              built from scripts/k8s/helmfile/go.mod (its releases after v1.4.4 carry
#                         replace directives, which `go install module@version` refuses)
#   kubernetes-validate   PyPI package shipping Kubernetes' JSON schemas (offline validation)
# Usage: scripts/k8s/tools.sh (install and print versions) or `source scripts/k8s/tools.sh`.
# shellcheck shell=bash
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"

HELM_VERSION=v4.3.1                 # go list -m -versions helm.sh/helm/v4
HELMFILE_MODULE="$ROOT/scripts/k8s/helmfile"   # pins helmfile (v1.8.0) in its go.mod
KUBERNETES_VALIDATE_VERSION=1.37.0  # pip index versions kubernetes-validate
K8S_TOOLS_DIR="$CACHE_DIR/k8s-tools"

need_go() { command -v go >/dev/null || die "building $1 needs Go (https://go.dev/dl) on PATH"; }

# Builds into DIR.partial and renames, so an interrupted build never looks installed.
install_helm() {
  local dir="$K8S_TOOLS_DIR/helm-$HELM_VERSION"
  if [ ! -x "$dir/helm" ]; then
    need_go helm
    log k8s-tools "building helm $HELM_VERSION with go install (once; cached in $dir)"
    rm -rf "$dir.partial" && mkdir -p "$dir.partial"
    GOBIN="$dir.partial" GOFLAGS=-buildvcs=false CGO_ENABLED=0 go install -trimpath \
      -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" \
      "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" || die "go install helm $HELM_VERSION failed"
    rm -rf "$dir" && mv "$dir.partial" "$dir"
  fi
  PATH="$dir:$PATH"
}

install_helmfile() {
  local key dir
  key=$(cat "$HELMFILE_MODULE/go.mod" "$HELMFILE_MODULE/go.sum" | sha256sum | cut -c1-12)
  dir="$K8S_TOOLS_DIR/helmfile-$key"
  if [ ! -x "$dir/helmfile" ]; then
    need_go helmfile
    log k8s-tools "building helmfile from scripts/k8s/helmfile/go.mod (once; cached in $dir)"
    rm -rf "$dir.partial" && mkdir -p "$dir.partial"
    GOFLAGS=-buildvcs=false CGO_ENABLED=0 go -C "$HELMFILE_MODULE" build -trimpath -ldflags "-s -w" \
      -o "$dir.partial/helmfile" github.com/helmfile/helmfile || die "building helmfile failed"
    rm -rf "$dir" && mv "$dir.partial" "$dir"
  fi
  PATH="$dir:$PATH"
}

install_kubernetes_validate() {
  local dir="$K8S_TOOLS_DIR/kubernetes-validate-$KUBERNETES_VALIDATE_VERSION"
  if [ ! -x "$dir/bin/kubernetes-validate" ]; then
    command -v python3 >/dev/null || die "kubernetes-validate needs python3 on PATH"
    log k8s-tools "installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION from PyPI (once; cached in $dir)"
    rm -rf "$dir.partial"
    python3 -m venv "$dir.partial"
    "$dir.partial/bin/pip" install --quiet --disable-pip-version-check \
      "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" || die "installing kubernetes-validate failed"
    # A venv records its own path: build it where it will stay.
    rm -rf "$dir" && mv "$dir.partial" "$dir"
    sed -i "s|$dir.partial|$dir|g" "$dir"/bin/* 2>/dev/null || true
  fi
  PATH="$dir/bin:$PATH"
}

# helm and helmfile build in parallel on a cold cache (each takes minutes on 2 cores).
install_helm & helm_job=$!
install_helmfile & helmfile_job=$!
install_kubernetes_validate
wait "$helm_job" || die "installing helm failed"
wait "$helmfile_job" || die "installing helmfile failed"
# The background jobs' PATH changes are lost: set them here (builds are now cached).
install_helm
install_helmfile
export PATH

# Helm keeps caches, repositories and plugins per user: keep ours apart from the user's own
# (and out of the work tree), so that checks never read or write ~/.config/helm.
export HELM_CACHE_HOME="$K8S_TOOLS_DIR/helm-home/cache"
export HELM_CONFIG_HOME="$K8S_TOOLS_DIR/helm-home/config"
export HELM_DATA_HOME="$K8S_TOOLS_DIR/helm-home/data"

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  log k8s-tools "helm $(helm version --template '{{.Version}}'), $(helmfile --version), kubernetes-validate $KUBERNETES_VALIDATE_VERSION"
fi
