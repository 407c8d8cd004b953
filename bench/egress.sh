#!/usr/bin/env bash
# bench/egress.sh: the merchant role on one core. Two measurements, each beside its reference
# measured in the same run:
#
# 1. Signed egress: an app's calls through `sign: merchant` + `verify: platform`.
#    paygate: workers: 1, access_log: off, one route `prefix: /v3/` in front of the backend. Per
#            request it knows the app by its bearer token, signs the request as the merchant
#            (one RSA-2048 private-key operation, a fresh nonce), proxies it, and verifies the
#            reply's Wechatpay-* signature (one public-key operation) before relaying it.
#    backend: nginx answering every request with the same reply, signed once by the platform key
#            at the start (openssl dgst), its Wechatpay-* fields added; merchant.clock_skew is 1h
#            so that the one signature stays valid for the whole run.
#    the limit: `openssl speed rsa2048` on the same core, interleaved: limit = 1/(1/sign +
#            1/verify) requests per second per core. Target: paygate >= 0.90x the limit.
#    wrk sends the same GET with the app's token each time (the signature is paygate's work).
#
# 2. Callbacks received durably: the merchant's notify_url (`receive: callbacks`) taking a
#    corpus of distinct notifications signed by the platform key (bench/callbacks_corpus; one
#    signature each, made before the round), each verified (one public-key operation),
#    decrypted (AES-256-GCM), committed to the SQLite callbacks outbox (group commit, fsync) and
#    only then acknowledged; the outbox's dispatcher forwards them to a second nginx (the app),
#    on the same core. wrk's Lua script sends each notification once. The next measurement waits
#    until the outbox has forwarded them all.
#    The corpus of a round is CORPUS_MARGIN x the latest rate x its seconds (at least 20,000).
#    the reference: `openssl speed -seconds N rsa2048`'s verify/s on the same core: the ceiling
#    if a callback cost nothing but its signature check. Reported as callbacks/s and the ratio.
#
# Cores (the machine has 2)
#   core PROXY_CORE  (0): paygate (all its threads) and openssl speed, never at once.
#   core CLIENT_CORE (1): wrk and both nginx instances.
#
# Method: one warm-up, then ROUNDS rounds; each round runs openssl speed and paygate in
# alternating order (ABBA). Medians of req/s, p50, p99.
#
# Usage
#   bench/egress.sh                          # binaries from build/release (find_bin)
#   PAYGATE=/path/bin/paygate CALLBACKS_GEN=/path/bin/callbacks_corpus ROUNDS=5 bench/egress.sh
#   IO_BACKEND=io_uring bench/egress.sh      # paygate-uring, built beside paygate
#   Needs wrk, nginx, openssl, taskset, curl. Build Release first: paygate, callbacks_corpus.
#
# Output: a table, then one machine-readable line per measurement:
#   RESULT egress paygate_rps=... limit_rps=... ratio=... pass=yes|no
#   RESULT callbacks paygate_cps=... verify_per_s=... ratio=...
# and bench/results/egress.txt (the table and the RESULT lines) with egress.png (signed egress
# against the limit, per wall-clock and per CPU second) and egress-callbacks.png.
# Exit status: 0 when the benchmark ran (whatever the figures), 1 when something broke.

