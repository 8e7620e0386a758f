#!/usr/bin/env bash
# Sets a fresh Debian machine with Node.js 20 up for Smart Commune: Debian packages, npm ci, build.
# Sourced by scripts/demo and scripts/test; SC_APT_PACKAGES lists what the caller needs.
set -euo pipefail

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }
ROOT="$(repo_root)"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

require_node() {
  if ! command -v node >/dev/null 2>&1; then
    say "Node.js 20 is required: https://nodejs.org or 'apt-get install nodejs' (Debian 13)"; exit 1
  fi
  local major; major="$(node -p 'process.versions.node.split(".")[0]')"
  if [ "$major" -lt 20 ]; then say "Node.js $major found; Node.js 20 or newer is required"; exit 1; fi
}

missing_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  echo "${missing[@]:-}"
}

install_packages() {
  local missing; missing="$(missing_packages "$@")"
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    say "missing Debian packages; run as root:"
    say "  apt-get update && apt-get install -y --no-install-recommends $missing"
    exit 1
  fi
  say "installing Debian packages: $missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

npm_dependencies() {
  cd "$ROOT"
  # onnxruntime-node's install script downloads CUDA files; it cannot work offline and is not needed
  export ONNXRUNTIME_NODE_INSTALL=skip
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "npm ci (better-sqlite3 compiles from source: about a minute)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

build() {
  cd "$ROOT"
  say "building (tsc -b)"
  npx tsc -b
}

# The YOLOX-Nano models: SC_MODEL_DIR, else ../shared/models beside the checkout; when neither has
# them, `sc-edge fetch-models` downloads them from their pinned source into .models/ and checks each
# sha256 (needs internet once). Exports SC_MODEL_DIR for what runs next.
models() {
  local dir="${SC_MODEL_DIR:-$ROOT/../shared/models}"
  if [ ! -f "$dir/yolox_nano_416x416.onnx" ]; then
    dir="$ROOT/.models"
    say "models not found; fetching them into $dir"
    node "$ROOT/edge/dist/cli.js" fetch-models --dir "$dir"
  fi
  export SC_MODEL_DIR="$dir"
}

setup() {
  require_node
  install_packages "$@"
  npm_dependencies
  build
  models
}
