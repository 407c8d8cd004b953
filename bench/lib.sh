# bench/lib.sh: the plumbing the bench scripts share (sourced, not run). Before sourcing, a script
# sets `bench_name` (for messages) and `bench_work_prefix` (its temp dir name).
#   die MSG                  print "<bench_name>: MSG" and exit 1
#   find_bin NAME            a Release build's bin/NAME under build/, or die
#   require_tools T...       each tool on PATH, or die naming scripts/deps.sh --bench
#   pick_port_into VAR       a free 127.0.0.1 port not handed out before, stored in VAR
#   pids+=(PID)              processes stopped (TERM, then KILL after 5 s) on exit
#   $work                    a temp dir removed on exit (kept with KEEP_WORK=1)
#   write_nginx_conf, write_backend_conf, start_nginx, wait_for_200: the nginx instances
#   start_backend VAR DIR NAME   the fast backend on a free port (in VAR), answering 200
#   start_redis PORT CORE    a throw-away redis-server (no persistence) in $work, answering PING
#   to_ms, proc_ticks, median: reading wrk, /proc and result files
#   abba_rounds              ROUNDS rounds of two measurements, the order swapped every round
#   write_haproxy_conf, start_haproxy: the HAProxy instances (one thread each)
#   syscalls_during SECONDS PID...   system calls the processes make meanwhile (perf)
#   plot_bars PNG TITLE DATA COL...  a bar chart of a result table (gnuplot; PLOT_LOGSCALE=1: log y)
#   results_dir              bench/results/, where each script leaves its latest table and plot
#   write_demo_config BACKEND_PORT   examples/platform-demo.yaml with keys, moved into $work
#   nginx_equal_work_location        nginx's `location /` doing paygate's default header work

bench_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_root=$(cd "$bench_here/.." && pwd)

die() { echo "$bench_name: $*" >&2; exit 1; }

find_bin() {
  local d
  for d in release Release h-bench h-signed lead-rel rel default; do
    [[ -x "$bench_root/build/$d/bin/$1" ]] && { echo "$bench_root/build/$d/bin/$1"; return; }
  done
  die "no $1 binary found; build it (Release) or set its path in the environment"
}

require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool not found (./scripts/deps.sh --bench)"
  done
}

work=$(mktemp -d "/tmp/${bench_work_prefix}.XXXXXX")
pids=()
bench_cleanup() {
  local pid
  exec 3>&- 2>/dev/null || true
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [[ -n "${KEEP_WORK:-}" ]]; then echo "$bench_name: kept $work" >&2; else rm -rf "$work"; fi
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
taken_ports=" "
# Not `p=$(pick_port)`: a subshell could not record the port as taken.
pick_port_into() {
  local p
  # Below the kernel's ephemeral range (ip_local_port_range, 32768 up by default): a port there
  # may be the local end of a client connection, even one in TIME_WAIT, and a bind to it fails.
  local low
  low=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  (( low > 12000 )) || low=32768
  for _ in $(seq 200); do
    p=$((10000 + RANDOM % (low - 10000)))
    [[ "$taken_ports" == *" $p "* ]] && continue
    port_in_use "$p" && continue
    taken_ports+="$p "
    printf -v "$1" '%s' "$p"
    return
  done
  die "no free port found"
}

# write_nginx_conf DIR HTTP_BODY: DIR/nginx.conf for one nginx instance (1 worker, run as root in
# the foreground, pid, logs and temp files inside DIR, access log off); HTTP_BODY goes in http{}.
write_nginx_conf() {
  mkdir -p "$1"
  cat > "$1/nginx.conf" <<CONF
user root;
daemon off;
master_process on;
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; multi_accept on; }
http {
    client_body_temp_path $1/body;
    proxy_temp_path $1/proxy;
    fastcgi_temp_path $1/fastcgi;
    uwsgi_temp_path $1/uwsgi;
    scgi_temp_path $1/scgi;
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
$2
}
CONF
}

# write_backend_conf DIR PORT: the fast backend every proxy bench puts behind the proxy: nginx
# answering 200 with a small WeChat Pay style JSON body on 127.0.0.1:PORT, keep-alive.
write_backend_conf() {
  write_nginx_conf "$1" "    server {
        listen 127.0.0.1:$2 reuseport backlog=4096;
        location / {
            default_type application/json;
            return 200 '{\"appid\":\"wxd678efh567hg6787\",\"mchid\":\"1230000109\",\"transaction_id\":\"4200001234202401011234567890\",\"trade_state\":\"SUCCESS\"}';
        }
    }"
}

