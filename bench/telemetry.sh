#!/usr/bin/env bash
# bench/telemetry.sh: what per-request telemetry costs on the plain proxy path.
#
#   on   listener.telemetry: true (request metrics, SLO counts on one route, W3C trace context:
#        a traceparent parsed and continued, traceparent + X-Trace-ID added upstream and
#        X-Trace-ID downstream) and the JSON access log written to a file
#   off  listener.telemetry: false and access_log: off
# Both are the same paygate binary and config otherwise; wrk sends the same "query order" GET,
# with a traceparent, through each to an nginx backend. Cores: paygate (both instances) on
# PROXY_CORE (0), wrk and the backend on CLIENT_CORE (1). ROUNDS rounds, each measuring both in
# alternating order (ABBA); medians reported. Target: cost = 1 - on/off <= 5 %.
#   bench/telemetry.sh
#   ROUNDS=7 DURATION=10 CONNECTIONS=64 bench/telemetry.sh
#   ON_ACCESS_LOG=off bench/telemetry.sh     # metrics and tracing alone, without the access log
# Both instances run on one core, their log thread included: the access log's formatting and
# writing is paid on the same core as the requests.
# Output: the rounds, then the medians and the cost, also written to bench/results/telemetry.txt,
# with telemetry.png (req/s with telemetry off and on).
set -euo pipefail

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-8}
CONNECTIONS=${CONNECTIONS:-64}
PROXY_CORE=${PROXY_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
REQUEST_PATH=/v3/pay/transactions/id/4200001234202401011234567890
TRACEPARENT=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01

bench_name=telemetry.sh
bench_work_prefix=paygate-telemetry-bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_tools wrk nginx taskset curl
NGINX=$(command -v nginx)
PAYGATE_BIN=${PAYGATE:-$(find_bin paygate)}

start_backend BACKEND_PORT "$work/backend" "backend nginx"

# start_paygate NAME TELEMETRY ACCESS_LOG: sets port_NAME
start_paygate() {
  local name=$1 port admin
  pick_port_into port
  pick_port_into admin
  mkdir -p "$work/$name"
  cat > "$work/$name/paygate.yaml" <<CONF
workers: 1
listener: {address: 127.0.0.1, port: $port, telemetry: $2}
admin: {address: 127.0.0.1, port: $admin}
log: {level: warn, error_log: $work/$name/error.log, access_log: "$3"}
clusters:
  - name: backend
    endpoints: [127.0.0.1:$BACKEND_PORT]
    max_idle_per_endpoint: $((CONNECTIONS * 2))
routes:
  - name: order-by-transaction-id
    path: /v3/pay/transactions/id/{transaction_id}
    methods: [GET]
    cluster: backend
    slo: {objective: 99.95%, latency: 100ms}
  - name: v3-catch-all
    prefix: /v3/
    cluster: backend
CONF
  taskset -c "$PROXY_CORE" "$PAYGATE_BIN" run -c "$work/$name/paygate.yaml" \
    > "$work/$name/stdout.log" 2>&1 &
  pids+=("$!")
  wait_for_200 "http://127.0.0.1:$port$REQUEST_PATH" "paygate ($name)" "$!"
  printf -v "port_$name" '%s' "$port"
  printf -v "admin_$name" '%s' "$admin"
}

start_paygate on true "${ON_ACCESS_LOG:-$work/on/access.log}"
start_paygate off false off

cat > "$work/trace.lua" <<LUA
wrk.headers["traceparent"] = "$TRACEPARENT"
LUA

run_wrk() {  # NAME PORT SECONDS -> req/s
  taskset -c "$CLIENT_CORE" wrk -t1 -c"$CONNECTIONS" -d"${3}s" -s "$work/trace.lua" \
    "http://127.0.0.1:$2$REQUEST_PATH" > "$work/wrk-$1.txt" 2>&1 || die "wrk against $1 failed"
  grep -q "Non-2xx" "$work/wrk-$1.txt" && die "$1 answered non-2xx"
  awk '/^Requests\/sec/ { print $2 }' "$work/wrk-$1.txt"
}

run_wrk on "$port_on" 2 > /dev/null
run_wrk off "$port_off" 2 > /dev/null
measure() {  # NAME: one round's figures of that instance
  local port="port_$1"
  run_wrk "$1" "${!port}" "$DURATION"
}
results="$work/results"
abba_rounds "$results" 'round %d: telemetry on %s req/s, off %s req/s\n' measure on off
on=$(median "$results" 1); off=$(median "$results" 2)
# Every file the access log wrote (it rotates at 100 MiB), and the lines it had to drop.
lines=$(cat "$work"/on/access*.log 2>/dev/null | wc -l)
dropped=$(curl -s "http://127.0.0.1:$admin_on/metrics" |
  awk '/^paygate_access_log_dropped_total/ { print $NF }')
echo
results_path=$(results_dir)
echo "# bench/telemetry.sh $(date -u +%Y-%m-%dT%H:%MZ): medians of $ROUNDS rounds x ${DURATION}s," \
     "$CONNECTIONS connections, access log when on: ${ON_ACCESS_LOG:-a file}" \
     > "$results_path/telemetry.txt"
{
  echo "telemetry.sh: medians of $ROUNDS rounds (paygate on core $PROXY_CORE, wrk+backend on core $CLIENT_CORE)"
  printf '  on  %8.0f req/s   (metrics, SLO counts, trace context; access log: %s lines written, %s dropped)\n' \
    "$on" "$lines" "${dropped:-?}"
  printf '  off %8.0f req/s\n' "$off"
  printf '  cost %.1f %% of req/s   (target <= 5 %%)\n' "$(awk -v a="$on" -v b="$off" 'BEGIN { print (1 - a / b) * 100 }')"
} | tee -a "$results_path/telemetry.txt"
printf 'proxy telemetry-off telemetry-on\nreq/s %s %s\n' "$off" "$on" > "$work/plot.dat"
plot_bars "$results_path/telemetry.png" "Plain proxy path, one core: req/s with telemetry off and on" \
  "$work/plot.dat" telemetry-off telemetry-on