set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8}
SPEED_SECONDS=${SPEED_SECONDS:-3}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-16}
PROXY_CORE=${PROXY_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
TARGET_RATIO=${TARGET_RATIO:-0.90}
CORPUS_MARGIN=${CORPUS_MARGIN:-1.6}  # corpus = margin x the latest callbacks/s x the round
MCHID=${MCHID:-1230000109}
IO_BACKEND=${IO_BACKEND:-epoll}  # or io_uring (runs paygate-uring, built beside paygate)
REQUEST_PATH="/v3/pay/transactions/id/4200001234202401011234567890?mchid=$MCHID"

bench_name=egress.sh
bench_work_prefix=paygate-egress-bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_tools wrk nginx openssl taskset curl
NGINX=$(command -v nginx)
PAYGATE_BIN=${PAYGATE:-$(find_bin paygate)}
GEN_BIN=${CALLBACKS_GEN:-$(dirname "$PAYGATE_BIN")/callbacks_corpus}
[[ -x "$PAYGATE_BIN" ]] || die "$PAYGATE_BIN is not executable"
[[ -x "$GEN_BIN" ]] || die "$GEN_BIN is not executable (build the callbacks_corpus target)"

# ---- keys and the signed reply -----------------------------------------------------------------

keys="$work/keys"
mkdir -p "$keys"
keys_new() {  # prints the serial
  "$PAYGATE_BIN" keys new --dir "$keys" "$@" | sed -n 's/^serial: \([0-9A-Fa-f]*\)$/\1/p'
}
merchant_serial=$(keys_new --mchid "$MCHID")
platform_serial=$(keys_new --mchid platform --role platform)
[[ -n "$merchant_serial" && -n "$platform_serial" ]] || die "paygate keys new failed"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$keys/app.token"
token=$(cat "$keys/app.token")

reply_body='{"appid":"wxd678efh567hg6787","mchid":"'$MCHID'","out_trade_no":"bench_0001","transaction_id":"4200001234202401011234567890","trade_state":"SUCCESS","amount":{"total":100,"currency":"CNY"}}'
reply_ts=$(date +%s)
reply_nonce=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
reply_sig=$(printf '%s\n%s\n%s\n' "$reply_ts" "$reply_nonce" "$reply_body" |
  openssl dgst -sha256 -sign "$keys/platform_platform.key.pem" | base64 -w0)

# ---- configurations ----------------------------------------------------------------------------

pick_port_into PLATFORM_PORT
pick_port_into APP_PORT
pick_port_into GATEWAY_PORT
pick_port_into ADMIN_PORT
pick_port_into CALLBACKS_ADMIN_PORT

write_nginx_conf "$work/platform" "    server {
        listen 127.0.0.1:$PLATFORM_PORT reuseport backlog=4096;
        location / {
            default_type application/json;
            add_header Wechatpay-Timestamp $reply_ts;
            add_header Wechatpay-Nonce $reply_nonce;
            add_header Wechatpay-Signature '$reply_sig';
            add_header Wechatpay-Serial $platform_serial;
            add_header Wechatpay-Signature-Type WECHATPAY2-SHA256-RSA2048;
            return 200 '$reply_body';
        }
    }"
write_nginx_conf "$work/app" "    server {
        listen 127.0.0.1:$APP_PORT reuseport backlog=4096;
        location / { return 204; }
    }"

cat > "$work/paygate.yaml" <<EOF
workers: 1
io_backend: $IO_BACKEND
drain_timeout: 1s
listener: {address: 127.0.0.1, port: $GATEWAY_PORT}
admin: {address: 127.0.0.1, port: $ADMIN_PORT}
log: {level: info, error_log: $work/error.log, access_log: "off"}
merchant:
  identities:
    - {mchid: "$MCHID", serial: $merchant_serial, private_key: $keys/${MCHID}_merchant.key.pem,
       apiv3_key_file: $keys/$MCHID.apiv3}
  platform_keys: [{certificate: $keys/platform_platform.cert.pem}]
  apps: [{name: bench, token_file: $keys/app.token, mchids: ["$MCHID"]}]
  clock_skew: 1h
  callbacks:
    store: $work/callbacks.db
    port: $CALLBACKS_ADMIN_PORT
    forward_to: http://127.0.0.1:$APP_PORT/events
clusters:
  - {name: platform, endpoints: [127.0.0.1:$PLATFORM_PORT], max_idle_per_endpoint: $((CONNECTIONS * 2))}
routes:
  - {name: notify, path: /wechatpay/notify, methods: [POST], receive: callbacks}
  - {name: egress, prefix: /v3/, cluster: platform, sign: merchant, verify: platform}
EOF
"$PAYGATE_BIN" check -c "$work/paygate.yaml" > "$work/check.log" 2>&1 ||
  { cat "$work/check.log" >&2; die "paygate rejected the benchmark configuration"; }

