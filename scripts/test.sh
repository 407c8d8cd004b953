#!/usr/bin/env bash
# make test: unit tests under ASan+UBSan, integration tests on the Release binaries, the deploy
# assets (promtool, systemd-analyze), the threaded unit tests under TSan, then fuzz smoke runs.
# Exits non-zero on the first failing stage; ctest prints the counts of each stage.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "== unit tests, ASan+UBSan build"
(cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
   ctest -L unit --output-on-failure -j "$jobs")

echo "== integration tests (real processes on 127.0.0.1), Release build"
(cd build/release && ctest -L integration --output-on-failure -j "$jobs")

echo "== deploy assets (systemd unit, Prometheus rules, Grafana dashboard), Release build"
(cd build/release && ctest -L deploy --output-on-failure)

echo "== threaded unit tests, TSan build"
(cd build/tsan && TSAN_OPTIONS=halt_on_error=1 ctest \
   -R 'unit\.(observe\.(Registry|AccessLogTest|LoggingTest|Logging)|steps\.ReplayGuard|notify\.(CommitterThreads|NotifyServiceThreads))' \
   --output-on-failure -j "$jobs")

echo "== fuzz smoke"
./scripts/fuzz-smoke.sh build/fuzz