# https:// URLs are not verified (-k): the benches serve throw-away certificates on 127.0.0.1.
wait_for_200() {  # $1 = url, $2 = name, $3 = pid, [$4 = its log, shown if it dies]; ~10 s
  local status
  for _ in $(seq 200); do
    if ! kill -0 "$3" 2>/dev/null; then
      wait "$3" 2>/dev/null && status=0 || status=$?
      [[ -n "${4:-}" && -f "$4" ]] && tail -n 20 "$4" >&2
      die "$2 exited during startup with status $status (logs in $work; KEEP_WORK=1 keeps them)"
    fi
    [[ "$(curl -sk -o /dev/null -w '%{http_code}' --max-time 1 "$1" || true)" == 200 ]] && return
    sleep 0.05
  done
  die "$2 did not answer 200 on $1 within 10 s"
}

start_nginx() {  # $1 = instance directory, $2 = core; sets started_pid
  taskset -c "$2" "$NGINX" -p "$1" -c "$1/nginx.conf" -e "$1/error.log" \
    > "$1/stdout.log" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
}

# start_backend VAR DIR NAME: the fast backend (write_backend_conf) in DIR on a free port, stored
# in VAR, on CLIENT_CORE; returns once it answers 200 on REQUEST_PATH.
start_backend() {
  pick_port_into "$1"
  write_backend_conf "$2" "${!1}"
  start_nginx "$2" "$CLIENT_CORE"
  wait_for_200 "http://127.0.0.1:${!1}$REQUEST_PATH" "$3" "$started_pid"
}

# start_redis PORT CORE: Debian's redis-server on 127.0.0.1:PORT pinned to CORE, without
# persistence, its log in $work/redis.log; returns once it answers PING.
start_redis() {
  taskset -c "$2" redis-server --port "$1" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$work" --daemonize no > "$work/redis.log" 2>&1 &
  pids+=("$!")
  local _
  for _ in $(seq 100); do
    redis-cli -p "$1" ping 2>/dev/null | grep -q PONG && return
    sleep 0.05
  done
  die "redis-server did not answer on port $1 within 5 s ($work/redis.log)"
}

to_ms() {  # wrk's 812.00us / 1.23ms / 1.01s -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.3f", n }'
}

