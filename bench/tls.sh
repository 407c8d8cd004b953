#!/usr/bin/env bash
# bench/tls.sh: paygate's TLS listener beside nginx in the same run, with `openssl speed` of the
# certificate's signature as the ceiling of full handshakes.
#
# What is compared
#   wrk -> {nginx | paygate} over TLS on 127.0.0.1; each server answers a small JSON body by
#   itself (paygate: a `respond` route; nginx: `return 200`), so the figures are TLS plus
#   HTTP/1.1 serving, no upstream.
#   Both: 1 worker, TLS 1.2 and 1.3, session tickets on, a session cache, the same certificate.
#   nginx's stock TLS has no session cache (`ssl_session_cache none`); it is given one here so
#   both do the same work.
#   Modes, each with an ECDSA P-256 and an RSA-2048 certificate:
#     keepalive  CONNECTIONS keep-alive connections: req/s, p99 and CPU per request.
#     resumed    `Connection: close` on every request, so every request is a new connection and
#                a handshake, which wrk resumes from its previous connection's session:
#                connections/s (= req/s) and CPU per handshake. paygate's
#                paygate_tls_handshakes_total says how many were full or resumed, and the script
#                prints it.
#     full       the same against a second server of each kind with tickets and the session
#                cache off, so that every handshake is a full one.
#
# Cores: the server on SERVER_CORE (0), wrk on CLIENT_CORE (1). A full handshake costs the
# client too (ECDHE, and the certificate's verification): with ECDSA the client's share is
# about as large as the server's, so the ECDSA handshake rate is bounded by the client core and
# reads the same for both servers; the per-handshake CPU column still compares them. RSA-2048
# signing costs the server ~30x what verifying costs the client, so the RSA handshake rate is
# server-bound, and `openssl speed rsa2048` sign/s (one core, same run) is its ceiling.
#
# Method: one warm-up per server, then ROUNDS rounds alternating the order (ABBA); medians.
# Usage: bench/tls.sh   (ROUNDS=5 DURATION=8 CONNECTIONS=64 PAYGATE=... to override)
# Output: a table per mode, then `RESULT tls mode=... cert=... ...` lines, also written to
# bench/results/tls.txt, with tls-keepalive.png (keep-alive req/s) and tls-handshakes.png
# (handshakes/s of the resumed and full modes), nginx beside paygate.

set -euo pipefail

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-64}
SERVER_CORE=${SERVER_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}

bench_name=tls.sh
bench_work_prefix=paygate-tls-bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_tools wrk nginx taskset curl openssl
NGINX=$(command -v nginx)
PAYGATE_BIN=${PAYGATE:-$(find_bin paygate)}
BODY='{"appid":"wxd678efh567hg6787","mchid":"1230000109","trade_state":"SUCCESS"}'

# ---- certificates: ECDSA P-256 (paygate keys new --role tls) and RSA-2048 -------------------

"$PAYGATE_BIN" keys new --role tls --dir "$work/ecdsa" >/dev/null
mv "$work/ecdsa/tls-server.cert.pem" "$work/ecdsa/cert.pem"
mv "$work/ecdsa/tls-server.key.pem" "$work/ecdsa/key.pem"
mkdir -p "$work/rsa"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$work/rsa/key.pem" -out "$work/rsa/cert.pem" 2>/dev/null

# ---- servers: one of each per certificate ----------------------------------------------------

start_paygate() {  # $1 = cert dir, $2 = full|resumable; sets started_pid, paygate_port, paygate_admin
  pick_port_into paygate_port
  pick_port_into paygate_admin
  local resumption=""
  [[ $2 == full ]] && resumption="
    session_tickets: false
    session_cache_size: 0"
  cat > "$1/paygate-$2.yaml" <<EOF
workers: 1
listener:
  address: 127.0.0.1
  port: $paygate_port
  tls:
    certificates: [{certificate_file: $1/cert.pem, key_file: $1/key.pem}]$resumption
admin: {address: 127.0.0.1, port: $paygate_admin}
log: {level: warn, error_log: $1/paygate.log, access_log: "off"}
routes:
  - name: order
    prefix: /
    respond: {status: 200, content_type: application/json, body: '$BODY'}
EOF
  taskset -c "$SERVER_CORE" "$PAYGATE_BIN" run -c "$1/paygate-$2.yaml" > "$1/paygate-$2.out" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
}

