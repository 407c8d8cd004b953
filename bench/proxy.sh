#!/usr/bin/env bash
# bench/proxy.sh: plain HTTP/1.1 proxying, paygate beside nginx and HAProxy in the same run, in
# two views.
#
# What is compared
#   wrk -> {nginx | HAProxy | paygate} -> backend, all on 127.0.0.1, keep-alive on both legs.
#   Each proxy runs one worker (nginx worker_processes 1, HAProxy nbthread 1, paygate workers: 1)
#   pinned to the same core, so every figure is "per proxy core".
#   The "stock" view is what a user measures: each proxy with its usual keep-alive reverse-proxy
#   configuration, logging every request to a file as it does out of the box:
#     nginx:   Debian's http settings (sendfile, tcp_nopush, keepalive_timeout 65, the default
#              keepalive_requests 1000), access_log in the combined format, an upstream keepalive
#              pool of 2 x connections (never short, so nginx does not pay for reconnects),
#              proxy_http_version 1.1, Connection "", Host, X-Real-IP, X-Forwarded-For,
#              X-Forwarded-Proto: the lines every reverse-proxy guide gives.
#     HAProxy: Debian's defaults (option httplog, option dontlognull, log global) with the log
#              on stdout (a file) instead of /dev/log, http-reuse always, option forwardfor.
#     paygate: its defaults: telemetry on (metrics, W3C trace context), request id, Via,
#              X-Forwarded-For, the access log on stdout (a file).
#   The "equal work" view asks the same work of all three: no access log; nginx and HAProxy told
#   to do what paygate does by default (X-Forwarded-For, X-Request-Id and Via on the request,
#   X-Request-Id on the response); paygate with access_log: off.
#   paygate routes on the demo's WeChat Pay route table in both views; the request is a WeChat
#   Pay "query order" GET (templated route) with a few typical headers; the answer is a small
#   JSON body (~120 bytes).
#
# The backend, and why
#   A second nginx (1 worker, `return 200` of a fixed JSON body, keep-alive, access log off).
#   It is the cheapest well-known HTTP/1.1 server available from Debian: per request it does one
#   read and one write, against the proxy's two of each plus parsing and header rewriting (the
#   "direct" row's cpu_us/req is the backend's).
#
# Cores (the machine has 2), identical for every proxy
#   core PROXY_CORE  (0): the proxy under test, alone (the others are idle meanwhile).
#   core CLIENT_CORE (1): wrk (1 thread) AND the backend.
#   The proxy gets a whole core, so req/s is "requests per proxy core"; wrk and the backend share
#   the other core, which must therefore have headroom. A "direct" round (wrk -> backend)
#   measures what core 1 can do on its own; the script warns when it is below 1.5x the best
#   proxy. Every round records how busy each core was (/proc/stat).
#
# Method
#   One warm-up per proxy, then ROUNDS rounds, each measuring all six instances, the order
#   reversed every other round so that drift hits all alike. Reported per instance: the MEDIAN
#   over rounds of req/s, p50 and p99 (wrk --latency) and of the CPU time the proxy used per
#   request (user + system of all its processes and threads, /proc/PID/stat: the steadiest
#   figure on a shared machine); after the rounds, system calls per request (perf stat of
#   raw_syscalls:sys_enter on the proxy during a SYSCALL_SECONDS run; "-" where perf cannot)
#   and the resident memory. Ratios compare paygate with the BETTER of nginx and HAProxy:
#     stock view:      CPU per request <= 0.90x, req/s >= 1.10x, p99 no worse   (targets)
#     equal-work view: CPU per request <= 0.85x                                 (target)
#
# Usage
#   bench/proxy.sh                       # paygate from build/release, ...
#   PAYGATE=/path/to/paygate ROUNDS=7 DURATION=15 CONNECTIONS=64 bench/proxy.sh
#   IO_BACKEND=io_uring bench/proxy.sh   # paygate on Asio's io_uring backend (paygate-uring)
#   VIEWS=equal bench/proxy.sh           # one view only (stock, equal; default both)
#   Needs wrk, nginx, haproxy, taskset, curl, perf (optional), gnuplot (optional)
#   (./scripts/deps.sh --bench). Build paygate in Release first.
#
# Output: a table per view, then machine-readable lines
#   RESULT proxy view=stock paygate_rps=... nginx_rps=... haproxy_rps=... cpu_ratio=... pass=yes|no
# and bench/results/proxy.txt (the tables) with proxy-cpu.png and proxy-rps.png.
# Exit status: 0 when the benchmark ran (whatever the figures), 1 when something broke.

