#!/usr/bin/env bash
# The image tag of this commit, which `make -C k8s build-all` pushes and helmfile deploys:
# the release version (VERSION) on a release's tagged commit, VERSION-<commit> on any other,
# so an image never claims a release it is not and every commit's images stay apart.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
version=$(tr -d '[:space:]' <"$root/VERSION")
if git -C "$root" tag --points-at HEAD | grep -qx "v$version"; then
  echo "$version"
else
  echo "$version-$(git -C "$root" rev-parse --short HEAD)"
fi
