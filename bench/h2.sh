#!/usr/bin/env bash
# bench/h2.sh: paygate's HTTP/2 serving beside nginx's in the same run, with h2load.
#
# What is compared
#   h2load (CLIENTS connections, STREAMS concurrent streams each) -> {nginx | paygate}, both
#   with HTTP/2 on, on 127.0.0.1:
#     respond  each server answers a small JSON body by itself (paygate: a `respond` route;
#              nginx: `return 200`): HTTP/2 serving alone.
#     proxy    each server proxies to the same nginx backend over keep-alive HTTP/1.1 (paygate:
#              a cluster; nginx: proxy_pass with an upstream keepalive pool, both keeping up to
#              1024 idle connections so that the CLIENTS x STREAMS requests in flight each find
#              one): HTTP/2 in front of an HTTP/1.1 backend, the gateway's everyday work.
#   Each over TLS (ALPN h2, an ECDSA P-256 certificate, TLS 1.3) and over cleartext h2c (prior
#   knowledge). nginx 1.22 as Debian ships it: `listen ... http2`, its stock HTTP/2 settings
#   (128 concurrent streams), access log off; paygate's stock `http2` settings.
#
# Cores: each server on SERVER_CORE (0), h2load on CLIENT_CORE (1), the backend (proxy) on
# BACKEND_CORE (1, beside the client: it is the same for both servers).
# Method: one warm-up per server and case, then ROUNDS rounds alternating the order (ABBA);
# medians. CPU per request is the server's user + system time over the requests it answered.
# Usage: bench/h2.sh   (ROUNDS=5 DURATION=6 CLIENTS=4 STREAMS=100 PAYGATE=... to override)
# Output: a table, then `RESULT h2 case=... ...` lines, also written to bench/results/h2.txt,
# with h2-rps.png (req/s) and h2-cpu.png (CPU per request), nginx beside paygate per case.

