#!/usr/bin/env bash
# Installs what tests/integration/test_interop.py needs: node + npm (Debian packages, only if
# `node` is missing) and the pinned npm client under tests/interop/node_modules, with `npm ci`
# from tests/interop/package-lock.json (nothing is fetched outside npm). Idempotent: runs npm ci
# only when node_modules is missing or older than package.json / package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=tests/interop
stamp=$dir/node_modules/.package-lock.json   # written by npm ci

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "interop-deps: installing nodejs npm"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

if [[ -f $stamp && ! $dir/package-lock.json -nt $stamp && ! $dir/package.json -nt $stamp ]]; then
  exit 0
fi
echo "interop-deps: npm ci --prefix $dir"
npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund --loglevel=error
