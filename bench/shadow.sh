#!/usr/bin/env bash
# bench/shadow.sh: what shadow traffic (routes[].mirror) costs the primary's latency.
#
#   on   the route mirrors every GET (percent: 100%) to a shadow cluster (a second nginx) and
#        compares the answers (they match: the same body)
#   off  the same route without mirror
# Both are the same paygate binary and config otherwise (1 worker on PROXY_CORE); wrk, the
# primary backend and the shadow backend share CLIENT_CORE. The load is paced, not saturating:
# each of CONNECTIONS connections waits DELAY_MS between requests (wrk's delay()), so the p99
# compared is the primary's at a steady rate, not a queue's. ROUNDS rounds, each measuring both in
# alternating order (ABBA); medians reported. Target: p99 on / off <= 1.02.
#   bench/shadow.sh
#   ROUNDS=7 DURATION=10 CONNECTIONS=32 DELAY_MS=2 bench/shadow.sh
# "on" also reads the primary's answers whole before sending them (a mirrored route fetches; the
# comparison needs the whole body), "off" streams them: that difference is part of the cost.
# Output: the rounds, then the medians and the p99 ratio, also written to
# bench/results/shadow.txt, with shadow.png (the primary's p99 with the mirror off and on).
set -euo pipefail

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-8}
CONNECTIONS=${CONNECTIONS:-32}
DELAY_MS=${DELAY_MS:-4}
PROXY_CORE=${PROXY_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
REQUEST_PATH=/v3/pay/transactions/id/4200001234202401011234567890

bench_name=shadow.sh
bench_work_prefix=paygate-shadow-bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_tools wrk nginx taskset curl
NGINX=$(command -v nginx)
PAYGATE_BIN=${PAYGATE:-$(find_bin paygate)}

start_backend PRIMARY_PORT "$work/primary" "primary nginx"
start_backend SHADOW_PORT "$work/shadow" "shadow nginx"

# start_paygate NAME MIRROR_LINE: sets port_NAME and admin_NAME
start_paygate() {
  local name=$1 port admin
  pick_port_into port
  pick_port_into admin
  mkdir -p "$work/$name"
  cat > "$work/$name/paygate.yaml" <<CONF
workers: 1
listener: {address: 127.0.0.1, port: $port}
admin: {address: 127.0.0.1, port: $admin}
log: {level: warn, error_log: $work/$name/error.log, access_log: off}
clusters:
  - name: backend
    endpoints: [127.0.0.1:$PRIMARY_PORT]
    max_idle_per_endpoint: $((CONNECTIONS * 2))
  - name: shadow
    endpoints: [127.0.0.1:$SHADOW_PORT]
    max_idle_per_endpoint: $((CONNECTIONS * 2))
routes:
  - name: order-by-transaction-id
    path: /v3/pay/transactions/id/{transaction_id}
    methods: [GET]
    cluster: backend
$2
CONF
  taskset -c "$PROXY_CORE" "$PAYGATE_BIN" run -c "$work/$name/paygate.yaml" \
    > "$work/$name/stdout.log" 2>&1 &
  pids+=("$!")
  wait_for_200 "http://127.0.0.1:$port$REQUEST_PATH" "paygate ($name)" "$!"
  printf -v "port_$name" '%s' "$port"
  printf -v "admin_$name" '%s' "$admin"
}

start_paygate on "    mirror: {cluster: shadow, percent: 100%, max_in_flight: $((CONNECTIONS * 4))}"
start_paygate off ""

cat > "$work/paced.lua" <<LUA
function delay() return $DELAY_MS end
LUA

run_wrk() {  # NAME PORT SECONDS -> "req/s p99_ms"
  taskset -c "$CLIENT_CORE" wrk -t1 -c"$CONNECTIONS" -d"${3}s" --latency -s "$work/paced.lua" \
    "http://127.0.0.1:$2$REQUEST_PATH" > "$work/wrk-$1.txt" 2>&1 || die "wrk against $1 failed"
  grep -q "Non-2xx" "$work/wrk-$1.txt" && die "$1 answered non-2xx"
  local rps p99
  rps=$(awk '/^Requests\/sec/ { print $2 }' "$work/wrk-$1.txt")
  p99=$(awk '$1 == "99%" { print $2 }' "$work/wrk-$1.txt")
  echo "$rps $(to_ms "$p99")"
}

run_wrk on "$port_on" 2 > /dev/null
run_wrk off "$port_off" 2 > /dev/null
measure() {  # NAME: one round's figures of that instance
  local port="port_$1"
  run_wrk "$1" "${!port}" "$DURATION"
}
results="$work/results"
abba_rounds "$results" 'round %d: mirror on %s (req/s, p99 ms), off %s\n' measure on off
on_rps=$(median "$results" 1); on_p99=$(median "$results" 2)
off_rps=$(median "$results" 3); off_p99=$(median "$results" 4)
shadow=$(curl -s "http://127.0.0.1:$admin_on/metrics" |
  awk -F'[{}]' '/^paygate_shadow_requests_total/ { split($3, v, " "); printf "%s=%s ", $2, v[1] }')
echo
results_path=$(results_dir)
echo "# bench/shadow.sh $(date -u +%Y-%m-%dT%H:%MZ): medians of $ROUNDS rounds x ${DURATION}s," \
     "$CONNECTIONS connections pausing ${DELAY_MS} ms" > "$results_path/shadow.txt"
{
  echo "shadow.sh: medians of $ROUNDS rounds, $CONNECTIONS connections pausing ${DELAY_MS} ms" \
    "(paygate on core $PROXY_CORE, wrk and both backends on core $CLIENT_CORE)"
  printf '  on  %8.0f req/s   p99 %.3f ms\n' "$on_rps" "$on_p99"
  printf '  off %8.0f req/s   p99 %.3f ms\n' "$off_rps" "$off_p99"
  printf '  p99 on/off %.3f   (target <= 1.02)\n' "$(awk -v a="$on_p99" -v b="$off_p99" 'BEGIN { print a / b }')"
  echo "  shadow copies: $shadow"
} | tee -a "$results_path/shadow.txt"
printf 'latency mirror-off mirror-on\np99-ms %s %s\n' "$off_p99" "$on_p99" > "$work/plot.dat"
plot_bars "$results_path/shadow.png" "Primary p99 at a paced rate (ms, lower is better): mirror off and on" \
  "$work/plot.dat" mirror-off mirror-on
