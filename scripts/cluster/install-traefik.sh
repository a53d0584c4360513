#!/usr/bin/env bash
# Installs Traefik into the local cluster as its ingress controller, the way k3s has it (issue 16):
#   1. the binary from the module proxy (scripts/cluster/build-traefik.sh, cached);
#   2. its image FROM the project's Debian base (k8s/local/ingress/Containerfile), built with
#      podman once per version and loaded into the cluster's containerd;
#   3. Traefik's CRDs (from the same module), then k8s/local/ingress/traefik.yaml;
#   4. `make tls`: the project's CA and the servers' certificates, the CA certificate written
#      to .dev/cluster/ca.crt.
# Idempotent. Run after the cluster is up and before the apps are deployed (the server chart
# renders its Middlewares only when their CRD exists).
# Variables: KUBECONFIG (default .dev/cluster/kubeconfig), KUBECTL (default kubectl), PODMAN
# (default podman), BASE_IMAGE (default localhost/everything-base:bookworm), IMAGE_LOADER (the
# command that reads an image archive on standard input into the node's containerd, default
# `ctr -n k8s.io images import -`; the cluster's containerd socket via CONTAINERD_ADDRESS).
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"

export KUBECONFIG=${KUBECONFIG:-$ROOT/.dev/cluster/kubeconfig}
read -r -a kubectl <<<"${KUBECTL:-kubectl}"
read -r -a podman <<<"${PODMAN:-podman}"
read -r -a image_loader <<<"${IMAGE_LOADER:-ctr -n k8s.io images import -}"
BASE_IMAGE=${BASE_IMAGE:-localhost/everything-base:bookworm}
MANIFESTS="$ROOT/k8s/local/ingress"

traefik=$("$ROOT/scripts/cluster/build-traefik.sh")
version=$("$traefik" version | awk '/^Version:/ { print $2 }')
image="localhost/everything-traefik:$version"
grep -q "image: $image\$" "$MANIFESTS/traefik.yaml" \
  || die "k8s/local/ingress/traefik.yaml does not run $image: update its image to the version built"

if ! "${podman[@]}" image exists "$image"; then
  log traefik "building $image on $BASE_IMAGE"
  "${podman[@]}" build --quiet -f "$MANIFESTS/Containerfile" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
    -t "$image" "$(dirname "$traefik")" >/dev/null
fi
log traefik "loading $image into the cluster's containerd"
"${podman[@]}" save --format docker-archive "$image" | "${image_loader[@]}" >/dev/null

log traefik "CRDs, IngressClass, RBAC, Deployment and NodePorts 30443 (HTTPS) and 30480 (HTTP)"
"${kubectl[@]}" apply --server-side --force-conflicts -f "$(dirname "$traefik")/traefik-crds.yaml" >/dev/null
"${kubectl[@]}" wait --for condition=Established --timeout=60s crd/middlewares.traefik.io >/dev/null
for namespace in staging prod; do
  "${kubectl[@]}" create namespace "$namespace" --dry-run=client -o yaml | "${kubectl[@]}" apply -f - >/dev/null
done
"${kubectl[@]}" apply -f "$MANIFESTS/traefik.yaml" >/dev/null
"${kubectl[@]}" -n kube-system rollout status deployment/traefik --timeout=120s

TLS_CA_CERT="$ROOT/.dev/cluster/ca.crt" KUBECTL="${KUBECTL:-kubectl}" "$ROOT/scripts/k8s/tls.sh"
log traefik "ready: https://127.0.0.1:30443 (staging.coffee.home, coffee.home), CA in .dev/cluster/ca.crt"
