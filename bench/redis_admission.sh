#!/usr/bin/env bash
# bench/redis_admission.sh: how many admission scripts (steps/shared_admission.cpp: the nonce's
# SET NX PX and the merchant's GCRA, one EVALSHA per verified request) one Redis core runs,
# against the same server's plain `SET key NX PX` in the same run: the figure docs/scale-out.md
# sizes Redis shards with.
#
# What runs: Debian's redis-server on SERVER_CORE (0), redis-benchmark on CLIENT_CORE (1), its
# CLIENTS connections pipelining PIPELINE commands each, a random nonce per command (keys spread
# like real nonces, each kept for 300 s), one merchant with a limit it never reaches (every
# command takes the whole script's path: SET NX, TIME, GET, SET). ROUNDS rounds of REQUESTS
# commands, script and plain SET alternating (ABBA); medians.
#
# Usage: bench/redis_admission.sh    (ROUNDS=5 REQUESTS=400000 CLIENTS=32 PIPELINE=16)
# Output: a table, then
#   RESULT redis_admission script_per_s=... set_per_s=... ratio=...
# and bench/results/redis_admission.txt (the table and the RESULT line) with redis_admission.png.
set -euo pipefail

ROUNDS=${ROUNDS:-5}
REQUESTS=${REQUESTS:-400000}
CLIENTS=${CLIENTS:-32}
PIPELINE=${PIPELINE:-16}
SERVER_CORE=${SERVER_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}

bench_name=redis_admission.sh
bench_work_prefix=paygate-redis-bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tools redis-server redis-cli redis-benchmark taskset

# The script as paygate sends it: the text between R"lua( and )lua" in its source.
script=$(sed -n '/R"lua(/,/)lua"/p' "$bench_root/src/steps/shared_admission.cpp" |
  sed '1s/.*R"lua(//; $s/)lua".*//')
[[ "$script" == *"SET"* ]] || die "cannot find the script in src/steps/shared_admission.cpp"

pick_port_into PORT
start_redis "$PORT" "$SERVER_CORE"
sha=$(redis-cli -p "$PORT" script load "$script")

# $1 = label; the rest: the command. Prints requests per second.
measure() {
  redis-cli -p "$PORT" flushall >/dev/null
  redis-cli -p "$PORT" script load "$script" >/dev/null
  taskset -c "$CLIENT_CORE" redis-benchmark -p "$PORT" -c "$CLIENTS" -n "$REQUESTS" \
    -P "$PIPELINE" -r 100000000 --csv "${@:2}" | tail -1 | awk -F'"' '{ print $4 }'
}
script_run() {
  measure script EVALSHA "$sha" 2 'paygate:{1900000109}:n:__rand_int__' \
    'paygate:{1900000109}:r' 300000 1 100000000000
}
set_run() { measure set SET 'paygate:{1900000109}:n:__rand_int__' 1 NX PX 300000; }

: > "$work/script.txt"
: > "$work/set.txt"
for round in $(seq "$ROUNDS"); do
  if (( round % 2 )); then
    script_run >> "$work/script.txt"; set_run >> "$work/set.txt"
  else
    set_run >> "$work/set.txt"; script_run >> "$work/script.txt"
  fi
done
script_rate=$(sort -n "$work/script.txt" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
set_rate=$(sort -n "$work/set.txt" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
results=$(results_dir)
echo "# bench/redis_admission.sh $(date -u +%Y-%m-%dT%H:%MZ): median of $ROUNDS rounds x" \
     "$REQUESTS commands, $CLIENTS connections pipelining $PIPELINE, one Redis core" \
     > "$results/redis_admission.txt"
{
  printf '%-28s %12s\n' "command" "per second" "admission script" "$script_rate" \
    "SET NX PX" "$set_rate"
  echo "RESULT redis_admission script_per_s=$script_rate set_per_s=$set_rate ratio=$(
    awk -v a="$script_rate" -v b="$set_rate" 'BEGIN { printf "%.3f", a / b }')"
} | tee -a "$results/redis_admission.txt"
printf 'redis set-nx-px admission-script\none-core %s %s\n' "$set_rate" "$script_rate" > "$work/plot.dat"
plot_bars "$results/redis_admission.png" "One Redis core: plain SET NX PX and the paygate admission script (per s)" \
  "$work/plot.dat" set-nx-px admission-script
