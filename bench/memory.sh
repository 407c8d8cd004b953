#!/usr/bin/env bash
# bench/memory.sh: paygate's resident memory idle and holding 10,000 idle keep-alive connections,
# with nginx (the equal-work proxy of bench/proxy.sh) holding the same connections as the
# reference from the same run.
#
# What is measured
#   paygate runs examples/platform-demo.yaml as shipped (platform key, a merchant, the
#   notification outbox, a TLS listener, the admin port), only its ports and paths moved into a
#   temp dir, with keys made by `paygate keys new` as `make run` does.
#     idle:        VmRSS (/proc/PID/status) IDLE_SECONDS after it answered its first request,
#                  before any other traffic: what a node costs doing nothing. Target <= 30 MB.
#     connections: a client (Python asyncio, on CLIENT_CORE) opens CONNECTIONS keep-alive
#                  connections to the cleartext listener, sends one request on each (an unsigned
#                  query: the gateway answers 401 and keeps the connection), reads the answer and
#                  leaves every connection open and idle; VmRSS is read then. Target: <= 200 MB
#                  with 10,000. The client also re-uses every connection once more at the end,
#                  so a figure from a gateway that dropped connections is refused.
#   The same client then holds the same number of connections to nginx (1 worker, the equal-work
#   reverse-proxy configuration of bench/proxy.sh, a request each answered by the backend).
#   Reported: both RSS figures and per-connection costs ((RSS with - RSS idle) / connections).
#
# Usage
#   bench/memory.sh
#   PAYGATE=/path/to/paygate CONNECTIONS=10000 bench/memory.sh
#   Needs nginx, python3 (./scripts/deps.sh --bench).
#
# Output: a table, then
#   RESULT memory paygate_idle_kib=... paygate_conns_kib=... nginx_conns_kib=... connections=...
#     pass=yes|no
# and bench/results/memory.txt with memory.png.
# Exit status: 0 when the benchmark ran (whatever the figures), 1 when something broke.

set -euo pipefail

CONNECTIONS=${CONNECTIONS:-10000}
IDLE_SECONDS=${IDLE_SECONDS:-2}
PROXY_CORE=${PROXY_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
IDLE_TARGET_MB=${IDLE_TARGET_MB:-30}
CONNS_TARGET_MB=${CONNS_TARGET_MB:-200}
REQUEST_PATH=/v3/pay/transactions/id/4200001234202401011234567890

bench_name=memory.sh
bench_work_prefix=paygate-memory-bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_tools nginx python3 taskset curl
NGINX=$(command -v nginx)
PAYGATE_BIN=${PAYGATE:-$(find_bin paygate)}
# Each side (the client, the proxy) needs a descriptor per connection, and then some.
hard_files=$(ulimit -Hn)
[[ $hard_files == unlimited ]] || (( hard_files >= CONNECTIONS + 1024 )) ||
  die "the open-file limit ($hard_files) is too low for $CONNECTIONS connections; raise it"
ulimit -n "$hard_files"

# ---- the demo gateway, moved into $work ------------------------------------------------------

start_backend BACKEND_PORT "$work/backend" "backend nginx"
write_demo_config "$BACKEND_PORT"
pick_port_into NGINX_PORT
HTTP_PORT=$DEMO_HTTP_PORT
config=$DEMO_CONFIG

taskset -c "$PROXY_CORE" "$PAYGATE_BIN" run -c "$config" > "$work/paygate.log" 2>&1 &
paygate_pid=$!
pids+=("$paygate_pid")

write_nginx_conf "$work/nginx" "    upstream backend {
        server 127.0.0.1:$BACKEND_PORT;
        keepalive 128;
    }
    server {
        listen 127.0.0.1:$NGINX_PORT reuseport backlog=4096;
        keepalive_requests 100000000;
        keepalive_timeout 300s;
$(nginx_equal_work_location)
    }"
sed -i "s/worker_connections 4096/worker_connections $((CONNECTIONS + 1024))/" "$work/nginx/nginx.conf"
start_nginx "$work/nginx" "$PROXY_CORE"; nginx_pid=$started_pid

# The gateway answers an unsigned query 401 (and keeps the connection): that is its first answer.
for _ in $(seq 500); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT$REQUEST_PATH" || true)
  [[ $code == 401 ]] && break
  kill -0 "$paygate_pid" 2>/dev/null || die "paygate exited ($work/paygate.log)"
  sleep 0.01
done
[[ $code == 401 ]] || die "paygate did not answer 401 to an unsigned query ($work/paygate.log)"
wait_for_200 "http://127.0.0.1:$NGINX_PORT$REQUEST_PATH" "nginx" "$nginx_pid"

