#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR for a short smoke period (FUZZ_SECONDS, default 20)
# from its seed corpus; any crash, leak or sanitizer report fails the run.
set -euo pipefail
build=${1:-build/fuzz}
seconds=${FUZZ_SECONDS:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
passed=0 failed=0
for bin in "$build"/tests/fuzz/*_fuzz; do
  [[ -x "$bin" ]] || continue
  name=$(basename "$bin" _fuzz)
  corpus=$(mktemp -d)
  seeds="$root/tests/fuzz/seeds/$name"
  [[ -d "$seeds" ]] && cp -r "$seeds"/. "$corpus"/
  if "$bin" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 "$corpus" >"$corpus.log" 2>&1; then
    passed=$((passed + 1)); echo "fuzz $name: ok ($(grep -c '' "$corpus.log") log lines)"
  else
    failed=$((failed + 1)); echo "fuzz $name: FAILED"; tail -40 "$corpus.log"
  fi
  rm -rf "$corpus" "$corpus.log"
done
echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