set -euo pipefail

ROUNDS=${ROUNDS:-5}               # measured rounds, each runs every instance
DURATION=${DURATION:-10}          # seconds per measurement
WARMUP=${WARMUP:-2}               # seconds of warm-up per instance
SYSCALL_SECONDS=${SYSCALL_SECONDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-1}             # wrk threads (on CLIENT_CORE)
PROXY_CORE=${PROXY_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
BACKEND_CORE=${BACKEND_CORE:-$CLIENT_CORE}
VIEWS=${VIEWS:-stock equal}
REQUEST_PATH=${REQUEST_PATH:-/v3/pay/transactions/id/4200001234202401011234567890}
IO_BACKEND=${IO_BACKEND:-}        # paygate's io_backend (epoll | io_uring); unset: its default

bench_name=proxy.sh
bench_work_prefix=paygate-proxy-bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_tools wrk nginx haproxy taskset curl
NGINX=$(command -v nginx)
PAYGATE_BIN=${PAYGATE:-$(find_bin paygate)}
[[ -x "$PAYGATE_BIN" ]] || die "$PAYGATE_BIN is not executable"
for view in $VIEWS; do
  case $view in stock|equal) ;; *) die "unknown view '$view' (stock, equal)" ;; esac
done

pick_port_into BACKEND_PORT
declare -A port pid_of
instances=()
for view in $VIEWS; do
  for proxy in nginx haproxy paygate; do
    instances+=("$proxy-$view")
    pick_port_into "port[$proxy-$view]"
  done
done

# ---- configurations --------------------------------------------------------------------------

write_backend_conf "$work/backend" "$BACKEND_PORT"

nginx_upstream="    upstream backend {
        server 127.0.0.1:$BACKEND_PORT;
        keepalive $((CONNECTIONS * 2));
        keepalive_requests 100000000;
        keepalive_timeout 300s;
    }"

# nginx, stock: Debian's nginx.conf http settings and the usual reverse-proxy location.
write_nginx_stock() {
  write_nginx_conf "$work/$1" "$nginx_upstream
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    server {
        listen 127.0.0.1:${port[$1]} reuseport backlog=4096;
        access_log $work/$1/access.log;
        keepalive_timeout 65;
        keepalive_requests 1000;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host \$host;
            proxy_set_header X-Real-IP \$remote_addr;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
        }
    }"
}

# nginx, equal work: paygate's default header work, no log.
write_nginx_equal() {
  write_nginx_conf "$work/$1" "$nginx_upstream
    server {
        listen 127.0.0.1:${port[$1]} reuseport backlog=4096;
$(nginx_equal_work_location)
    }"
}

haproxy_listen() {  # $1 = instance, $2 = extra frontend lines
  printf 'frontend fe\n    bind 127.0.0.1:%s\n%s\n    default_backend be\nbackend be\n    http-reuse always\n    server backend 127.0.0.1:%s maxconn %s\n' \
    "${port[$1]}" "$2" "$BACKEND_PORT" "$((CONNECTIONS * 2))"
}

# HAProxy, stock: Debian's defaults, the log on stdout rather than /dev/log.
write_haproxy_stock() {
  write_haproxy_conf "$work/$1" "    log stdout format raw local0" \
    "    log global
    option httplog
    option dontlognull
    option forwardfor" "$(haproxy_listen "$1" "")"
}

# HAProxy, equal work: paygate's default header work, no log.
write_haproxy_equal() {
  write_haproxy_conf "$work/$1" "" "    option forwardfor" "$(haproxy_listen "$1" \
"    unique-id-format %{+X}o%ci%cp%fi%fp%Ts%rt%pid
    unique-id-header X-Request-Id
    http-request set-header Via \"1.1 haproxy\"
    http-response set-header X-Request-Id %[unique-id]")"
}

# paygate: its defaults (access log on stdout) in the stock view, access_log: off in the other.
write_paygate() {  # $1 = instance, $2 = access_log value
  mkdir -p "$work/$1"
  cat > "$work/$1/paygate.yaml" <<YAML
workers: 1
${IO_BACKEND:+io_backend: $IO_BACKEND}
drain_timeout: 1s
listener:
  address: 127.0.0.1
  port: ${port[$1]}
admin:
  address: 127.0.0.1
  port: 0
log:
  level: info
  error_log: $work/$1/error.log
  access_log: $2
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
YAML
  "$PAYGATE_BIN" check -c "$work/$1/paygate.yaml" > "$work/$1/check.log" 2>&1 ||
    { cat "$work/$1/check.log" >&2; die "paygate rejected the $1 configuration"; }
}