rss_kib() {  # $@ = pids -> VmRSS summed, in KiB
  local p total=0
  for p in "$@"; do
    total=$((total + $(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status")))
  done
  echo "$total"
}
nginx_pids() { echo "$nginx_pid" $(pgrep -P "$nginx_pid" || true); }

sleep "$IDLE_SECONDS"
paygate_idle=$(rss_kib "$paygate_pid")
nginx_idle=$(rss_kib $(nginx_pids))

# ---- the idle connections --------------------------------------------------------------------

cat > "$work/hold.py" <<'PY'
# hold.py PORT PATH COUNT EXPECT: opens COUNT keep-alive connections, sends one request on each,
# checks the status line, prints "held", waits for a line on stdin, then sends one more request
# on every connection (each must still be open) and prints "reused".
import asyncio, sys

port, path, count, expect = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n".encode()

async def exchange(reader, writer):
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = head.split(b" ", 2)[1].decode()
    if status != expect:
        raise SystemExit(f"status {status}, expected {expect}")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)

async def open_one(sem):
    async with sem:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await exchange(reader, writer)
        return reader, writer

async def main():
    sem = asyncio.Semaphore(200)
    conns = await asyncio.gather(*(open_one(sem) for _ in range(count)))
    print("held", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    async def again(reader, writer):
        async with sem:  # a proxy's upstream pool need not take 10,000 requests at once
            await exchange(reader, writer)
    await asyncio.gather(*(again(r, w) for r, w in conns))
    print("reused", flush=True)
    for _, w in conns:
        w.close()

asyncio.run(main())
PY

# hold_and_measure PORT EXPECT PIDS...: prints the RSS of PIDS while COUNT connections are held.
hold_and_measure() {
  local port=$1 expect=$2; shift 2
  local fifo="$work/hold-$port.in" out="$work/hold-$port.out" rss
  mkfifo "$fifo"
  taskset -c "$CLIENT_CORE" python3 "$work/hold.py" "$port" "$REQUEST_PATH" "$CONNECTIONS" \
    "$expect" < "$fifo" > "$out" 2>&1 &
  local client=$!
  exec 7> "$fifo"
  for _ in $(seq 1200); do
    grep -q held "$out" && break
    kill -0 "$client" 2>/dev/null || die "the client failed against port $port: $(cat "$out")"
    sleep 0.1
  done
  grep -q held "$out" || die "the client did not open $CONNECTIONS connections in 120 s"
  sleep 1
  rss=$(rss_kib "$@")
  echo >&7
  exec 7>&-
  wait "$client" || die "the client failed against port $port: $(cat "$out")"
  grep -q reused "$out" || die "connections to port $port were not all kept: $(cat "$out")"
  echo "$rss"
}

echo "memory.sh: paygate=$PAYGATE_BIN, $CONNECTIONS connections; load average $(cut -d' ' -f1-3 /proc/loadavg)"
paygate_conns=$(hold_and_measure "$HTTP_PORT" 401 "$paygate_pid")
nginx_conns=$(hold_and_measure "$NGINX_PORT" 200 $(nginx_pids))
kill -0 "$paygate_pid" 2>/dev/null || die "paygate died during the run"

# ---- report ----------------------------------------------------------------------------------

ready=$(grep -o 'ready in [0-9.]* ms' "$work/paygate.log" | head -1 || true)
pass=$(awk -v i="$paygate_idle" -v c="$paygate_conns" -v ti="$IDLE_TARGET_MB" -v tc="$CONNS_TARGET_MB" \
  'BEGIN { print ((i <= ti * 1024 && c <= tc * 1024) ? "yes" : "no") }')
per_conn() { awk -v a="$1" -v b="$2" -v n="$CONNECTIONS" 'BEGIN { printf "%.2f", (b - a) / n }'; }
results=$(results_dir)
{
  echo "# bench/memory.sh $(date -u +%Y-%m-%dT%H:%MZ): resident memory (VmRSS), $CONNECTIONS idle keep-alive connections"
  printf '%-9s %12s %16s %14s\n' proxy idle_kib with_conns_kib kib_per_conn
  printf '%-9s %12s %16s %14s\n' paygate "$paygate_idle" "$paygate_conns" \
    "$(per_conn "$paygate_idle" "$paygate_conns")"
  printf '%-9s %12s %16s %14s\n' nginx "$nginx_idle" "$nginx_conns" \
    "$(per_conn "$nginx_idle" "$nginx_conns")"
  echo "paygate (examples/platform-demo.yaml, $ready): idle <= $IDLE_TARGET_MB MB and with" \
       "$CONNECTIONS connections <= $CONNS_TARGET_MB MB: $pass"
  echo "RESULT memory paygate_idle_kib=$paygate_idle paygate_conns_kib=$paygate_conns" \
       "nginx_idle_kib=$nginx_idle nginx_conns_kib=$nginx_conns connections=$CONNECTIONS pass=$pass"
} | tee "$results/memory.txt"
awk -v pi="$paygate_idle" -v pc="$paygate_conns" -v ni="$nginx_idle" -v nc="$nginx_conns" \
  'BEGIN { print "state paygate nginx"; printf "idle %.1f %.1f\n", pi / 1024, ni / 1024
           printf "with-connections %.1f %.1f\n", pc / 1024, nc / 1024 }' > "$work/plot.dat"
plot_bars "$results/memory.png" "Resident memory (MB), idle and with $CONNECTIONS idle connections" \
  "$work/plot.dat" paygate nginx