proc_ticks() {  # $@ = pids: CPU ticks (user + system) of all their threads
  local pid total=0 stat
  for pid in "$@"; do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    stat=${stat##*) }  # fields after "(comm) "; utime and stime are fields 14 and 15 of the line
    set -- $stat
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}

median() {  # $1 = results file, $2 = column (1-based)
  awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '{ v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# abba_rounds RESULTS FORMAT MEASURE A B: ROUNDS rounds, each running `MEASURE A` and
# `MEASURE B` (A first in odd rounds, B first in even ones, so that drift hits both alike),
# appending "<A's output> <B's output>" to RESULTS and printing FORMAT with the round and both.
abba_rounds() {
  local results=$1 format=$2 measure=$3 a=$4 b=$5 round out_a out_b
  : > "$results"
  for round in $(seq "$ROUNDS"); do
    if (( round % 2 )); then
      out_a=$("$measure" "$a"); out_b=$("$measure" "$b")
    else
      out_b=$("$measure" "$b"); out_a=$("$measure" "$a")
    fi
    echo "$out_a $out_b" >> "$results"
    # shellcheck disable=SC2059  # the caller's format
    printf "$format" "$round" "$out_a" "$out_b"
  done
}

# write_haproxy_conf DIR GLOBAL DEFAULTS BODY: DIR/haproxy.cfg for one HAProxy instance (one
# thread, run in the foreground, pid file in DIR); GLOBAL and DEFAULTS are added to those
# sections, BODY (frontends and backends) follows.
write_haproxy_conf() {
  mkdir -p "$1"
  cat > "$1/haproxy.cfg" <<CONF
global
    nbthread 1
    maxconn 4096
    pidfile $1/haproxy.pid
$2
defaults
    mode http
    timeout connect 5s
    timeout client 300s
    timeout server 300s
    timeout http-keep-alive 300s
$3
$4
CONF
}

start_haproxy() {  # $1 = instance directory, $2 = core; sets started_pid
  taskset -c "$2" haproxy -db -f "$1/haproxy.cfg" > "$1/stdout.log" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
}

# syscalls_during SECONDS PID...: system calls the processes (all their threads) make in the
# next SECONDS (perf's raw_syscalls:sys_enter tracepoint; prints "-" where perf cannot count).
syscalls_during() {
  local seconds=$1; shift
  local list
  list=$(tr ' ' ',' <<<"$*")
  perf stat -x, -e raw_syscalls:sys_enter -p "$list" -- sleep "$seconds" 2>&1 |
    awk -F, '/raw_syscalls:sys_enter/ { n = $1 } END { print (n ~ /^[0-9]+$/ ? n : "-") }'
}

# plot_bars PNG TITLE DATA COLUMNS...: a clustered bar chart of DATA (whitespace table, a header
# row, the first column the group label) with one bar per named column, by gnuplot. Does nothing
# (but say so) without gnuplot: the table is the result, the picture a convenience.
# PLOT_LOGSCALE=1 draws the y axis on a log scale (figures that differ by orders of magnitude).
plot_bars() {
  local png=$1 title=$2 data=$3; shift 3
  command -v gnuplot >/dev/null || { echo "$bench_name: no gnuplot, no $png" >&2; return 0; }
  local using="" col first=1
  for col in "$@"; do
    [[ $first == 1 ]] || using+=", "
    using+="'$data' using '$col':xtic(1) title '$col'"
    first=0
  done
  local yaxis="set yrange [0:*]"
  [[ "${PLOT_LOGSCALE:-}" == 1 ]] && yaxis=$'set logscale y\nset yrange [*:*]'
  gnuplot <<GP || echo "$bench_name: gnuplot could not draw $png" >&2
set terminal pngcairo size 900,480 noenhanced font 'DejaVu Sans,10'
set output '$png'
set title '$title'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key top left
set grid ytics
$yaxis
set datafile columnheaders
plot $using
GP
}

# results_dir: bench/results/ (created), where each script leaves its latest table and plot.
results_dir() {
  mkdir -p "$bench_root/bench/results"
  echo "$bench_root/bench/results"
}

# write_demo_config BACKEND_PORT: examples/platform-demo.yaml as shipped, with keys made by
# `paygate keys new` as `make run` does, its ports moved to free ones (DEMO_HTTP_PORT,
# DEMO_TLS_PORT, DEMO_ADMIN_PORT, DEMO_NOTIFY_PORT), its cluster to BACKEND_PORT, its files into
# $work, the access log off. Sets DEMO_CONFIG (the file) and DEMO_MERCHANT_SERIAL; the merchant's
# key is $work/var/demo-keys/1230000109_merchant.key.pem. Needs PAYGATE_BIN.
write_demo_config() {
  local keys=$work/var/demo-keys name
  mkdir -p "$keys" "$work/examples"
  "$PAYGATE_BIN" keys new --dir "$keys" --mchid 1230000109 > /dev/null
  "$PAYGATE_BIN" keys new --dir "$keys" --mchid platform --role platform > /dev/null
  "$PAYGATE_BIN" keys new --role tls --dir "$keys/tls" > /dev/null
  for name in HTTP TLS ADMIN NOTIFY; do pick_port_into "DEMO_${name}_PORT"; done
  DEMO_CONFIG=$work/examples/platform-demo.yaml
  sed -e "s/port: 8080/port: $DEMO_HTTP_PORT/; s/port: 8443/port: $DEMO_TLS_PORT/" \
      -e "s/port: 9901/port: $DEMO_ADMIN_PORT/; s/port: 9902/port: $DEMO_NOTIFY_PORT/" \
      -e "s/127.0.0.1:9000/127.0.0.1:$1/; s/address: 0.0.0.0/address: 127.0.0.1/" \
      -e "s/access_log: stdout/access_log: \"off\"/" \
      "$bench_root/examples/platform-demo.yaml" > "$DEMO_CONFIG"
  "$PAYGATE_BIN" check -c "$DEMO_CONFIG" > "$work/demo-check.log" 2>&1 ||
    { cat "$work/demo-check.log" >&2; die "paygate rejected the demo configuration"; }
  DEMO_MERCHANT_SERIAL=$(openssl x509 -in "$keys/1230000109_merchant.cert.pem" -noout -serial |
    cut -d= -f2)
}

# nginx_equal_work_location: the `location /` of an nginx reverse proxy (upstream `backend`) told
# to do what paygate does by default: X-Forwarded-For, X-Request-Id and Via on the request,
# X-Request-Id on the response.
nginx_equal_work_location() {
  cat <<'CONF'
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Request-Id $request_id;
            proxy_set_header Via "1.1 nginx";
            proxy_buffering on;
            add_header X-Request-Id $request_id;
        }
CONF
}
