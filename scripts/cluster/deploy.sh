#!/usr/bin/env bash
# Deploys the whole system to the running local cluster through the seed's own runbook, the
# k8s/Makefile targets, with CLUSTER=local (the local kubeconfig, podman images, the `local`
# infra environment and the `local` values overlay):
#   build-all → secrets (non-interactive) → deploy-infra → Traefik and `make tls` → deploy-staging
#   → deploy-prod → verify
# Then staging answers on http://127.0.0.1:30080 and prod on http://127.0.0.1:30081, and both
# through Traefik on https://127.0.0.1:30443 (staging.coffee.home, coffee.home; the CA in
# .dev/cluster/ca.crt).
# TAG (default: scripts/release/image-tag.sh, with -dirty-<hash> for uncommitted changes) names the images.
# The bootstrap admin comes from BOOTSTRAP_ADMIN_EMAIL / BOOTSTRAP_ADMIN_PASSWORD, with make
# dev's defaults.
source "$(dirname "$0")/lib.sh"
CLUSTER_BIN=$(cluster_bin_dir)
is_running kube-apiserver || die "the local cluster is not running: make cluster-up"

source "$ROOT/scripts/toolchain.sh"
: "${BOOTSTRAP_ADMIN_EMAIL:=admin@everything.local}"
: "${BOOTSTRAP_ADMIN_PASSWORD:=coffee-admin}"
: "${BOOTSTRAP_ADMIN_PASSWORD_STAGING:=$BOOTSTRAP_ADMIN_PASSWORD}"
: "${BOOTSTRAP_ADMIN_PASSWORD_PROD:=$BOOTSTRAP_ADMIN_PASSWORD}"
export BOOTSTRAP_ADMIN_EMAIL BOOTSTRAP_ADMIN_PASSWORD_STAGING BOOTSTRAP_ADMIN_PASSWORD_PROD

if [ -z "${TAG:-}" ]; then
  TAG=$("$ROOT/scripts/release/image-tag.sh")
  if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ]; then
    TAG="$TAG-dirty-$(git -C "$ROOT" diff HEAD | sha256sum | cut -c1-8)"
  fi
fi
export TAG CLUSTER=local

source "$ROOT/scripts/cluster/images.sh"
require_free_disk 8

started=$SECONDS
k8s_make() { make --no-print-directory -C "$ROOT/k8s" "$@"; }
log cluster "images (tag $TAG)"
k8s_make build-all
log cluster "secrets, infra, staging, prod"
k8s_make secrets-non-interactive
k8s_make deploy-infra
# The ingress controller before the apps: the server chart renders its Middlewares only when
# Traefik's CRDs exist (k8s/local/ingress).
debian_image
KUBECTL="$CLUSTER_BIN/kubectl" BASE_IMAGE="$DEBIAN_IMAGE" \
  IMAGE_LOADER="ctr --address $CONTAINERD_SOCK --namespace k8s.io images import -" \
  "$ROOT/scripts/cluster/install-traefik.sh"
k8s_make deploy-staging
k8s_make deploy-prod
log cluster "helm test in staging and prod"
k8s_make verify verify-prod >/dev/null
log cluster "deployed in $((SECONDS - started))s: staging http://127.0.0.1:30080, prod http://127.0.0.1:30081"
log cluster "kubectl: export KUBECONFIG=$KUBECONFIG_FILE PATH=$CLUSTER_BIN:\$PATH"
