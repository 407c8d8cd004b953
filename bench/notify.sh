#!/usr/bin/env bash
# bench/notify.sh: the durable notification path. Two figures, each with its reference measured in
# the same run:
#
#   intake      durable intakes/s: wrk (1 thread, CONNECTIONS keep-alive connections, each request
#               a new event with a unique idempotency key and a ~450-byte transaction resource)
#               POSTs to the internal listener of paygate (dispatchers: 0, so only intake runs).
#               Each 201 means the event was committed with fsync (WAL, synchronous=FULL).
#               Reported: req/s, p50/p99 latency, paygate CPU time (user + system) per intake
#               (steadier than req/s on a shared machine), and fsyncs per intake =
#               paygate_notify_store_commits_total{connection="intake"} / events created
#               (group commit: one fsync per batch). Target >= 20,000/s.
#   delivery    deliveries/s: paygate restarted on the store the intake phase filled (a backlog of
#               every event of that round), dispatchers: DISPATCHERS, delivering to nginx
#               (`return 200`, keep-alive) for DELIVERY_SECONDS; rate from
#               paygate_notify_delivered_total. Each delivery seals the resource (AES-256-GCM)
#               and signs the envelope with the platform's RSA-2048 key: one private-key
#               operation per delivery, so the reference is `openssl speed rsa2048` sign/s on
#               the same core(s) in the same run. Target >= 10,000/s.
#               Two legs, each from its own intake: to nginx over cleartext keep-alive HTTP/1.1,
#               and over TLS keep-alive (https:// notify_urls, the receiver's certificate verified
#               against notifications.ca_file, as merchants' are). Target for each: >= 0.90x of
#               the signing limit.
#
# Cores (the machine has 2): paygate on PAYGATE_CORES (default 0), wrk and nginx on CLIENT_CORE (1).
# ROUNDS rounds (default 3), medians reported. Needs wrk, nginx, openssl, taskset, curl.
#   bench/notify.sh
#   ROUNDS=5 DURATION=10 CONNECTIONS=128 DISPATCHERS=1 bench/notify.sh
#   IO_BACKEND=io_uring bench/notify.sh
# Output: the rounds, the medians, then `RESULT notify intake_rps=... delivery_rps=... ...`, and
# bench/results/notify.txt (the medians and the RESULT line) with notify.png (deliveries/s,
# cleartext and over TLS, beside openssl's sign/s).
set -euo pipefail
bench_name=notify.sh
bench_work_prefix=paygate-notify-bench
source "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
DELIVERY_SECONDS=${DELIVERY_SECONDS:-10}
CONNECTIONS=${CONNECTIONS:-256}
DISPATCHERS=${DISPATCHERS:-1}
PAYGATE_CORES=${PAYGATE_CORES:-0}
IO_BACKEND=${IO_BACKEND:-epoll}  # or io_uring (runs paygate-uring, built beside paygate)
CLIENT_CORE=${CLIENT_CORE:-1}
PAYGATE=${PAYGATE:-$(find_bin paygate)}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
require_tools wrk openssl taskset curl
[[ -x "$NGINX" ]] || die "nginx not found (./scripts/deps.sh --bench)"

"$PAYGATE" keys new --dir "$work/keys" --mchid 1230000109 >/dev/null
"$PAYGATE" keys new --dir "$work/keys" --mchid platform --role platform >/dev/null
"$PAYGATE" keys new --dir "$work/tls" --role tls >/dev/null

pick_port_into receiver_port
pick_port_into receiver_tls_port
write_nginx_conf "$work/receiver" "    server {
        listen 127.0.0.1:$receiver_port reuseport backlog=4096;
        listen 127.0.0.1:$receiver_tls_port ssl reuseport backlog=4096;
        ssl_certificate $work/tls/tls-server.cert.pem;
        ssl_certificate_key $work/tls/tls-server.key.pem;
        location / { return 200; }
    }"
start_nginx "$work/receiver" "$CLIENT_CORE"
wait_for_200 "http://127.0.0.1:$receiver_port/" nginx "$started_pid"
wait_for_200 "https://127.0.0.1:$receiver_tls_port/" nginx "$started_pid"
plain_url="http://127.0.0.1:$receiver_port/notify"
tls_url="https://127.0.0.1:$receiver_tls_port/notify"

