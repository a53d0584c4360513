#!/usr/bin/env bash
# The commit messages since the last release (scripts/contracts/baseline.sh) against
# Conventional Commits (commitlint.config.js): the changelog `make release` writes is made
# from them. Merge commits are not checked (commitlint's default).
# Usage: commits.sh FROM [REPOSITORY] (default: this one).
source "$(dirname "$0")/../toolchain.sh"
from=${1:?usage: commits.sh FROM [REPOSITORY]}
repository=${2:-$ROOT}
cd "$repository"
if [ "$(git rev-parse "$from^{commit}")" = "$(git rev-parse HEAD)" ]; then
  log contracts "commit messages: none since the baseline"
  exit 0
fi
log contracts "commit messages since $(git rev-parse --short "$from^{commit}"): Conventional Commits"
"$ROOT/node_modules/.bin/commitlint" --config "$ROOT/commitlint.config.js" --cwd "$repository" \
  --from "$from" --to HEAD
