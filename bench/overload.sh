#!/usr/bin/env bash
# bench/overload.sh: overload protection. Goodput and the latency of admitted requests when
# more is offered than the backend can serve, paygate with and without clusters[].concurrency.
#
# What is measured
#   loadgen (open loop) -> paygate -> capacity_backend.py, all on 127.0.0.1, keep-alive.
#   The backend serves SLOTS requests at a time, SERVICE_MS each (capacity SLOTS*1000/SERVICE_MS
#   req/s; beyond that requests queue inside it). Two paygate instances with the same routes,
#   one without a concurrency limit ("off") and one with an adaptive one ("on"). Half the
#   requests go to a `priority: core` route, half to a `priority: low` one.
#   loadgen sends at a constant rate whatever the answers (open loop) and measures each latency
#   from the request's scheduled send time, so queueing anywhere, the generator included, counts
#   (no coordinated omission). Goodput is 2xx answers per second of the run; 503s are sheds.
#
# Method
#   The capacity is measured first: loadgen straight at the backend at 1.5x its nominal
#   capacity. Then each load (MULTIPLES of that capacity) is run against both instances, in
#   alternating order round by round, ROUNDS times; every figure is the median over rounds.
#   A short warm-up per instance first (the adaptive limit probes its baseline at start).
#   "unloaded" is the 0.5x row without the limit; targets: at 3x, goodput >= 90 % of the
#   capacity and admitted p99 <= 2x the unloaded p99.
#
# Cores (the machine has 2)
#   core PROXY_CORE (0): paygate (both instances; one is loaded at a time).
#   core CLIENT_CORE (1): loadgen and the backend.
#
# Usage
#   bench/overload.sh                         # paygate and loadgen from the first Release build
#   ROUNDS=5 DURATION=15 SLOTS=8 SERVICE_MS=20 MULTIPLES="0.5 1 2 3 5" bench/overload.sh
#   UPDATE_DOCS=0 bench/overload.sh           # do not rewrite the section in docs/benchmarks.md
#   Needs taskset, curl, python3. Build first: cmake --build --preset release --target paygate loadgen
#
# Output: the table, RESULT lines (one per mode and load), both also written to
# bench/results/overload.txt, with overload-goodput.png and overload-p99.png (goodput and
# admitted p99 per load, without and with the limit; p99 on a log scale), and, unless
# UPDATE_DOCS=0, the "overload.sh figures" section of docs/benchmarks.md rewritten with the table.
# Exit status: 0 when the benchmark ran (whatever the figures), 1 when something broke.

