#!/usr/bin/env bash
# bench/proxy.sh: plain HTTP/1.1 proxying, paygate beside nginx in the same run.
#
# What is compared
#   wrk -> {nginx | paygate} -> backend, all on 127.0.0.1, keep-alive on both legs.
#   nginx:   1 worker, access_log off, upstream keepalive pool, keepalive_requests unlimited, and
#            told to do what paygate does by default (X-Forwarded-For, X-Request-Id, Via on the
#            request; X-Request-Id on the response), so both proxies do the same work.
#   paygate: workers: 1, access_log: off, one cluster, the demo's WeChat Pay route table.
#   The request is a WeChat Pay "query order" GET (templated route) with a few typical headers;
#   the answer is a small JSON body (~120 bytes).
#
# The backend, and why
#   A second nginx (1 worker, `return 200` of a fixed JSON body, keep-alive, access log off).
#   It is the cheapest well-known HTTP/1.1 server available from Debian: per request it does one
#   read and one write, against the proxy's two of each plus parsing and header rewriting, so
#   per request it costs about a third of what either proxy costs (measured: ~7 us of CPU against
#   ~21 us; the "direct" row's cpu_us/req is the backend's).
#
# Cores (the machine has 2), identical for both proxies
#   core PROXY_CORE  (0): the proxy under test, alone.
#   core CLIENT_CORE (1): wrk (1 thread) AND the backend.
#   The trade-off: the proxy gets a whole core, so the figure is "requests per proxy core"; the
#   price is that wrk and the backend share the other core, which must therefore have headroom.
#   The script checks that instead of assuming it: a "direct" round (wrk -> backend, same core,
#   same connections) measures what core 1 can do on its own, and every round records how busy
#   each core was (from /proc/stat). Core 1 does the same work per request in a proxied round as
#   in the direct round, so when direct req/s is well above the proxied req/s (the script warns
#   below 1.5x), core 1 had headroom and the proxy was the bottleneck. Busy figures near 100% on
#   both cores with low req/s mean other work (compiles) shared the machine: compare cpu_us/req.
#
# Method
#   One warm-up per proxy (fills pools and caches), then ROUNDS rounds, each measuring both
#   proxies in alternating order (ABBA: nginx,paygate / paygate,nginx / ...) so that a drift in
#   background load hits both alike. Reported: the MEDIAN over rounds of req/s, p50 and p99
#   (wrk --latency), the req/s ratio paygate/nginx, p99 paygate vs nginx, and the resident memory
#   of paygate (and of the nginx proxy, for reference) after the run.
#   Also the CPU time each proxy used per request (user + system of its processes, from
#   /proc/PID/stat): on a machine shared with other work (compiles), req/s and p99 swing with the
#   neighbours' load, while CPU per request barely moves, so it is the steadier comparison.
#   Target: paygate >= 1.10x nginx req/s with p99 no worse.
#
# Usage
#   bench/proxy.sh                       # paygate from build/h-bench, else build/release, ...
#   PAYGATE=/path/to/paygate ROUNDS=7 DURATION=15 CONNECTIONS=64 bench/proxy.sh
#   IO_BACKEND=io_uring bench/proxy.sh   # paygate on Asio's io_uring backend (paygate-uring)
#   Needs wrk, nginx, taskset, curl (./scripts/deps.sh --bench). Build paygate in Release first.
#
# Output: a table, then machine-readable lines:
#   RESULT proxy nginx_rps=... paygate_rps=... ratio=... nginx_p50_ms=... ... pass=yes|no
# Exit status: 0 when the benchmark ran (whatever the figures), 1 when something broke.

set -euo pipefail

