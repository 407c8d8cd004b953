#!/usr/bin/env bash
# make test: the layering check, unit tests under ASan+UBSan, integration tests on the Release
# binaries, the deploy assets (promtool, systemd-analyze), the threaded unit tests under TSan,
# then fuzz smoke runs.
# make check (--quick): the layering check, then unit and integration tests on the Release build.
# Exits non-zero on the first failing stage; ctest prints the counts of each stage.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

if [[ "${1:-}" == "--quick" ]]; then
  echo "== layering, unit and integration tests, Release build"
  (cd build/release && ctest --no-tests=error -L 'layering|unit|integration' --output-on-failure -j "$jobs")
  exit 0
fi

echo "== layering: every #include points down the module order"
(cd build/asan && ctest --no-tests=error -L layering --output-on-failure)

echo "== unit tests, ASan+UBSan build"
(cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
   ctest --no-tests=error -L unit --output-on-failure -j "$jobs")

echo "== integration tests (real processes on 127.0.0.1), Release build"
(cd build/release && ctest --no-tests=error -L integration --output-on-failure -j "$jobs")

echo "== deploy assets (systemd unit, Prometheus rules, Grafana dashboard), Release build"
(cd build/release && ctest --no-tests=error -L deploy --output-on-failure)

echo "== threaded unit tests, TSan build"
(cd build/tsan && TSAN_OPTIONS=halt_on_error=1 ctest --no-tests=error -L threaded --output-on-failure -j "$jobs")

echo "== fuzz smoke"
./scripts/fuzz-smoke.sh build/fuzz
