#!/usr/bin/env bash
# Installs the Debian packages paygate builds, tests and benchmarks with.
# Idempotent: installs only what is missing; uses apt-get and nothing else.
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build ccache pkg-config
  clang libclang-rt-14-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libnghttp2-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libre2-dev libcli11-dev
  libsqlite3-dev zlib1g-dev liburing-dev libgoogle-perftools-dev libpq-dev libhiredis-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
# prometheus for promtool, systemd for systemd-analyze: tests/deploy checks deploy/ with them
# (the prometheus service the package installs is never started).
test_pkgs=(curl python3 python3-h2 python3-cryptography nghttp2-client openssl sqlite3 procps google-perftools prometheus systemd)
# The scale-out engines (docs/scale-out.md): the cluster tests start their own servers in temporary
# directories (the services the packages install are not used).
engine_pkgs=(postgresql redis-server etcd-server etcd-client)
bench_pkgs=(wrk nginx-light haproxy gnuplot-nox util-linux strace)

want=("${build_pkgs[@]}" "${test_pkgs[@]}" "${engine_pkgs[@]}")
[[ "${1:-}" == "--bench" ]] && want+=("${bench_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "deps: installing ${missing[*]}"
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