ROUNDS=${ROUNDS:-5}               # measured rounds, each runs both proxies
DURATION=${DURATION:-10}          # seconds per measurement
WARMUP=${WARMUP:-2}               # seconds of warm-up per proxy
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-1}             # wrk threads (on CLIENT_CORE)
PROXY_CORE=${PROXY_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
BACKEND_CORE=${BACKEND_CORE:-$CLIENT_CORE}
TARGET_RATIO=${TARGET_RATIO:-1.10}
REQUEST_PATH=${REQUEST_PATH:-/v3/pay/transactions/id/4200001234202401011234567890}
IO_BACKEND=${IO_BACKEND:-}        # paygate's io_backend (epoll | io_uring); unset: its default

bench_name=proxy.sh
bench_work_prefix=paygate-proxy-bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_tools wrk nginx taskset curl
NGINX=$(command -v nginx)
PAYGATE_BIN=${PAYGATE:-$(find_bin paygate)}
[[ -x "$PAYGATE_BIN" ]] || die "$PAYGATE_BIN is not executable"

pick_port_into BACKEND_PORT
pick_port_into NGINX_PORT
pick_port_into PAYGATE_PORT

# ---- configurations --------------------------------------------------------------------------

mkdir -p "$work/paygate"
write_backend_conf "$work/backend" "$BACKEND_PORT"
write_nginx_conf "$work/nginx" "    upstream backend {
        server 127.0.0.1:$BACKEND_PORT;
        keepalive $((CONNECTIONS * 2));
        keepalive_requests 100000000;
        keepalive_timeout 300s;
    }
    server {
        listen 127.0.0.1:$NGINX_PORT reuseport backlog=4096;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Request-Id \$request_id;
            proxy_set_header Via \"1.1 nginx\";
            proxy_buffering on;
            add_header X-Request-Id \$request_id;
        }
    }"

cat > "$work/paygate/paygate.yaml" <<EOF
workers: 1
${IO_BACKEND:+io_backend: $IO_BACKEND}
drain_timeout: 1s
listener:
  address: 127.0.0.1
  port: $PAYGATE_PORT
admin:
  address: 127.0.0.1
  port: 0
log:
  level: info
  error_log: $work/paygate/error.log
  access_log: "off"
clusters:
  - name: backend
    endpoints: [127.0.0.1:$BACKEND_PORT]
    max_idle_per_endpoint: $((CONNECTIONS * 2))
routes:
  - name: jsapi-prepay
    path: /v3/pay/transactions/jsapi
    methods: [POST]
    cluster: backend
  - name: order-by-transaction-id
    path: /v3/pay/transactions/id/{transaction_id}
    methods: [GET]
    cluster: backend
  - name: order-by-out-trade-no
    path: /v3/pay/transactions/out-trade-no/{out_trade_no}
    methods: [GET]
    cluster: backend
  - name: create-refund
    path: /v3/refund/domestic/refunds
    methods: [POST]
    cluster: backend
  - name: v3-catch-all
    prefix: /v3/
    cluster: backend
EOF

# ---- processes -------------------------------------------------------------------------------



"$PAYGATE_BIN" check -c "$work/paygate/paygate.yaml" > "$work/paygate/check.log" 2>&1 ||
  { cat "$work/paygate/check.log" >&2; die "paygate rejected the benchmark configuration"; }

start_nginx "$work/backend" "$BACKEND_CORE"; backend_pid=$started_pid
wait_for_200 "http://127.0.0.1:$BACKEND_PORT$REQUEST_PATH" "backend nginx" "$backend_pid"
start_nginx "$work/nginx" "$PROXY_CORE"; nginx_pid=$started_pid
taskset -c "$PROXY_CORE" "$PAYGATE_BIN" run -c "$work/paygate/paygate.yaml" \
  > "$work/paygate/stdout.log" 2>&1 &
paygate_pid=$!
pids+=("$paygate_pid")
wait_for_200 "http://127.0.0.1:$NGINX_PORT$REQUEST_PATH" "nginx proxy" "$nginx_pid"
wait_for_200 "http://127.0.0.1:$PAYGATE_PORT$REQUEST_PATH" "paygate" "$paygate_pid"

# ---- measuring -------------------------------------------------------------------------------

cpu_sample() {  # prints "busy0 total0 busy1 total1" for PROXY_CORE and CLIENT_CORE
  awk -v a="cpu$PROXY_CORE" -v b="cpu$CLIENT_CORE" '
    $1 == a || $1 == b { t = 0; for (i = 2; i <= NF; i++) t += $i; idle = $5 + $6
                         v[$1] = (t - idle) " " t }
    END { print v[a], v[b] }' /proc/stat
}

busy_pct() {  # $1 = before, $2 = after (cpu_sample); prints "core0% core1%"
  awk -v x="$1" -v y="$2" 'BEGIN { split(x, a); split(y, b)
    printf "%.0f %.0f", 100 * (b[1] - a[1]) / (b[2] - a[2] + 1e-9),
                        100 * (b[3] - a[3]) / (b[4] - a[4] + 1e-9) }'
}