start_nginx_tls() {  # $1 = cert dir, $2 = full|resumable; sets started_pid, nginx_port
  pick_port_into nginx_port
  local resumption="ssl_session_cache shared:TLS:20m;
    ssl_session_tickets on;"
  [[ $2 == full ]] && resumption="ssl_session_cache off;
    ssl_session_tickets off;"
  write_nginx_conf "$1/nginx-$2" "    ssl_protocols TLSv1.2 TLSv1.3;
    $resumption
    server {
        listen 127.0.0.1:$nginx_port ssl reuseport backlog=4096;
        ssl_certificate $1/cert.pem;
        ssl_certificate_key $1/key.pem;
        location / { default_type application/json; return 200 '$BODY'; }
    }"
  start_nginx "$1/nginx-$2" "$SERVER_CORE"
}

declare -A server_pid server_port admin_port
for cert in ecdsa rsa; do
  for resumption in resumable full; do
    name=$cert; [[ $resumption == full ]] && name=$cert-full
    start_paygate "$work/$cert" "$resumption"
    server_pid[paygate-$name]=$started_pid; server_port[paygate-$name]=$paygate_port
    admin_port[$name]=$paygate_admin
    start_nginx_tls "$work/$cert" "$resumption"
    server_pid[nginx-$name]=$started_pid; server_port[nginx-$name]=$nginx_port
  done
done
for name in "${!server_port[@]}"; do
  wait_for_200 "https://127.0.0.1:${server_port[$name]}/" "$name" "${server_pid[$name]}"
done

# ---- one measurement -----------------------------------------------------------------------

# measure NAME MODE SECONDS -> "req_s p99_ms cpu_us_per_req" on stdout
measure() {
  local name=$1 mode=$2 seconds=$3 pid=${server_pid[$1]} port=${server_port[$1]}
  local connections=$CONNECTIONS header=()
  if [[ $mode != keepalive ]]; then header=(-H "Connection: close"); connections=16; fi
  local before after out
  before=$(proc_ticks "$pid" $(pgrep -P "$pid" || true))
  out=$(taskset -c "$CLIENT_CORE" wrk -t1 -c"$connections" -d"${seconds}s" --latency \
    "${header[@]}" "https://127.0.0.1:$port/v3/pay/transactions/id/4200001234")
  after=$(proc_ticks "$pid" $(pgrep -P "$pid" || true))
  local rps p99 requests
  rps=$(awk '/^Requests\/sec/ { print $2 }' <<<"$out")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
  requests=$(awk '/requests in/ { print $1 }' <<<"$out")
  local hz
  hz=$(getconf CLK_TCK)
  awk -v r="$rps" -v p="$p99" -v t=$((after - before)) -v n="$requests" -v hz="$hz" \
    'BEGIN { printf "%s %s %.2f\n", r, p, (n > 0 ? t / hz * 1e6 / n : 0) }'
}

# paygate_tls_handshakes_total{result=RESULT} of the paygate serving CERT
handshakes() {
  curl -s "http://127.0.0.1:${admin_port[$1]}/metrics" |
    awk -v r="$2" '$1 == "paygate_tls_handshakes_total{result=\"" r "\"}" { print $2 }'
}

# ---- the reference: one core's signatures per second ------------------------------------------

speed=$(taskset -c "$SERVER_CORE" openssl speed -seconds 3 rsa2048 ecdsap256 2>/dev/null)
rsa_sign=$(awk '/^rsa 2048 bits/ { print $6 }' <<<"$speed")
ecdsa_sign=$(awk '/256 bits ecdsa \(nistp256\)/ { print $7 }' <<<"$speed")

# ---- rounds --------------------------------------------------------------------------------