# ---- processes -------------------------------------------------------------------------------

start_nginx "$work/backend" "$BACKEND_CORE"; backend_pid=$started_pid
wait_for_200 "http://127.0.0.1:$BACKEND_PORT$REQUEST_PATH" "backend nginx" "$backend_pid"

for instance in "${instances[@]}"; do
  proxy=${instance%-*} view=${instance#*-}
  case $proxy in
    nginx) "write_nginx_$view" "$instance"; start_nginx "$work/$instance" "$PROXY_CORE" ;;
    haproxy) "write_haproxy_$view" "$instance"; start_haproxy "$work/$instance" "$PROXY_CORE" ;;
    paygate)
      write_paygate "$instance" "$([[ $view == stock ]] && echo stdout || echo '"off"')"
      taskset -c "$PROXY_CORE" "$PAYGATE_BIN" run -c "$work/$instance/paygate.yaml" \
        > "$work/$instance/stdout.log" 2>&1 &
      started_pid=$!; pids+=("$started_pid") ;;
  esac
  pid_of[$instance]=$started_pid
  wait_for_200 "http://127.0.0.1:${port[$instance]}$REQUEST_PATH" "$instance" "$started_pid"
done

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

TICK_HZ=$(getconf CLK_TCK)

# The processes whose CPU time counts as the instance's: a master and its workers, or paygate
# (all its threads).
instance_pids() {
  local main=${pid_of[$1]:-$backend_pid}
  echo "$main" $(pgrep -P "$main" || true)
}

instance_port() { if [[ $1 == direct ]]; then echo "$BACKEND_PORT"; else echo "${port[$1]}"; fi; }

wrk_run() {  # $1 = port, $2 = seconds, $3 = output file
  timeout $(($2 + 30)) taskset -c "$CLIENT_CORE" wrk -t"$THREADS" -c"$CONNECTIONS" \
    -d"${2}s" --latency --timeout 5s \
    -H 'Accept: application/json' -H 'User-Agent: paygate-bench/1.0' \
    -H 'Accept-Language: zh-CN' \
    "http://127.0.0.1:$1$REQUEST_PATH" > "$3" 2>&1
}

# run_wrk NAME SECONDS [RESULTS]
#   -> appends "rps p50 p99 core0% core1% errors cpu_us_per_request" to RESULTS
#      ($work/NAME.results by default).
run_wrk() {
  local name=$1 seconds=$2 results=${3:-$work/$1.results} out="$work/wrk-$1-$RANDOM.txt"
  local watched before after ticks0 ticks1
  watched=$(instance_pids "$name")
  ticks0=$(proc_ticks $watched)
  before=$(cpu_sample)
  wrk_run "$(instance_port "$name")" "$seconds" "$out" || die "wrk against $name failed: $(cat "$out")"
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
  echo "$rps $p50 $p99 $busy $errors $cpu_us" >> "$results"
  printf '  %-15s %8.0f req/s  p50 %7.3f ms  p99 %7.3f ms  cpu %5.2f us/req  busy core%s %3s%%  core%s %3s%%  errors %s\n' \
    "$name" "$rps" "$p50" "$p99" "$cpu_us" "$PROXY_CORE" "${busy% *}" "$CLIENT_CORE" "${busy#* }" \
    "$errors"
}

# syscalls_per_request NAME: one run with perf counting the instance's system calls during
# SYSCALL_SECONDS of it; prints calls per request ("-" without perf).
syscalls_per_request() {
  local name=$1 out="$work/wrk-syscalls-$1.txt" calls requests
  command -v perf >/dev/null || { echo "-"; return; }
  wrk_run "$(instance_port "$name")" "$((SYSCALL_SECONDS + 1))" "$out" &
  local wrk_pid=$!
  sleep 0.5
  calls=$(syscalls_during "$SYSCALL_SECONDS" $(instance_pids "$name"))
  wait "$wrk_pid" || die "wrk against $name failed: $(cat "$out")"
  requests=$(awk '/requests in/ { print $1 }' "$out")
  # wrk's count covers SYSCALL_SECONDS + 1 s; perf's the SYSCALL_SECONDS in its middle.
  awk -v c="$calls" -v n="$requests" -v s="$SYSCALL_SECONDS" -v d="$((SYSCALL_SECONDS + 1))" \
    'BEGIN { if (c == "-" || n == 0) print "-"; else printf "%.2f", c / (n * s / d) }'
}

