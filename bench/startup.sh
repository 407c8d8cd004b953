#!/usr/bin/env bash
# bench/startup.sh: time from exec to the first 200 answered THROUGH paygate, with nginx (same
# role: a proxy in front of the same backend, started the same way) as the reference from the
# same run.
#
# What starts
#   paygate-demo:  examples/platform-demo.yaml as shipped (platform key and certificate, a
#                  merchant with its certificate and APIv3 key, the SQLite notification outbox
#                  and its intake listener, a TLS listener, the admin port), keys made by
#                  `paygate keys new`, ports moved to free ones. Its routes verify merchant
#                  signatures, so the probe is a signed query (made once by bench/signed_corpus
#                  with the demo merchant's key; each run is a new process, with an empty replay
#                  store) and the 200 comes back signed by the platform key. Target: <= 20 ms.
#   paygate-plain: a plain proxy configuration (no keys, no outbox), for comparison.
#   nginx:         a plain reverse proxy in front of the same backend.
#
# Method
#   A backend nginx (`return 200` of a small JSON body) is started once. Then RUNS times, in
#   alternating order: note the time, exec the proxy, and poll it from this shell with bash's
#   /dev/tcp (no fork per attempt, so the poll granularity is a few microseconds, not the ~2 ms
#   a curl per attempt would add) until a GET through it returns 200; note the time; stop the
#   proxy (SIGTERM, bounded wait, then SIGKILL). The figure is the MEDIAN over runs.
#   The time includes fork+exec, dynamic loading, config parsing, binding, starting the workers
#   and the first upstream connect: everything a restarted node does before it can serve.
#   paygate's own "ready in X ms" and "first request served X ms after start" log lines are
#   printed too (measured inside the process from main(), so they leave out exec and loading).
#   Target: paygate median <= 20 ms.
#
# Usage
#   bench/startup.sh
#   PAYGATE=/path/to/paygate CORPUS_GEN=/path/to/signed_corpus RUNS=21 WORKERS=1 bench/startup.sh
#   Needs nginx (./scripts/deps.sh --bench). Nothing is pinned: startup is measured as deployed.
#   WORKERS applies to paygate-plain; the demo runs with its own `workers: 1`.
#
# Output: a table, then
#   RESULT startup paygate_ms=... plain_ms=... nginx_ms=... paygate_ready_ms=... runs=... pass=yes|no
# and bench/results/startup.txt with startup.png.
# Exit status: 0 when the benchmark ran (whatever the figures), 1 when something broke.

set -euo pipefail

RUNS=${RUNS:-11}
WORKERS=${WORKERS:-0}            # paygate workers; 0 = one per core (the default)
TARGET_MS=${TARGET_MS:-20}
POLL_LIMIT_MS=${POLL_LIMIT_MS:-5000}  # give up on one start after this long
REQUEST_PATH=/v3/pay/transactions/id/4200001234202401011234567890

bench_name=startup.sh
bench_work_prefix=paygate-startup-bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_tools nginx
NGINX=$(command -v nginx)
PAYGATE_BIN=${PAYGATE:-$(find_bin paygate)}
GEN_BIN=${CORPUS_GEN:-$(find_bin signed_corpus)}
[[ -x "$PAYGATE_BIN" ]] || die "$PAYGATE_BIN is not executable"

pick_port_into BACKEND_PORT
pick_port_into NGINX_PORT
pick_port_into PAYGATE_PORT

mkdir -p "$work/nginx" "$work/paygate"
write_backend_conf "$work/backend" "$BACKEND_PORT"
write_nginx_conf "$work/nginx" "    upstream backend { server 127.0.0.1:$BACKEND_PORT; keepalive 16; }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
        }
    }"
cat > "$work/paygate/paygate.yaml" <<EOF
workers: $WORKERS
drain_timeout: 100ms
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
routes:
  - name: order-by-transaction-id
    path: /v3/pay/transactions/id/{transaction_id}
    methods: [GET]
    cluster: backend
  - name: v3-catch-all
    prefix: /v3/
    cluster: backend