# wrk's latency figures come as 812.00us / 1.23ms / 1.01s: print milliseconds.

# CPU time (user + system, in clock ticks) used so far by the given processes and their threads.
TICK_HZ=$(getconf CLK_TCK)

# The processes whose CPU time counts as "the proxy" for a port: nginx's master and workers,
# or paygate (all its threads).
proxy_pids() {
  case $1 in
    "$NGINX_PORT") echo "$nginx_pid" $(pgrep -P "$nginx_pid" || true) ;;
    "$PAYGATE_PORT") echo "$paygate_pid" ;;
    *) echo "$backend_pid" $(pgrep -P "$backend_pid" || true) ;;
  esac
}

# run_wrk NAME PORT SECONDS
#   -> appends "rps p50 p99 core0% core1% errors cpu_us_per_request" to $work/NAME.results.
# cpu_us_per_request is the CPU time the proxy itself used per request (user + system, from
# /proc/PID/stat): unlike req/s it barely moves when other work shares the machine.
run_wrk() {
  local name=$1 port=$2 seconds=$3 out="$work/wrk-$1-$RANDOM.txt" before after ticks0 ticks1
  local watched
  watched=$(proxy_pids "$port")
  ticks0=$(proc_ticks $watched)
  before=$(cpu_sample)
  timeout $((seconds + 30)) taskset -c "$CLIENT_CORE" wrk -t"$THREADS" -c"$CONNECTIONS" \
    -d"${seconds}s" --latency --timeout 5s \
    -H 'Accept: application/json' -H 'User-Agent: paygate-bench/1.0' \
    -H 'Accept-Language: zh-CN' \
    "http://127.0.0.1:$port$REQUEST_PATH" > "$out" 2>&1 || die "wrk against $name failed: $(cat "$out")"
  after=$(cpu_sample)
  ticks1=$(proc_ticks $watched)
  local rps p50 p99 errors busy requests cpu_us
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
  errors=$(awk '/Non-2xx or 3xx responses:/ { n += $NF }
                /Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 }
                END { print n + 0 }' "$out")
  [[ -n "$rps" ]] || die "could not read wrk's output for $name: $(cat "$out")"
  busy=$(busy_pct "$before" "$after")
  requests=$(awk '/requests in/ { print $1 }' "$out")
  cpu_us=$(awk -v t=$((ticks1 - ticks0)) -v hz="$TICK_HZ" -v n="$requests" \
    'BEGIN { printf "%.2f", (n > 0 ? t * 1e6 / hz / n : 0) }')
  echo "$rps $p50 $p99 $busy $errors $cpu_us" >> "$work/$name.results"
  printf '  %-8s %8.0f req/s  p50 %7.3f ms  p99 %7.3f ms  cpu %5.2f us/req  busy core%s %3s%%  core%s %3s%%  errors %s\n' \
    "$name" "$rps" "$p50" "$p99" "$cpu_us" "$PROXY_CORE" "${busy% *}" "$CLIENT_CORE" "${busy#* }" \
    "$errors"
}


rss_kib() {  # $1 = pid -> VmRSS in KiB (0 if gone)
  awk '/^VmRSS:/ { print $2; f = 1 } END { if (!f) print 0 }' "/proc/$1/status" 2>/dev/null || echo 0
}

echo "proxy.sh: paygate=$PAYGATE_BIN (io_backend: ${IO_BACKEND:-default}) nginx=$NGINX"
echo "proxy.sh: ${ROUNDS} rounds x ${DURATION}s, ${CONNECTIONS} connections, wrk ${THREADS} thread(s);" \
     "proxy on core $PROXY_CORE, wrk on core $CLIENT_CORE, backend on core $BACKEND_CORE;" \
     "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "warm-up (${WARMUP}s each, not counted):"
run_wrk warmup "$NGINX_PORT" "$WARMUP"
run_wrk warmup "$PAYGATE_PORT" "$WARMUP"
echo "direct: wrk -> backend (the ceiling of core $CLIENT_CORE; not a proxy):"
run_wrk direct "$BACKEND_PORT" "$DURATION"

for round in $(seq "$ROUNDS"); do
  echo "round $round/$ROUNDS:"
  if (( round % 2 )); then order="nginx paygate"; else order="paygate nginx"; fi
  for name in $order; do
    if [[ $name == nginx ]]; then port=$NGINX_PORT; else port=$PAYGATE_PORT; fi
    run_wrk "$name" "$port" "$DURATION"
  done
