#!/usr/bin/env bash
# `make release [ARGS=...]`: makes a release of main. The contract checks must hold against the
# previous release first; then commit-and-tag-version (.versionrc.json) bumps the one version
# (VERSION, which the images and the charts carry) from the Conventional Commits since the last
# tag, adds them to CHANGELOG.md, commits, and tags vX.Y.Z. Nothing is pushed: check, then
# `git push --follow-tags`. ARGS go to commit-and-tag-version (--release-as minor, --dry-run,
# --first-release for v0.1.0 itself).
source "$(dirname "$0")/toolchain.sh"
ensure_node_modules
cd "$ROOT"
[ -z "$(git status --porcelain)" ] || die "the work tree has changes: commit or stash them first"
scripts/contracts.sh
# shellcheck disable=SC2086 # ARGS is a list of options
commit-and-tag-version ${ARGS:-}
log release "tagged v$(cat VERSION); images: make -C k8s build-all (TAG=$(scripts/release/image-tag.sh))"