EOF
"$PAYGATE_BIN" check -c "$work/paygate/paygate.yaml" > "$work/paygate/check.log" 2>&1 ||
  { cat "$work/paygate/check.log" >&2; die "paygate rejected the benchmark configuration"; }

"$NGINX" -p "$work/backend" -c "$work/backend/nginx.conf" -e "$work/backend/error.log" \
  > "$work/backend/stdout.log" 2>&1 &
pids+=("$!")

write_demo_config "$BACKEND_PORT"
mkdir -p "$work/demo"
"$GEN_BIN" --key "$work/var/demo-keys/1230000109_merchant.key.pem" --mchid 1230000109 \
  --serial "$DEMO_MERCHANT_SERIAL" --method GET --url "$REQUEST_PATH" --count 1 --threads 1 \
  > "$work/demo/authorization" || die "signed_corpus failed"
demo_authorization=$(head -1 "$work/demo/authorization")

now_us() { local t=$EPOCHREALTIME; echo $(( ${t%.*} * 1000000 + 10#${t#*.} )); }

# probe PORT [AUTHORIZATION]: 0 when a GET through the proxy answered 200. In-process, no fork.
probe() {
  local status="" auth=""
  [[ -n "${2:-}" ]] && auth="Authorization: $2"$'\r\n'
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n%sConnection: close\r\n\r\n' \
    "$REQUEST_PATH" "$auth" >&3 2>/dev/null && IFS= read -r -t 2 -u 3 status 2>/dev/null || true
  exec 3>&-
  [[ "$status" == "HTTP/1."?" 200"* ]]
}

# wait_first_200 PORT PID START_US [AUTHORIZATION] -> prints the elapsed microseconds
wait_first_200() {
  local deadline=$(( $3 + POLL_LIMIT_MS * 1000 )) now
  for (( i = 0; i < 10000000; i++ )); do
    if probe "$1" "${4:-}"; then now=$(now_us); echo $(( now - $3 )); return; fi
    now=$(now_us)
    (( now < deadline )) || return 1
    if (( i % 64 == 63 )); then kill -0 "$2" 2>/dev/null || return 1; fi
  done
  return 1
}

stop() {  # $1 = pid; also waits for its children (nginx's worker holds the listening socket)
  local children c
  children=$(pgrep -P "$1" || true)
  kill -TERM "$1" 2>/dev/null || true
  for c in "$1" $children; do
    for _ in $(seq 100); do kill -0 "$c" 2>/dev/null || break; sleep 0.01; done
    kill -KILL "$c" 2>/dev/null || true
  done
  wait "$1" 2>/dev/null || true
  local kept=() p
  for p in "${pids[@]}"; do [[ $p == "$1" ]] || kept+=("$p"); done
  pids=("${kept[@]}")
}

for _ in $(seq 200); do probe "$BACKEND_PORT" && break; sleep 0.05; done
probe "$BACKEND_PORT" || die "the backend did not come up"

one_run() {  # $1 = nginx|paygate|demo; appends microseconds to $work/$1.times
  local start pid elapsed port auth=""
  start=$(now_us)
  case $1 in
    nginx)
      "$NGINX" -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" \
        > "$work/nginx/stdout.log" 2>&1 &
      pid=$! port=$NGINX_PORT ;;
    paygate)
      : > "$work/paygate/error.log"
      "$PAYGATE_BIN" run -c "$work/paygate/paygate.yaml" > "$work/paygate/stdout.log" 2>&1 &
      pid=$! port=$PAYGATE_PORT ;;
    demo)
      "$PAYGATE_BIN" run -c "$DEMO_CONFIG" > "$work/demo/stdout.log" 2>&1 &
      pid=$! port=$DEMO_HTTP_PORT auth=$demo_authorization ;;
  esac
  pids+=("$pid")
  elapsed=$(wait_first_200 "$port" "$pid" "$start" "$auth") || {
    stop "$pid"
    tail -5 "$work/$1/error.log" "$work/$1/stdout.log" >&2 2>/dev/null || true
    die "$1 did not answer 200 within ${POLL_LIMIT_MS} ms"
  }
  stop "$pid"
  echo "$elapsed" >> "$work/$1.times"
  if [[ $1 == demo ]]; then
    grep -h -o 'ready in [0-9.]* ms' "$work/demo/stdout.log" |
      head -1 | awk '{ print $3 }' >> "$work/demo.ready" || true
    grep -h -o 'first request served [0-9.]* ms' "$work/demo/stdout.log" | head -1 |
      awk '{ print $4 }' >> "$work/demo.first" || true
    cp "$work/demo/stdout.log" "$work/demo/last-stdout.log" 2>/dev/null || true
  fi
  printf '  %-8s %8.2f ms\n' "$1" "$(awk -v u="$elapsed" 'BEGIN { print u / 1000 }')"
}