# wrk: each notification of the corpus once (CORPUS: one "ts<TAB>nonce<TAB>signature<TAB>body"
# per line).
cat > "$work/callbacks.lua" <<'EOF'
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local serial = os.getenv("PLATFORM_SERIAL")
  local file = assert(io.open(os.getenv("CORPUS"), "r"))
  reqs, n, used, exhausted = {}, 0, 0, 0
  for line in file:lines() do
    local ts, nonce, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    n = n + 1
    reqs[n] = wrk.format("POST", "/wechatpay/notify", {
      ["Content-Type"] = "application/json", ["Wechatpay-Timestamp"] = ts,
      ["Wechatpay-Nonce"] = nonce, ["Wechatpay-Signature"] = sig,
      ["Wechatpay-Serial"] = serial, ["Wechatpay-Signature-Type"] = "WECHATPAY2-SHA256-RSA2048" },
      body)
  end
  file:close()
end

function request()
  if used >= n then
    exhausted = 1
    wrk.thread:stop()
    return reqs[n]
  end
  used = used + 1
  return reqs[used]
end

function done(summary, latency, requests)
  local ex = 0
  for _, t in ipairs(threads) do ex = ex + t:get("exhausted") end
  io.write(string.format("CORPUS exhausted=%d\n", ex))
end
EOF

# ---- processes ---------------------------------------------------------------------------------

start_nginx "$work/platform" "$CLIENT_CORE"
wait_for_200 "http://127.0.0.1:$PLATFORM_PORT/" "platform nginx" "$started_pid"
start_nginx "$work/app" "$CLIENT_CORE"
taskset -c "$PROXY_CORE" "$PAYGATE_BIN" run -c "$work/paygate.yaml" > "$work/stdout.log" 2>&1 &
gateway_pid=$!
pids+=("$gateway_pid")
wait_for_200 "http://127.0.0.1:$ADMIN_PORT/readyz" "paygate" "$gateway_pid" "$work/error.log"
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$GATEWAY_PORT$REQUEST_PATH")
[[ $status == 200 ]] || die "a signed egress call answered $status (logs in $work; KEEP_WORK=1)"

# ---- measuring ---------------------------------------------------------------------------------

metric_sum() {  # $1 = metric name with labels as written: the sum of its samples
  curl -s --max-time 2 "http://127.0.0.1:$ADMIN_PORT/metrics" |
    awk -v m="$1" 'index($0, m) == 1 { n += $NF } END { printf "%d", n }'
}

# "sign/s verify/s limit/s" per wall-clock second, then the same per CPU second (what openssl
# itself reports), for RSA-2048 on PROXY_CORE.
run_speed() {
  local out="$work/speed-$RANDOM.txt"
  taskset -c "$PROXY_CORE" openssl speed -seconds "$SPEED_SECONDS" -mr rsa2048 > "$out" 2>&1 ||
    die "openssl speed failed: $(cat "$out")"
  awk -F: -v s="$SPEED_SECONDS" '/^\+R[0-9]+:/ { c[++k] = $2; t[k] = $NF }
    END { if (k != 2) exit 1; sw = c[1] / s; vw = c[2] / s; sc = c[1] / t[1]; vc = c[2] / t[2]
          printf "%.1f %.1f %.1f %.1f %.1f %.1f\n", sw, vw, 1 / (1 / sw + 1 / vw),
                 sc, vc, 1 / (1 / sc + 1 / vc) }' "$out" ||
    die "could not read openssl speed's output: $(cat "$out")"
}

# "req/s p50_ms p99_ms cpu_us" of the egress route for $1 seconds (cpu_us: paygate's CPU per
# request); every answer must be 200 and verified.
run_egress() {
  local out="$work/wrk-egress-$RANDOM.txt" bad0 bad1 t0 t1
  bad0=$(metric_sum 'paygate_egress_reply_verifications_total{result="bad')
  t0=$(proc_ticks "$gateway_pid")
  timeout $(($1 + 30)) taskset -c "$CLIENT_CORE" wrk -t1 -c"$CONNECTIONS" -d"${1}s" --latency \
    --timeout 5s -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$GATEWAY_PORT$REQUEST_PATH" > "$out" 2>&1 || die "wrk failed: $(cat "$out")"
  t1=$(proc_ticks "$gateway_pid")
  bad1=$(metric_sum 'paygate_egress_reply_verifications_total{result="bad')
  grep -q "Non-2xx" "$out" && die "egress answers other than 200 (wrk output: $out)"
  (( bad1 == bad0 )) || die "replies failed verification during the round"
  local requests
  requests=$(awk '/requests in/ { print $1 }' "$out")
  echo "$(awk '/^Requests\/sec:/ { print $2 }' "$out") $(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")" \
       "$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")" \
       "$(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="$requests" \
            'BEGIN { printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0) }')"
}