set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}          # seconds per measurement
WARMUP=${WARMUP:-3}               # seconds of warm-up per instance
SLOTS=${SLOTS:-8}
SERVICE_MS=${SERVICE_MS:-20}
MULTIPLES=${MULTIPLES:-"0.5 1 2 3 5"}
CONNECTIONS=${CONNECTIONS:-512}   # loadgen's keep-alive connections
TIMEOUT=${TIMEOUT:-2}             # seconds: a request not answered by then is an error
QUEUE_DEADLINE=${QUEUE_DEADLINE:-5ms}     # the "on" instance's; the product default is 20ms
PROXY_CORE=${PROXY_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
UPDATE_DOCS=${UPDATE_DOCS:-1}
CORE_PATH=/v3/pay/transactions/id/4200001234202401011234567890
LOW_PATH=/v3/bill/tradebill

bench_name=overload.sh
bench_work_prefix=paygate-overload-bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_tools taskset curl python3
PAYGATE_BIN=${PAYGATE:-$(find_bin paygate)}
LOADGEN_BIN=${LOADGEN:-$(find_bin loadgen)}

pick_port_into BACKEND_PORT
pick_port_into OFF_PORT
pick_port_into ON_PORT

# write_config NAME PORT CONCURRENCY: a paygate config; CONCURRENCY is the cluster's
# `concurrency:` value, or empty for none.
write_config() {
  mkdir -p "$work/$1"
  cat > "$work/$1/paygate.yaml" <<CONF
workers: 1
drain_timeout: 1s
listener: { address: 127.0.0.1, port: $2 }
admin: { address: 127.0.0.1, port: 0 }
log: { level: info, error_log: $work/$1/error.log, access_log: "off" }
clusters:
  - name: backend
    endpoints: [127.0.0.1:$BACKEND_PORT]
    max_idle_per_endpoint: $CONNECTIONS
    total_timeout: ${TIMEOUT}s
    try_timeout: ${TIMEOUT}s${3:+
    concurrency: $3}
routes:
  - { name: order-by-transaction-id, prefix: /v3/pay/, cluster: backend, priority: core }
  - { name: bills, prefix: /v3/bill/, cluster: backend, priority: low }
CONF
  "$PAYGATE_BIN" check -c "$work/$1/paygate.yaml" > "$work/$1/check.log" 2>&1 ||
    { cat "$work/$1/check.log" >&2; die "paygate rejected the $1 configuration"; }
}

write_config off "$OFF_PORT" ""
write_config on "$ON_PORT" "{ adaptive: true, min_limit: 4, max_limit: 1000, initial_limit: 16, queue_size: 256, queue_deadline: $QUEUE_DEADLINE }"

taskset -c "$CLIENT_CORE" python3 "$bench_here/capacity_backend.py" --port "$BACKEND_PORT" \
  --slots "$SLOTS" --service-ms "$SERVICE_MS" > "$work/backend.log" 2>&1 &
backend_pid=$!
pids+=("$backend_pid")
wait_for_200 "http://127.0.0.1:$BACKEND_PORT/" "capacity backend" "$backend_pid" "$work/backend.log"
for mode in off on; do
  port_var=${mode^^}_PORT
  taskset -c "$PROXY_CORE" "$PAYGATE_BIN" run -c "$work/$mode/paygate.yaml" \
    > "$work/$mode/stdout.log" 2>&1 &
  pids+=("$!")
  wait_for_200 "http://127.0.0.1:${!port_var}$CORE_PATH" "paygate ($mode)" "$!" "$work/$mode/error.log"
done

# run_load PORT RATE SECONDS OUT [PATH...]: loadgen on CLIENT_CORE; its output in OUT.
run_load() {
  local port=$1 rate=$2 seconds=$3 out=$4 args=()
  shift 4
  for p in "$@"; do args+=(--path "$p"); done
  taskset -c "$CLIENT_CORE" "$LOADGEN_BIN" --port "$port" --rate "$rate" --duration "$seconds" \
    --connections "$CONNECTIONS" --timeout "$TIMEOUT" "${args[@]}" > "$out" 2>&1 ||
    { cat "$out" >&2; die "loadgen failed"; }
  # An overloaded run without the limit leaves requests in paygate and the backend until they
  # time out (TIMEOUT, the cluster's total_timeout): they must not slow the next run.
  sleep $((TIMEOUT + 1))
  wait_backend_idle
}

# Until a request straight to the backend takes less than 1.5x its service time again (at most
# 60 s): its queue from an overloaded run has drained, so the next run starts from an idle
# backend whatever ran before it.
wait_backend_idle() {
  local limit_ms=$((SERVICE_MS * 3 / 2)) deadline=$((SECONDS + 60)) took
  while ((SECONDS < deadline)); do
    took=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$BACKEND_PORT/" || echo 9)
    if awk -v t="$took" -v l="$limit_ms" 'BEGIN { exit !(t * 1000 < l) }'; then return; fi
    sleep 0.5
  done
  echo "overload.sh: the backend is still busy 60 s after a run" >&2
}

field() {  # $1 = file, $2 = line tag (RESULT or PATH path=...), $3 = key
  grep "^$2" "$1" | head -1 | tr ' ' '\n' | awk -F= -v k="$3" '$1 == k { print $2 }'
}

nominal=$((SLOTS * 1000 / SERVICE_MS))
echo "overload.sh: backend of $SLOTS slots x ${SERVICE_MS} ms (nominal $nominal req/s)," \
  "$ROUNDS rounds of ${DURATION} s, loads x$MULTIPLES"
run_load "$BACKEND_PORT" $((nominal * 3 / 2)) "$DURATION" "$work/capacity.txt" /
capacity=$(field "$work/capacity.txt" RESULT goodput)
echo "measured capacity: $capacity req/s (loadgen straight at the backend at 1.5x nominal)"

for mode in off on; do
  port_var=${mode^^}_PORT
  run_load "${!port_var}" "$capacity" "$WARMUP" "$work/warmup-$mode.txt" "$CORE_PATH" "$LOW_PATH"
done

results="$work/results.txt"  # mode multiple offered goodput shed errors p50 p99 core low core_p99
: > "$results"
for round in $(seq "$ROUNDS"); do
  order="off on"
  (( round % 2 == 0 )) && order="on off"
  for multiple in $MULTIPLES; do
    rate=$(awk -v c="$capacity" -v m="$multiple" 'BEGIN { printf "%.0f", c * m }')
    for mode in $order; do
      port_var=${mode^^}_PORT
      out="$work/run-$round-$mode-$multiple.txt"
      run_load "${!port_var}" "$rate" "$DURATION" "$out" "$CORE_PATH" "$LOW_PATH"
      line="$mode $multiple $rate"
      for key in goodput shed errors p50_ms p99_ms; do line+=" $(field "$out" RESULT "$key")"; done
      line+=" $(field "$out" "PATH path=$CORE_PATH" goodput) $(field "$out" "PATH path=$LOW_PATH" goodput)"
      line+=" $(field "$out" "PATH path=$CORE_PATH" p99_ms)"
      echo "$line" >> "$results"
      echo "  round $round x$multiple $mode: $(grep '^RESULT' "$out")"
    done
  done
done

# median_of MODE MULTIPLE COLUMN
median_of() {
  awk -v m="$1" -v x="$2" '$1 == m && $2 == x' "$results" > "$work/sel.txt"
  median "$work/sel.txt" "$3"
}

first=${MULTIPLES%% *}
unloaded_p99=$(median_of off "$first" 8)
table="| load | limit | offered/s | goodput/s | of capacity | shed/s | errors | p50 ms | p99 ms | p99 / unloaded | core 2xx/s | low 2xx/s | core p99 ms |
|---|---|---|---|---|---|---|---|---|---|---|---|---|"
summary=""
for multiple in $MULTIPLES; do
  for mode in off on; do
    declare -a m=()
    for c in 3 4 5 6 7 8 9 10 11; do m+=("$(median_of "$mode" "$multiple" "$c")"); done
    share=$(awk -v g="${m[1]}" -v c="$capacity" 'BEGIN { printf "%.0f %%", 100 * g / c }')
    ratio=$(awk -v p="${m[5]}" -v u="$unloaded_p99" 'BEGIN { printf "%.2f", (u > 0 ? p / u : 0) }')
    table+="
| ${multiple}x | $mode | ${m[0]} | ${m[1]} | $share | ${m[2]} | ${m[3]} | ${m[4]} | ${m[5]} | $ratio | ${m[6]} | ${m[7]} | ${m[8]} |"
    summary+="RESULT overload mode=$mode load=$multiple offered=${m[0]} goodput=${m[1]} shed=${m[2]} errors=${m[3]} p99_ms=${m[5]} p99_ratio=$ratio
"
  done
done

echo
results_path=$(results_dir)
echo "# bench/overload.sh $(date -u +%Y-%m-%dT%H:%MZ): medians of $ROUNDS rounds x ${DURATION}s" \
     "per load, backend $SLOTS slots x ${SERVICE_MS} ms, $CONNECTIONS connections," \
     "queue_deadline $QUEUE_DEADLINE" > "$results_path/overload.txt"
{
  echo "capacity $capacity req/s; unloaded p99 (x$first, no limit) $unloaded_p99 ms; medians of $ROUNDS rounds"
  echo "$table"
  printf '%s' "$summary"
} | tee -a "$results_path/overload.txt"
echo "load limit-off limit-on" > "$work/plot-goodput.dat"
echo "load limit-off limit-on" > "$work/plot-p99.dat"
for multiple in $MULTIPLES; do
  echo "${multiple}x $(median_of off "$multiple" 4) $(median_of on "$multiple" 4)" >> "$work/plot-goodput.dat"
  echo "${multiple}x $(median_of off "$multiple" 8) $(median_of on "$multiple" 8)" >> "$work/plot-p99.dat"
done
plot_bars "$results_path/overload-goodput.png" "Goodput (2xx/s) per offered load, capacity $capacity req/s" \
  "$work/plot-goodput.dat" limit-off limit-on
PLOT_LOGSCALE=1 plot_bars "$results_path/overload-p99.png" \
  "Admitted p99 (ms, log scale) per offered load, unloaded $unloaded_p99 ms" \
  "$work/plot-p99.dat" limit-off limit-on

if [[ "$UPDATE_DOCS" == 1 ]]; then
  section="$work/section.md"
  {
    echo "### overload.sh figures"
    echo
    echo "**$(date -u +%Y-%m-%d), $(date -u +%H:%M) UTC**: a backend of $SLOTS slots x ${SERVICE_MS} ms"
    echo "(measured capacity **$capacity req/s**), $ROUNDS rounds of ${DURATION} s, medians, half the"
    echo "requests on a \`priority: core\` route and half on a \`priority: low\` one, \`queue_deadline:"
    echo "$QUEUE_DEADLINE\`, loadgen with $CONNECTIONS connections and a ${TIMEOUT} s timeout. Unloaded p99"
    echo "(${first}x, no limit): $unloaded_p99 ms."
    echo
    echo "$table"
  } > "$section"
  python3 - "$bench_root/docs/benchmarks.md" "$section" <<'PY'
import re, sys
doc_path, section_path = sys.argv[1], sys.argv[2]
doc, section = open(doc_path).read(), open(section_path).read().rstrip("\n") + "\n"
start = "<!-- overload.sh figures: written by bench/overload.sh -->\n"
end = "<!-- end of overload.sh figures -->\n"
block = start + section + end
if start in doc and end in doc:
    doc = doc[:doc.index(start)] + block + doc[doc.index(end) + len(end):]
else:
    doc = doc.rstrip("\n") + "\n\n" + block
open(doc_path, "w").write(doc)
PY
  echo "overload.sh: wrote the figures into docs/benchmarks.md"
fi