# server NAME of SERVER (nginx|paygate) with CERT for MODE: the full mode has servers of its own
server_for() { [[ $3 == full ]] && echo "$1-$2-full" || echo "$1-$2"; }

modes=(keepalive resumed full)
for mode in "${modes[@]}"; do
  for cert in ecdsa rsa; do
    for server in nginx paygate; do
      measure "$(server_for "$server" "$cert" "$mode")" "$mode" "$WARMUP" >/dev/null
    done
  done
done
for mode in "${modes[@]}"; do
  for cert in ecdsa rsa; do
    for round in $(seq "$ROUNDS"); do
      order=(nginx paygate)
      (( round % 2 == 0 )) && order=(paygate nginx)
      for server in "${order[@]}"; do
        measure "$(server_for "$server" "$cert" "$mode")" "$mode" "$DURATION" \
          >> "$work/$mode-$cert-$server.txt"
      done
    done
  done
done

# ---- report --------------------------------------------------------------------------------

echo
results=$(results_dir)
echo "# bench/tls.sh $(date -u +%Y-%m-%dT%H:%MZ): medians of $ROUNDS rounds x ${DURATION}s," \
     "$CONNECTIONS keep-alive connections, 16 in the handshake modes" > "$results/tls.txt"
{
  echo "openssl speed on one core: RSA-2048 ${rsa_sign} sign/s, ECDSA P-256 ${ecdsa_sign} sign/s"
  printf '%-10s %-6s %-8s %12s %9s %14s\n' mode cert server "req/s" "p99 ms" "cpu us/req"
  for mode in "${modes[@]}"; do
    for cert in ecdsa rsa; do
      for server in nginx paygate; do
        f="$work/$mode-$cert-$server.txt"
        printf '%-10s %-6s %-8s %12.0f %9.2f %14.2f\n' "$mode" "$cert" "$server" \
          "$(median "$f" 1)" "$(median "$f" 2)" "$(median "$f" 3)"
      done
      n=$work/$mode-$cert-nginx.txt; p=$work/$mode-$cert-paygate.txt
      ceiling=$([[ $cert == rsa ]] && echo "$rsa_sign" || echo "$ecdsa_sign")
      echo "RESULT tls mode=$mode cert=$cert nginx_rps=$(median "$n" 1) paygate_rps=$(median "$p" 1)" \
        "ratio=$(awk -v a="$(median "$p" 1)" -v b="$(median "$n" 1)" 'BEGIN { printf "%.3f", a / b }')" \
        "nginx_p99_ms=$(median "$n" 2) paygate_p99_ms=$(median "$p" 2)" \
        "nginx_cpu_us=$(median "$n" 3) paygate_cpu_us=$(median "$p" 3)" \
        "$([[ $mode != keepalive ]] && echo "paygate_vs_openssl_speed=$(awk -v a="$(median "$p" 1)" -v b="$ceiling" 'BEGIN { printf "%.3f", a / b }')")"
    done
  done
  for name in ecdsa rsa ecdsa-full rsa-full; do
    echo "paygate $name handshakes: full $(handshakes "$name" full), resumed $(handshakes "$name" resumed), failed $(handshakes "$name" failed)"
  done
} | tee -a "$results/tls.txt"
echo "cert nginx paygate" > "$work/plot-keepalive.dat"
echo "mode nginx paygate" > "$work/plot-handshakes.dat"
for mode in "${modes[@]}"; do
  for cert in ecdsa rsa; do
    row="$(median "$work/$mode-$cert-nginx.txt" 1) $(median "$work/$mode-$cert-paygate.txt" 1)"
    if [[ $mode == keepalive ]]; then echo "$cert $row" >> "$work/plot-keepalive.dat"
    else echo "$mode-$cert $row" >> "$work/plot-handshakes.dat"; fi
  done
done
plot_bars "$results/tls-keepalive.png" "HTTPS keep-alive, one core: nginx and paygate (req/s)" \
  "$work/plot-keepalive.dat" nginx paygate
plot_bars "$results/tls-handshakes.png" "A TLS handshake per request, one core: nginx and paygate (handshakes/s)" \
  "$work/plot-handshakes.dat" nginx paygate