set -euo pipefail

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-6}
WARMUP=${WARMUP:-2}
CLIENTS=${CLIENTS:-4}
STREAMS=${STREAMS:-100}
SERVER_CORE=${SERVER_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
BACKEND_CORE=${BACKEND_CORE:-1}

bench_name=h2.sh
bench_work_prefix=paygate-h2-bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_tools h2load nginx taskset curl
NGINX=$(command -v nginx)
PAYGATE_BIN=${PAYGATE:-$(find_bin paygate)}
BODY='{"appid":"wxd678efh567hg6787","mchid":"1230000109","trade_state":"SUCCESS"}'

"$PAYGATE_BIN" keys new --role tls --dir "$work/tls" >/dev/null
cert=$work/tls/tls-server.cert.pem
key=$work/tls/tls-server.key.pem

# ---- the backend both proxies use -------------------------------------------------------------

pick_port_into backend_port
write_backend_conf "$work/backend" "$backend_port"
start_nginx "$work/backend" "$BACKEND_CORE"
backend_pid=$started_pid

# ---- servers: one paygate and one nginx, each with a TLS and a cleartext listener -------------

pick_port_into paygate_tls
pick_port_into paygate_h2c
pick_port_into paygate_admin
cat > "$work/paygate.yaml" <<EOF
workers: 1
listeners:
  - address: 127.0.0.1
    port: $paygate_tls
    tls: {certificates: [{certificate_file: $cert, key_file: $key}]}
  - {address: 127.0.0.1, port: $paygate_h2c}
admin: {address: 127.0.0.1, port: $paygate_admin}
log: {level: warn, error_log: $work/paygate.log, access_log: "off"}
clusters:
  - name: backend
    endpoints: ["127.0.0.1:$backend_port"]
    max_idle_per_endpoint: 1024
routes:
  - name: respond
    prefix: /respond/
    respond: {status: 200, content_type: application/json, body: '$BODY'}
  - {name: proxy, prefix: /proxy/, cluster: backend}
EOF
taskset -c "$SERVER_CORE" "$PAYGATE_BIN" run -c "$work/paygate.yaml" > "$work/paygate.out" 2>&1 &
paygate_pid=$!
pids+=("$paygate_pid")

pick_port_into nginx_tls
pick_port_into nginx_h2c
write_nginx_conf "$work/nginx" "    ssl_protocols TLSv1.2 TLSv1.3;
    upstream backend { server 127.0.0.1:$backend_port; keepalive 1024; }
    server {
        listen 127.0.0.1:$nginx_tls ssl http2 reuseport backlog=4096;
        listen 127.0.0.1:$nginx_h2c http2 reuseport backlog=4096;
        ssl_certificate $cert;
        ssl_certificate_key $key;
        location /respond/ { default_type application/json; return 200 '$BODY'; }
        location /proxy/ {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
        }
    }"
start_nginx "$work/nginx" "$SERVER_CORE"
nginx_pid=$started_pid

wait_for_200 "http://127.0.0.1:$backend_port/" backend "$backend_pid"
wait_for_200 "https://127.0.0.1:$paygate_tls/respond/x" paygate "$paygate_pid" "$work/paygate.out"
wait_for_200 "https://127.0.0.1:$nginx_tls/respond/x" nginx "$nginx_pid"

declare -A server_pid=([paygate]=$paygate_pid [nginx]=$nginx_pid)
declare -A url=(
  [paygate-tls]="https://127.0.0.1:$paygate_tls" [paygate-h2c]="http://127.0.0.1:$paygate_h2c"
  [nginx-tls]="https://127.0.0.1:$nginx_tls" [nginx-h2c]="http://127.0.0.1:$nginx_h2c")

# measure SERVER TRANSPORT CASE SECONDS -> "req_s mean_ms cpu_us_per_req" on stdout
measure() {
  local server=$1 transport=$2 case=$3 seconds=$4 pid=${server_pid[$1]}
  local before after out
  before=$(proc_ticks "$pid" $(pgrep -P "$pid" || true))
  out=$(taskset -c "$CLIENT_CORE" h2load -t1 -c"$CLIENTS" -m"$STREAMS" -D"$seconds" \
    "${url[$server-$transport]}/$case/v3/pay/transactions/id/4200001234" 2>&1)
  after=$(proc_ticks "$pid" $(pgrep -P "$pid" || true))
  local rps mean done failed
  rps=$(awk '/^finished in/ { print $4 }' <<<"$out")
  mean=$(to_ms "$(awk '/^time for request:/ { print $6 }' <<<"$out")")
  done=$(awk '/^requests:/ { print $8 }' <<<"$out")
  failed=$(awk '/^requests:/ { print $10 }' <<<"$out")
  [[ "$failed" == 0 ]] || die "$server $transport $case: $failed requests failed: $out"
  awk -v r="$rps" -v m="$mean" -v t=$((after - before)) -v n="$done" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%s %s %.2f\n", r, m, (n > 0 ? t / hz * 1e6 / n : 0) }'
}

cases=(respond proxy)
transports=(tls h2c)
for c in "${cases[@]}"; do
  for t in "${transports[@]}"; do
    for s in nginx paygate; do measure "$s" "$t" "$c" "$WARMUP" >/dev/null; done
  done
done
for c in "${cases[@]}"; do
  for t in "${transports[@]}"; do
    for round in $(seq "$ROUNDS"); do
      order=(nginx paygate)
      (( round % 2 == 0 )) && order=(paygate nginx)
      for s in "${order[@]}"; do measure "$s" "$t" "$c" "$DURATION" >> "$work/$c-$t-$s.txt"; done
    done
  done
done

# ---- report ------------------------------------------------------------------------------------

echo
results=$(results_dir)
echo "# bench/h2.sh $(date -u +%Y-%m-%dT%H:%MZ): medians of $ROUNDS rounds x ${DURATION}s," \
     "h2load $CLIENTS connections x $STREAMS streams" > "$results/h2.txt"
{
  echo "h2load -c$CLIENTS -m$STREAMS, ${DURATION}s x $ROUNDS rounds, medians"
  printf '%-8s %-4s %-8s %12s %10s %12s\n' case tls server "req/s" "mean ms" "cpu us/req"
  for c in "${cases[@]}"; do
    for t in "${transports[@]}"; do
      for s in nginx paygate; do
        f=$work/$c-$t-$s.txt
        printf '%-8s %-4s %-8s %12.0f %10.2f %12.2f\n' "$c" "$t" "$s" \
          "$(median "$f" 1)" "$(median "$f" 2)" "$(median "$f" 3)"
      done
      n=$work/$c-$t-nginx.txt; p=$work/$c-$t-paygate.txt
      echo "RESULT h2 case=$c transport=$t nginx_rps=$(median "$n" 1) paygate_rps=$(median "$p" 1)" \
        "ratio=$(awk -v a="$(median "$p" 1)" -v b="$(median "$n" 1)" 'BEGIN { printf "%.3f", a / b }')" \
        "nginx_mean_ms=$(median "$n" 2) paygate_mean_ms=$(median "$p" 2)" \
        "nginx_cpu_us=$(median "$n" 3) paygate_cpu_us=$(median "$p" 3)"
    done
  done
} | tee -a "$results/h2.txt"
echo "case nginx paygate" > "$work/plot-rps.dat"
echo "case nginx paygate" > "$work/plot-cpu.dat"
for c in "${cases[@]}"; do
  for t in "${transports[@]}"; do
    n=$work/$c-$t-nginx.txt; p=$work/$c-$t-paygate.txt
    echo "$c-$t $(median "$n" 1) $(median "$p" 1)" >> "$work/plot-rps.dat"
    echo "$c-$t $(median "$n" 3) $(median "$p" 3)" >> "$work/plot-cpu.dat"
  done
done
plot_bars "$results/h2-rps.png" "HTTP/2, server on one core: nginx and paygate (req/s)" \
  "$work/plot-rps.dat" nginx paygate
plot_bars "$results/h2-cpu.png" "HTTP/2: CPU per request on the server core (us, lower is better)" \
  "$work/plot-cpu.dat" nginx paygate