# "callbacks/s p50_ms p99_ms" of the receiver for $1 seconds, a fresh corpus each time.
run_callbacks() {
  local last_cps
  last_cps=$(cat "$work/last_cps" 2>/dev/null || echo 20000)
  local out="$work/wrk-callbacks-$RANDOM.txt" stored0 stored1 count
  count=$(awk -v r="$last_cps" -v s="$1" -v m="$CORPUS_MARGIN" \
    'BEGIN { c = int(r * s * m) + 1; if (c < 20000) c = 20000; print c }')
  "$GEN_BIN" --key "$keys/platform_platform.key.pem" --apiv3-key-file "$keys/$MCHID.apiv3" \
    --mchid "$MCHID" --count "$count" --threads "$(nproc)" > "$work/corpus.txt" ||
    die "callbacks_corpus failed"
  stored0=$(metric_sum 'paygate_callbacks_received_total{result="stored"}')
  CORPUS="$work/corpus.txt" PLATFORM_SERIAL="$platform_serial" \
    timeout $(($1 + 60)) taskset -c "$CLIENT_CORE" wrk -t1 -c"$CONNECTIONS" -d"${1}s" --latency \
    --timeout 5s -s "$work/callbacks.lua" "http://127.0.0.1:$GATEWAY_PORT" > "$out" 2>&1 ||
    die "wrk failed: $(cat "$out")"
  stored1=$(metric_sum 'paygate_callbacks_received_total{result="stored"}')
  grep -q "CORPUS exhausted=0" "$out" || die "the callbacks corpus ran out: raise CORPUS_MARGIN"
  grep -q "Non-2xx" "$out" && die "callbacks refused (wrk output: $out; KEEP_WORK=1)"
  local requests
  requests=$(awk '/requests in/ { print $1 }' "$out")
  # wrk counts the answers it read; up to one request per connection was still in flight.
  (( stored1 - stored0 >= requests && stored1 - stored0 <= requests + CONNECTIONS )) ||
    die "$requests callbacks answered but $((stored1 - stored0)) stored"
  awk '/^Requests\/sec:/ { print $2 }' "$out" > "$work/last_cps"
  # The outbox forwards what the round took in to the app, on the same core: the next
  # measurement starts once it is done.
  for _ in $(seq 600); do
    [[ $(metric_sum 'paygate_callbacks_pending ') == 0 ]] && break
    sleep 0.1
  done
  echo "$(awk '/^Requests\/sec:/ { print $2 }' "$out") $(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")" \
       "$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")"
}

measure() {  # $1 = speed | egress | callbacks
  case $1 in
    speed) run_speed ;;
    egress) run_egress "$DURATION" ;;
    callbacks) run_callbacks "$DURATION" ;;
  esac
}

echo "egress.sh: paygate=$PAYGATE_BIN $(openssl version | cut -d' ' -f1-2); ${ROUNDS} rounds x" \
     "${DURATION}s, $CONNECTIONS connections; paygate and openssl on core $PROXY_CORE, wrk and" \
     "nginx on core $CLIENT_CORE; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "warm-up (not counted): speed $(run_speed) | egress $(run_egress "$WARMUP")" \
     "| callbacks $(run_callbacks "$WARMUP")"

: > "$work/speed.results"; : > "$work/egress.results"; : > "$work/callbacks.results"
for round in $(seq "$ROUNDS"); do
  if (( round % 2 )); then order="speed egress callbacks"; else order="callbacks egress speed"; fi
  line="round $round/$ROUNDS:"
  for what in $order; do
    result=$(measure "$what")
    echo "$result" >> "$work/$what.results"
    line+=" $what $result |"
  done
  echo "${line% |}"
done

