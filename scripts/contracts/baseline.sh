# shellcheck shell=bash
# The release that `make contracts`, `make replay`'s old fixtures and the upgrade test compare
# with. Source it after lib.sh.
#
# baseline_ref: the newest release tag (vX.Y.Z) reachable from HEAD, other than one on HEAD
# itself (that is the release being made); while there is none, the commit where this branch
# left main. CONTRACTS_BASELINE=<any commit> overrides it.
baseline_ref() {
  if [ -n "${CONTRACTS_BASELINE:-}" ]; then
    git -C "$ROOT" rev-parse --verify --quiet "$CONTRACTS_BASELINE^{commit}" ||
      die "CONTRACTS_BASELINE=$CONTRACTS_BASELINE is not a commit"
    return
  fi
  local excludes=() tag main
  while read -r tag; do [ -n "$tag" ] && excludes+=("--exclude=$tag"); done \
    < <(git -C "$ROOT" tag --points-at HEAD --list 'v[0-9]*')
  if tag=$(git -C "$ROOT" describe --tags --abbrev=0 --match 'v[0-9]*' "${excludes[@]}" HEAD 2>/dev/null); then
    git -C "$ROOT" rev-parse "$tag^{commit}"
    return
  fi
  for main in main origin/main; do
    if git -C "$ROOT" rev-parse --verify --quiet "$main^{commit}" >/dev/null; then
      git -C "$ROOT" merge-base HEAD "$main" && return
    fi
  done
  die "no release tag and no main branch to take a merge base with; set CONTRACTS_BASELINE"
}

# baseline_name REF: how to call it in messages (its tag, or "merge base with main <sha>").
baseline_name() {
  local tag
  tag=$(git -C "$ROOT" tag --points-at "$1" --list 'v[0-9]*' | sort -V | tail -1)
  if [ -n "$tag" ]; then echo "release $tag"; else echo "$(git -C "$ROOT" rev-parse --short "$1") (merge base with main)"; fi
}

# baseline_tree REF: the files of REF that contracts and services need, extracted once into
# .dev/baseline/<commit>/ (git-ignored). It sits inside the work tree so that its code
# resolves the installed node_modules, except the workspace's own packages, which are REF's.
baseline_tree() {
  local commit dir link
  commit=$(git -C "$ROOT" rev-parse "$1^{commit}")
  dir="$ROOT/.dev/baseline/$commit"
  if [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    git -C "$ROOT" archive "$commit" -- buf.yaml proto packages services package.json |
      tar -x -C "$dir"
    mkdir -p "$dir/node_modules/@everything"
    for link in "$dir"/packages/* "$dir"/services/*; do
      [ -f "$link/package.json" ] || continue
      ln -sfn "$link" "$dir/node_modules/@everything/$(basename "$link")"
      # Dependencies npm installed inside a workspace (another version than the hoisted one).
      local installed="$ROOT/${link#"$dir"/}/node_modules"
      [ -d "$installed" ] && [ ! -e "$link/node_modules" ] && ln -s "$installed" "$link/node_modules"
    done
    touch "$dir/.complete"
  fi
  echo "$dir"
}