rss_kib() {  # $@ = pids -> VmRSS summed, in KiB
  local p total=0
  for p in "$@"; do
    total=$((total + $(awk '/^VmRSS:/ { print $2; f = 1 } END { if (!f) print 0 }' \
      "/proc/$p/status" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

echo "proxy.sh: paygate=$PAYGATE_BIN (io_backend: ${IO_BACKEND:-default}) nginx=$NGINX" \
     "haproxy=$(haproxy -v | awk 'NR == 1 { print $3 }')"
echo "proxy.sh: views: $VIEWS; ${ROUNDS} rounds x ${DURATION}s, ${CONNECTIONS} connections," \
     "wrk ${THREADS} thread(s); proxy on core $PROXY_CORE, wrk on core $CLIENT_CORE, backend on" \
     "core $BACKEND_CORE; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "warm-up (${WARMUP}s each, not counted):"
for instance in "${instances[@]}"; do run_wrk "$instance" "$WARMUP" "$work/warmup.results"; done
echo "direct: wrk -> backend (the ceiling of core $CLIENT_CORE; not a proxy):"
run_wrk direct "$DURATION"

for round in $(seq "$ROUNDS"); do
  echo "round $round/$ROUNDS:"
  order=("${instances[@]}")
  if (( round % 2 == 0 )); then
    order=(); for ((i = ${#instances[@]} - 1; i >= 0; i--)); do order+=("${instances[i]}"); done
  fi
  for instance in "${order[@]}"; do run_wrk "$instance" "$DURATION"; done
done

echo "system calls per request (${SYSCALL_SECONDS}s under perf each):"
declare -A syscalls rss
for instance in "${instances[@]}"; do
  syscalls[$instance]=$(syscalls_per_request "$instance")
  rss[$instance]=$(rss_kib $(instance_pids "$instance"))
  kill -0 "${pid_of[$instance]}" 2>/dev/null || die "$instance died during the run"
  printf '  %-15s %s\n' "$instance" "${syscalls[$instance]}"
done

# ---- report ----------------------------------------------------------------------------------

declare -A med
for name in "${instances[@]}" direct; do
  for col in 1 2 3 4 5 6 7; do med[$name,$col]=$(median "$work/$name.results" "$col"); done
done

# better A B COLUMN lower|higher -> the better of two instances' medians
better() {
  awk -v a="${med[$1,$3]}" -v b="${med[$2,$3]}" -v w="$4" \
    'BEGIN { print (w == "lower" ? (a < b ? a : b) : (a > b ? a : b)) }'
}

results=$(results_dir)
table="$results/proxy.txt"
echo "# bench/proxy.sh $(date -u +%Y-%m-%dT%H:%MZ): median of $ROUNDS rounds x ${DURATION}s," \
     "$CONNECTIONS connections, one proxy core" > "$table"
plot_cpu="$work/plot-cpu.dat" plot_rps="$work/plot-rps.dat"
echo "view nginx haproxy paygate" > "$plot_cpu"
echo "view nginx haproxy paygate" > "$plot_rps"
summary=()
for view in $VIEWS; do
  {
    echo
    echo "view: $view"
    printf '%-16s %10s %9s %9s %11s %12s %7s %7s %9s\n' instance req/s p50_ms p99_ms cpu_us/req \
      syscalls/req "core$PROXY_CORE%" "core$CLIENT_CORE%" rss_kib
    for proxy in nginx haproxy paygate; do
      name=$proxy-$view
      printf '%-16s %10.0f %9.3f %9.3f %11.2f %12s %7.0f %7.0f %9s\n' "$name" "${med[$name,1]}" \
        "${med[$name,2]}" "${med[$name,3]}" "${med[$name,7]}" "${syscalls[$name]}" \
        "${med[$name,4]}" "${med[$name,5]}" "${rss[$name]}"
    done
  } | tee -a "$table"
  best_cpu=$(better "nginx-$view" "haproxy-$view" 7 lower)
  best_rps=$(better "nginx-$view" "haproxy-$view" 1 higher)
  best_p99=$(better "nginx-$view" "haproxy-$view" 3 lower)
  cpu_ratio=$(awk -v a="${med[paygate-$view,7]}" -v b="$best_cpu" 'BEGIN { printf "%.3f", a / b }')
  rps_ratio=$(awk -v a="${med[paygate-$view,1]}" -v b="$best_rps" 'BEGIN { printf "%.3f", a / b }')
  p99_ratio=$(awk -v a="${med[paygate-$view,3]}" -v b="$best_p99" 'BEGIN { printf "%.3f", a / b }')
  errors=$(cat "$work/nginx-$view.results" "$work/haproxy-$view.results" \
    "$work/paygate-$view.results" | awk '{ n += $6 } END { print n + 0 }')
  if [[ $view == stock ]]; then
    pass=$(awk -v c="$cpu_ratio" -v r="$rps_ratio" -v p="$p99_ratio" -v e="$errors" \
      'BEGIN { print ((c <= 0.90 && r >= 1.10 && p <= 1 && e == 0) ? "yes" : "no") }')
    targets="cpu <= 0.90x, req/s >= 1.10x, p99 <= 1"
  else
    pass=$(awk -v c="$cpu_ratio" -v e="$errors" \
      'BEGIN { print ((c <= 0.85 && e == 0) ? "yes" : "no") }')
    targets="cpu <= 0.85x"
  fi
  echo "paygate vs the better of nginx and HAProxy ($view): cpu/req ${cpu_ratio}x," \
       "req/s ${rps_ratio}x, p99 ${p99_ratio}x; errors $errors; targets ($targets) met: $pass" |
    tee -a "$table"
  echo "$view ${med[nginx-$view,7]} ${med[haproxy-$view,7]} ${med[paygate-$view,7]}" >> "$plot_cpu"
  echo "$view ${med[nginx-$view,1]} ${med[haproxy-$view,1]} ${med[paygate-$view,1]}" >> "$plot_rps"
  summary+=("RESULT proxy view=$view nginx_rps=${med[nginx-$view,1]} haproxy_rps=${med[haproxy-$view,1]} paygate_rps=${med[paygate-$view,1]} nginx_cpu_us=${med[nginx-$view,7]} haproxy_cpu_us=${med[haproxy-$view,7]} paygate_cpu_us=${med[paygate-$view,7]} nginx_p99_ms=${med[nginx-$view,3]} haproxy_p99_ms=${med[haproxy-$view,3]} paygate_p99_ms=${med[paygate-$view,3]} nginx_syscalls=${syscalls[nginx-$view]} haproxy_syscalls=${syscalls[haproxy-$view]} paygate_syscalls=${syscalls[paygate-$view]} paygate_rss_kib=${rss[paygate-$view]} cpu_ratio=$cpu_ratio rps_ratio=$rps_ratio p99_ratio=$p99_ratio errors=$errors rounds=$ROUNDS duration_s=$DURATION connections=$CONNECTIONS pass=$pass")
done
printf 'direct (wrk -> backend): %.0f req/s, backend cpu %.2f us/req\n' "${med[direct,1]}" \
  "${med[direct,7]}" | tee -a "$table"
echo "cpu_us/req: user + system CPU of the proxy's processes per request (the noise-resistant" \
     "figure); syscalls/req: perf during a separate short run." | tee -a "$table"

best_any=0
for name in "${instances[@]}"; do
  best_any=$(awk -v a="$best_any" -v b="${med[$name,1]}" 'BEGIN { print (b > a ? b : a) }')
done
if awk -v d="${med[direct,1]}" -v a="$best_any" 'BEGIN { exit !(d < 1.5 * a) }'; then
  echo "WARNING: the direct round is less than 1.5x the best proxy: core $CLIENT_CORE (wrk +" \
       "backend) may be limiting; the ratios understate the faster proxy." >&2
fi
for name in "${instances[@]}"; do
  busy=${med[$name,4]}
  if (( ${busy%.*} < 90 )); then
    echo "WARNING: $name kept core $PROXY_CORE only ${busy}% busy: it waited on something else" \
         "(core $CLIENT_CORE, the backend), so it was not the bottleneck." >&2
  fi
done

plot_bars "$results/proxy-cpu.png" "CPU per request on the proxy core (us, lower is better)" \
  "$plot_cpu" nginx haproxy paygate
plot_bars "$results/proxy-rps.png" "Requests per second per proxy core (higher is better)" \
  "$plot_rps" nginx haproxy paygate
printf '%s\n' "${summary[@]}" | tee -a "$table"