# write_config FILE DISPATCHERS STORE: paygate with the notification path only.
write_config() {
  pick_port_into listen_port
  pick_port_into admin_port
  pick_port_into intake_port
  cat > "$1" <<CONF
workers: 1
io_backend: $IO_BACKEND
listener: {address: 127.0.0.1, port: $listen_port}
admin: {address: 127.0.0.1, port: $admin_port}
log: {level: warn, access_log: "off"}
platform:
  keys:
    - private_key: $work/keys/platform_platform.key.pem
      certificate: $work/keys/platform_platform.cert.pem
merchants:
  - mchid: "1230000109"
    apiv3_key_file: $work/keys/1230000109.apiv3
    keys:
      - certificate: $work/keys/1230000109_merchant.cert.pem
    notify_urls: ["http://127.0.0.1:$receiver_port/", "https://127.0.0.1:$receiver_tls_port/"]
notifications:
  store: $3
  ca_file: $work/tls/tls-ca.cert.pem
  port: $intake_port
  dispatchers: $2
  merchant_concurrency: 256
  host_connections: 256
clusters:
  - name: none
    endpoints: [127.0.0.1:9]
routes:
  - name: all
    prefix: /
    cluster: none
CONF
}

start_paygate() {  # $1 = config; sets paygate_pid
  taskset -c "$PAYGATE_CORES" "$PAYGATE" run -c "$1" > "$work/paygate.log" 2>&1 &
  paygate_pid=$!
  pids+=("$paygate_pid")
  wait_for_200 "http://127.0.0.1:$admin_port/readyz" paygate "$paygate_pid" "$work/paygate.log"
}

stop_paygate() {
  kill -TERM "$paygate_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$paygate_pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$paygate_pid" 2>/dev/null || true
}

cpu_ticks() {  # $1 = pid: user + system CPU time so far, in clock ticks (fields after the comm)
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

metric() {  # $1 = metric line prefix (name{labels}); the summed value, 0 when absent
  curl -s "http://127.0.0.1:$admin_port/metrics" |
    awk -v m="$1" 'index($0, m) == 1 { s += $NF } END { printf "%d", s }'
}

write_lua() {  # $1 = round tag: idempotency keys unique across rounds; $2 = notify_url
  cat > "$work/intake.lua" <<LUA
local n = 0
local resource = '{"appid":"wxd678efh567hg6787","mchid":"1230000109","out_trade_no":"1217752501201407033233368018","transaction_id":"1217752501201407033233368018","trade_type":"JSAPI","trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"CMC","attach":"","success_time":"2026-11-30T10:34:56+08:00","payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},"amount":{"total":100,"payer_total":100,"currency":"CNY","payer_currency":"CNY"}}'
local head = '{"mchid":"1230000109","notify_url":"$2","event_type":"TRANSACTION.SUCCESS","resource_type":"transaction","summary":"支付成功","resource":' .. resource .. ',"idempotency_key":"r$1-'
local headers = {["Content-Type"] = "application/json"}
function request()
  n = n + 1
  return wrk.format("POST", "/internal/notifications", headers, head .. n .. '"}')
end
LUA
}

sign_rate() {  # openssl speed rsa2048 sign/s on the paygate cores (summed per core)
  local cores total=0 rate
  IFS=, read -ra cores <<< "$PAYGATE_CORES"
  for c in "${cores[@]}"; do
    rate=$(taskset -c "$c" openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048/ { print $6 }')
    total=$(awk -v a="$total" -v b="$rate" 'BEGIN { printf "%.1f", a + b }')
  done
  echo "$total"
}

results="$work/results"
: > "$results"
# intake STORE TAG URL: fills STORE with events for URL for DURATION; sets rps p50 p99 cpu0 cpu1
# created commits (the paygate runs with dispatchers: 0, so only intake runs).
intake() {
  write_config "$work/intake.yaml" 0 "$1"
  start_paygate "$work/intake.yaml"
  write_lua "$2" "$3"
  cpu0=$(cpu_ticks "$paygate_pid")
  taskset -c "$CLIENT_CORE" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency \
    -s "$work/intake.lua" "http://127.0.0.1:$intake_port" > "$work/wrk-$2.txt"
  grep -q "Non-2xx" "$work/wrk-$2.txt" && die "round $2: intake answered non-2xx (see $work)"
  rps=$(awk '/^Requests\/sec/ { print $2 }' "$work/wrk-$2.txt")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$work/wrk-$2.txt")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$work/wrk-$2.txt")")
  cpu1=$(cpu_ticks "$paygate_pid")
  created=$(metric 'paygate_notify_intakes_total{result="created"}')
  commits=$(metric 'paygate_notify_store_commits_total{connection="intake"}')
  stop_paygate
}

# deliver STORE -> deliveries/s of the backlog in STORE, over DELIVERY_SECONDS
deliver() {
  write_config "$work/deliver.yaml" "$DISPATCHERS" "$1"
  start_paygate "$work/deliver.yaml"
  local d0 d1 t0 t1
  d0=$(metric paygate_notify_delivered_total)
  t0=$(date +%s.%N)
  sleep "$DELIVERY_SECONDS"
  d1=$(metric paygate_notify_delivered_total)
  t1=$(date +%s.%N)
  stop_paygate
  awk -v a="$d0" -v b="$d1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.0f", (b - a) / (e - s) }'
}

