#!/usr/bin/env bash
# Builds Traefik, the ingress controller of the local cluster (k3s ships Traefik too), from the Go
# module proxy through the wrapper module in scripts/cluster/traefik/ (Traefik's go.mod has
# replace directives, which `go install module@version` refuses). Static (CGO_ENABLED=0), once:
# the binary is cached in $CACHE_DIR/cluster/traefik-<version>-<arch>-<go.mod/go.sum hash>/traefik and
# later runs return at once. Beside it: traefik-crds.yaml, Traefik's CustomResourceDefinitions as
# published in the same module (the Middlewares the server chart uses need them). Prints the
# binary's path on standard output (logs go to stderr):
#   traefik=$(scripts/cluster/build-traefik.sh); kubectl apply --server-side -f "$(dirname "$traefik")/traefik-crds.yaml"
# GOARCH=arm64 scripts/cluster/build-traefik.sh builds for the Raspberry Pis instead.
# Cold: 10.5 CPU-minutes (46 minutes of wall time on 2 cores shared with a load of about 25, under
# `nice -n 10`); module download about 3 minutes. The binary is 170 MiB.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"

MODULE="$ROOT/scripts/cluster/traefik"
command -v go >/dev/null || die "building Traefik needs Go (https://go.dev/dl) on PATH"
version=$(awk '$1 == "github.com/traefik/traefik/v3" { print $2 }' "$MODULE/go.mod")
[ -n "$version" ] || die "$MODULE/go.mod requires no github.com/traefik/traefik/v3"
arch=${GOARCH:-$(go env GOARCH)}
key=$(cat "$MODULE/go.mod" "$MODULE/go.sum" | sha256sum | cut -c1-12)
dir="$CACHE_DIR/cluster/traefik-$version-$arch-$key"

if [ ! -x "$dir/traefik" ]; then
  log traefik "building Traefik $version for linux/$arch from the module proxy (once; cached in $dir)"
  started=$SECONDS
  # Into DIR.partial, then renamed: an interrupted build never looks installed.
  rm -rf "$dir.partial" && mkdir -p "$dir.partial"
  GOOS=linux GOARCH=$arch CGO_ENABLED=0 GOFLAGS=-buildvcs=false nice -n 10 go -C "$MODULE" build -trimpath \
    -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$version" \
    -o "$dir.partial/traefik" github.com/traefik/traefik/v3/cmd/traefik || die "building Traefik $version failed"
  source_dir=$(go -C "$MODULE" list -m -f '{{.Dir}}' github.com/traefik/traefik/v3)
  cp "$source_dir/docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml" \
    "$dir.partial/traefik-crds.yaml"
  rm -rf "$dir" && mv "$dir.partial" "$dir"
  log traefik "built in $((SECONDS - started)) s: $dir/traefik"
fi
echo "$dir/traefik"
