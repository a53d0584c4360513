# Puts the project's pinned Node.js (from .node-version, the one place it is pinned) and
# npm on PATH, installing them into the cache on first use. Source it.
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_node() {
  local version arch dir
  version=$(tr -d '[:space:]' <"$ROOT/.node-version")
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "no Node.js build for $(uname -m)" ;;
  esac
  dir="$CACHE_DIR/node-$version-$arch"
  if [ ! -x "$dir/node_modules/.bin/node" ] || [ ! -x "$dir/node_modules/.bin/npm" ]; then
    command -v npm >/dev/null || die "bootstrapping Node.js $version needs some npm on PATH"
    log toolchain "installing Node.js $version from the npm registry"
    rm -rf "$dir.partial"
    # The npm registry ships Node binaries as node-linux-<arch>; npm comes along so that
    # packages are resolved for this Node, not for whatever Node runs the bootstrap npm.
    npm install --prefix "$dir.partial" --no-save --no-audit --no-fund --loglevel=error \
      "node-linux-$arch@$version" "npm@11" >/dev/null
    rm -rf "$dir" && mv "$dir.partial" "$dir"
  fi
  export PATH="$dir/node_modules/.bin:$PATH"
  [ "$(node --version)" = "v$version" ] || die "expected Node.js v$version on PATH, got $(node --version)"
}

ensure_node
# The workspace's own tools (tsc, eslint, prettier, buf, pino-pretty) run directly, not through npx.
export PATH="$ROOT/node_modules/.bin:$PATH"

# Installs the workspace's npm dependencies when package-lock.json changed since the last install.
ensure_node_modules() {
  local stamp="$ROOT/node_modules/.everything-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$ROOT/package-lock.json" "$stamp"; then
    log toolchain "npm ci"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$ROOT/package-lock.json" "$stamp"
  fi
}

# Builds the web app into web/dist, which the server serves (well under a second).
build_web() {
  log web "build"
  (cd "$ROOT" && npm run build --silent -w web >/dev/null)
}

# Debian's Chromium for the browser tests: browsers cannot be downloaded here, so
# playwright-core drives this one (CHROMIUM_PATH).
ensure_chromium() {
  # The packages Chromium recommends for rendering: fonts and the software GL it falls back to.
  apt_ensure chromium fonts-dejavu-core fonts-liberation libgl1-mesa-dri
  export CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}
}