for round in $(seq "$ROUNDS"); do
  store="$work/outbox-$round.db"
  tls_store="$work/outbox-$round-tls.db"
  intake "$tls_store" "$round-tls" "$tls_url"
  intake "$store" "$round" "$plain_url"  # the intake figures are this one's
  dps=$(deliver "$store")
  dps_tls=$(deliver "$tls_store")
  sign=$(sign_rate)
  fsync=$(awk -v c="$commits" -v n="$created" 'BEGIN { printf "%.4f", (n > 0 ? c / n : 0) }')
  cpu_us=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$created" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%.1f", (n > 0 ? (b - a) * 1e6 / hz / n : 0) }')
  echo "$rps $p50 $p99 $fsync $dps $sign $created $cpu_us $dps_tls" >> "$results"
  printf 'round %d: intake %s/s p50 %s ms p99 %s ms, fsync/intake %s, %s us CPU/intake (%s events); delivery %s/s, over TLS %s/s, openssl rsa2048 sign %s/s\n' \
    "$round" "$rps" "$p50" "$p99" "$fsync" "$cpu_us" "$created" "$dps" "$dps_tls" "$sign"
  rm -f "$store" "$store-wal" "$store-shm" "$tls_store" "$tls_store-wal" "$tls_store-shm"
done

rps=$(median "$results" 1); p50=$(median "$results" 2); p99=$(median "$results" 3)
fsync=$(median "$results" 4); dps=$(median "$results" 5); sign=$(median "$results" 6)
cpu_us=$(median "$results" 8); dps_tls=$(median "$results" 9)
echo
results_path=$(results_dir)
echo "# bench/notify.sh $(date -u +%Y-%m-%dT%H:%MZ): medians of $ROUNDS rounds, intake ${DURATION}s," \
     "delivery ${DELIVERY_SECONDS}s, $CONNECTIONS connections, $DISPATCHERS dispatcher(s)," \
     "io_backend $IO_BACKEND" > "$results_path/notify.txt"
{
  echo "notify.sh: medians of $ROUNDS rounds (paygate on core(s) $PAYGATE_CORES, wrk+nginx on core $CLIENT_CORE)"
  printf '  intake    %8.0f /s   p50 %s ms  p99 %s ms  fsync per intake %s  CPU %s us per intake   (target >= 20000/s)\n' \
    "$rps" "$p50" "$p99" "$fsync" "$cpu_us"
  printf '  delivery  %8.0f /s   openssl rsa2048 sign %s/s -> %.2fx of the signing limit   (target >= 10000/s)\n' \
    "$dps" "$sign" "$(awk -v d="$dps" -v s="$sign" 'BEGIN { print d / s }')"
  printf '  over TLS  %8.0f /s   -> %.2fx of the signing limit   (target >= 0.90x)\n' \
    "$dps_tls" "$(awk -v d="$dps_tls" -v s="$sign" 'BEGIN { print d / s }')"
  echo "RESULT notify intake_rps=$rps delivery_rps=$dps delivery_tls_rps=$dps_tls sign_rps=$sign" \
    "delivery_ratio=$(awk -v d="$dps" -v s="$sign" 'BEGIN { printf "%.3f", d / s }')" \
    "delivery_tls_ratio=$(awk -v d="$dps_tls" -v s="$sign" 'BEGIN { printf "%.3f", d / s }')"
} | tee -a "$results_path/notify.txt"
printf 'delivery openssl-sign paygate\ncleartext %s %s\nTLS %s %s\n' "$sign" "$dps" "$sign" "$dps_tls" \
  > "$work/plot.dat"
plot_bars "$results_path/notify.png" "Notification deliveries: openssl rsa2048 sign/s and paygate (per s)" \
  "$work/plot.dat" openssl-sign paygate