done

# ---- report ----------------------------------------------------------------------------------

paygate_rss=$(rss_kib "$paygate_pid")
nginx_rss=0
for p in $(pgrep -P "$nginx_pid" || true) "$nginx_pid"; do nginx_rss=$((nginx_rss + $(rss_kib "$p"))); done
kill -0 "$paygate_pid" 2>/dev/null || die "paygate died during the run"

for name in nginx paygate direct; do
  for col in 1 2 3 4 5 6 7; do eval "${name}_c$col=\$(median \"\$work/$name.results\" $col)"; done
done
ratio=$(awk -v a="$paygate_c1" -v b="$nginx_c1" 'BEGIN { printf "%.3f", a / b }')
cpu_ratio=$(awk -v a="$paygate_c7" -v b="$nginx_c7" 'BEGIN { printf "%.3f", b / a }')
p99_ratio=$(awk -v a="$paygate_c3" -v b="$nginx_c3" 'BEGIN { printf "%.3f", a / b }')
errors=$(awk '{ n += $6 } END { print n + 0 }' "$work/nginx.results" "$work/paygate.results")
pass=$(awk -v r="$ratio" -v t="$TARGET_RATIO" -v p="$paygate_c3" -v q="$nginx_c3" -v e="$errors" \
  'BEGIN { print ((r >= t && p <= q && e == 0) ? "yes" : "no") }')

echo
echo "median of $ROUNDS rounds, ${DURATION}s each, $CONNECTIONS connections"
printf '%-9s %10s %9s %9s %11s %7s %7s %9s\n' proxy req/s p50_ms p99_ms cpu_us/req \
  "core$PROXY_CORE%" "core$CLIENT_CORE%" rss_kib
printf '%-9s %10.0f %9.3f %9.3f %11.2f %7.0f %7.0f %9s\n' \
  nginx "$nginx_c1" "$nginx_c2" "$nginx_c3" "$nginx_c7" "$nginx_c4" "$nginx_c5" "$nginx_rss" \
  paygate "$paygate_c1" "$paygate_c2" "$paygate_c3" "$paygate_c7" "$paygate_c4" "$paygate_c5" \
  "$paygate_rss" \
  direct "$direct_c1" "$direct_c2" "$direct_c3" "$direct_c7" "$direct_c4" "$direct_c5" -
echo "paygate/nginx req/s: ${ratio}x (target >= ${TARGET_RATIO}x); p99 paygate/nginx: ${p99_ratio}" \
     "(target <= 1); errors: $errors; target met: $pass"
echo "proxy CPU per request, nginx/paygate: ${cpu_ratio}x (above 1: paygate does a request with" \
     "less CPU; the noise-resistant view of the same race). direct cpu_us/req is the backend's."

if awk -v d="$direct_c1" -v a="$paygate_c1" -v b="$nginx_c1" \
     'BEGIN { exit !(d < 1.5 * (a > b ? a : b)) }'; then
  echo "WARNING: the direct round is less than 1.5x the best proxy: core $CLIENT_CORE (wrk +" \
       "backend) may be limiting; the ratio understates the faster proxy." >&2
fi
for name in nginx paygate; do
  eval "busy=\$${name}_c4"
  if (( ${busy%.*} < 90 )); then
    echo "WARNING: $name kept core $PROXY_CORE only ${busy}% busy: it waited on something else" \
         "(core $CLIENT_CORE, the backend), so it was not the bottleneck." >&2
  fi
done

echo "RESULT proxy nginx_rps=$nginx_c1 paygate_rps=$paygate_c1 ratio=$ratio" \
     "nginx_p50_ms=$nginx_c2 nginx_p99_ms=$nginx_c3 paygate_p50_ms=$paygate_c2" \
     "paygate_p99_ms=$paygate_c3 p99_ratio=$p99_ratio nginx_cpu_us=$nginx_c7" \
     "paygate_cpu_us=$paygate_c7 cpu_ratio=$cpu_ratio paygate_rss_kib=$paygate_rss" \
     "nginx_rss_kib=$nginx_rss direct_rps=$direct_c1 errors=$errors rounds=$ROUNDS" \
     "duration_s=$DURATION connections=$CONNECTIONS pass=$pass"