kill -0 "$gateway_pid" 2>/dev/null || die "paygate died during the run"
S="$work/speed.results" E="$work/egress.results" C="$work/callbacks.results"
sign=$(median "$S" 1) verify=$(median "$S" 2) limit=$(median "$S" 3) limit_cpu=$(median "$S" 6)
rps=$(median "$E" 1) p50=$(median "$E" 2) p99=$(median "$E" 3) cpu_us=$(median "$E" 4)
cps=$(median "$C" 1) cp50=$(median "$C" 2) cp99=$(median "$C" 3)
ratio=$(awk -v a="$rps" -v b="$limit" 'BEGIN { printf "%.3f", a / b }')
cratio=$(awk -v a="$cps" -v b="$verify" 'BEGIN { printf "%.3f", a / b }')
cpu_ratio=$(awk -v u="$cpu_us" -v b="$limit_cpu" 'BEGIN { printf "%.3f", (u > 0 ? 1e6 / u / b : 0) }')
pass=$(awk -v r="$ratio" -v t="$TARGET_RATIO" 'BEGIN { print (r >= t ? "yes" : "no") }')
echo
results=$(results_dir)
echo "# bench/egress.sh $(date -u +%Y-%m-%dT%H:%MZ): median of $ROUNDS rounds x ${DURATION}s," \
     "$CONNECTIONS connections, openssl ${SPEED_SECONDS}s per phase, io_backend $IO_BACKEND" \
     > "$results/egress.txt"
{
  echo "median of $ROUNDS rounds, ${DURATION}s each (openssl: ${SPEED_SECONDS}s per phase), one core"
  printf '%-10s %10s %9s %9s %12s %10s\n' what per_s p50_ms p99_ms reference ratio
  printf '%-10s %10.0f %9.3f %9.3f %12.0f %9.3fx\n' egress "$rps" "$p50" "$p99" "$limit" "$ratio"
  printf '%-10s %10.0f %9.3f %9.3f %12.0f %9.3fx\n' callbacks "$cps" "$cp50" "$cp99" "$verify" "$cratio"
  echo "egress reference: 1/(1/sign + 1/verify) of openssl speed rsa2048 (sign $sign/s, verify" \
       "$verify/s), target >= ${TARGET_RATIO}x; callbacks reference: its verify/s alone."
  echo "egress per CPU second: paygate $cpu_us us of CPU per request, $(awk -v u="$cpu_us" \
       'BEGIN { printf "%.0f", 1e6 / u }') req per CPU s against openssl's $limit_cpu: cpu_ratio" \
       "${cpu_ratio}x (steadier than req/s on a shared machine)."
  echo "RESULT egress paygate_rps=$rps limit_rps=$limit ratio=$ratio p50_ms=$p50 p99_ms=$p99" \
       "openssl_sign_per_s=$sign openssl_verify_per_s=$verify paygate_cpu_us=$cpu_us" \
       "limit_cpu_rps=$limit_cpu cpu_ratio=$cpu_ratio rounds=$ROUNDS duration_s=$DURATION" \
       "connections=$CONNECTIONS target=$TARGET_RATIO pass=$pass"
  echo "RESULT callbacks paygate_cps=$cps verify_per_s=$verify ratio=$cratio p50_ms=$cp50" \
       "p99_ms=$cp99 rounds=$ROUNDS duration_s=$DURATION connections=$CONNECTIONS"
} | tee -a "$results/egress.txt"
awk -v r="$rps" -v l="$limit" -v u="$cpu_us" -v lc="$limit_cpu" \
  'BEGIN { print "per openssl-limit paygate"; printf "wall-clock-second %s %s\n", l, r
           printf "CPU-second %s %.1f\n", lc, (u > 0 ? 1e6 / u : 0) }' > "$work/plot.dat"
plot_bars "$results/egress.png" "Signed egress, RSA-2048, one core: openssl speed limit and paygate (req per wall-clock / CPU second)" \
  "$work/plot.dat" openssl-limit paygate
printf 'callbacks openssl-verify paygate\nreceived-durably %s %s\n' "$verify" "$cps" \
  > "$work/plot-callbacks.dat"
plot_bars "$results/egress-callbacks.png" "Callbacks received durably, one core: openssl verify/s and paygate (per s)" \
  "$work/plot-callbacks.dat" openssl-verify paygate