median() {  # $1 = file of numbers, $2 = divisor
  [[ -s "$1" ]] || { echo nan; return; }
  sort -g "$1" | awk -v d="$2" '{ v[NR] = $1 / d }
    END { if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
          printf "%.2f", m }'
}
extreme() {  # $1 = file, $2 = divisor, $3 = min|max
  sort -g "$1" | awk -v d="$2" -v w="$3" 'NR == 1 { lo = $1 } { hi = $1 }
    END { printf "%.2f", (w == "min" ? lo : hi) / d }'
}

echo "startup.sh: paygate=$PAYGATE_BIN nginx=$NGINX, $RUNS runs each, workers: $WORKERS;" \
     "load average $(cut -d' ' -f1-3 /proc/loadavg)"
kinds=(demo paygate nginx)
for kind in "${kinds[@]}"; do one_run "$kind" > /dev/null; done  # warm the page cache; not counted
for kind in "${kinds[@]}"; do : > "$work/$kind.times"; done
: > "$work/demo.ready"; : > "$work/demo.first"
for run in $(seq "$RUNS"); do
  order=("${kinds[@]}")
  (( run % 2 )) || order=(nginx paygate demo)
  for kind in "${order[@]}"; do one_run "$kind"; done
done

dm=$(median "$work/demo.times" 1000)
pg=$(median "$work/paygate.times" 1000)
ng=$(median "$work/nginx.times" 1000)
ready=$(median "$work/demo.ready" 1)
first=$(median "$work/demo.first" 1)
pass=$(awk -v m="$dm" -v t="$TARGET_MS" 'BEGIN { print ((m <= t) ? "yes" : "no") }')

echo
echo "paygate-demo's own log, last run:"
grep -h -E 'ready in|first request served' "$work/demo/last-stdout.log" 2>/dev/null |
  sed 's/^/  /' || true
results=$(results_dir)
{
  echo "# bench/startup.sh $(date -u +%Y-%m-%dT%H:%MZ): exec -> first 200 through the proxy, $RUNS runs"
  printf '%-14s %10s %10s %10s\n' proxy median_ms min_ms max_ms
  for kind in "${kinds[@]}"; do
    label=$kind
    [[ $kind == demo ]] && label=paygate-demo
    [[ $kind == paygate ]] && label=paygate-plain
    printf '%-14s %10s %10s %10s\n' "$label" "$(median "$work/$kind.times" 1000)" \
      "$(extreme "$work/$kind.times" 1000 min)" "$(extreme "$work/$kind.times" 1000 max)"
  done
  echo "paygate-demo (examples/platform-demo.yaml): 'ready in' median $ready ms; 'first request" \
       "served' median $first ms; target <= ${TARGET_MS} ms: $pass"
  echo "RESULT startup paygate_ms=$dm plain_ms=$pg nginx_ms=$ng paygate_ready_ms=$ready" \
       "paygate_first_request_ms=$first runs=$RUNS workers=$WORKERS pass=$pass"
} | tee "$results/startup.txt"
printf 'start paygate-demo paygate-plain nginx\nexec-to-first-200 %s %s %s\n' "$dm" "$pg" "$ng" \
  > "$work/plot.dat"
plot_bars "$results/startup.png" "Exec to the first 200 through the proxy (ms, median)" \
  "$work/plot.dat" paygate-demo paygate-plain nginx
