# shellcheck shell=bash
# Tools of the contract checks that do not come from npm. Source it after lib.sh.

# oasdiff, the OpenAPI diff with the widest set of breaking-change rules (OpenAPI 3.1 too),
# built with `go install` into the cache once (its go.mod has no replace directive).
OASDIFF_VERSION=v1.37.0
ensure_oasdiff() {
  local dir="$CACHE_DIR/oasdiff-$OASDIFF_VERSION"
  if [ ! -x "$dir/oasdiff" ]; then
    command -v go >/dev/null || die "building oasdiff needs Go on PATH"
    log contracts "building oasdiff $OASDIFF_VERSION with go install (once; cached in $dir)"
    rm -rf "$dir.partial"
    GOBIN="$dir.partial" GOFLAGS=-trimpath CGO_ENABLED=0 go install \
      "github.com/oasdiff/oasdiff@$OASDIFF_VERSION" || die "go install oasdiff $OASDIFF_VERSION failed"
    rm -rf "$dir" && mv "$dir.partial" "$dir"
  fi
  export PATH="$dir:$PATH"
}
