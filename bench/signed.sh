#!/usr/bin/env bash
# bench/signed.sh: the signed path (verify: merchant + sign: platform), paygate beside raw OpenSSL
# sign+verify measured in the same run.
#
# What is compared
#   paygate: workers: 1, access_log: off, one route `prefix: /v3/` with `verify: merchant` and
#            `sign: platform` in front of the backend. Per request it verifies the merchant's
#            signature (one public-key operation), admits the nonce into the replay store, proxies,
#            and signs the reply with the platform key (one private-key operation).
#   the crypto limit: `openssl speed` on the same core, in the same run, interleaved with the
#            paygate rounds: sign/s and verify/s of the algorithm, limit = 1/(1/sign + 1/verify)
#            requests per second per core (nothing but the two signature operations).
#   Target: paygate >= 0.95x the limit per core for RSA-2048 (WECHATPAY2-SHA256-RSA2048:
#   `openssl speed rsa2048`), and >= 1.5x for SM2 (WECHATPAY2-SM2-WITH-SM3: `openssl speed sm2`,
#   i.e. the CurveSM2 sign/verify of Debian's OpenSSL 3.0; `-evp sm2` is not a speed algorithm
#   there). SM2 can beat its limit because paygate does not go through EVP: it verifies with
#   precomputed tables of G and of the merchant's key, and precomputes signing nonces (OpenSSL's
#   constant-time ladder) between requests (issue 19; docs/architecture.md, "SM2 signatures");
#   the refill runs on the same core, so its cost is in paygate's figures.
#   bench/sm2.sh measures the crypto alone.
#   openssl speed signs a 36-byte digest-sized message with no SM3/SHA-256 of the message and no
#   base64: the limit is a ceiling that paygate can approach but not reach.
#
# The request corpus
#   Each round replays its own corpus of distinct signed GET requests: the same request target
#   with a fresh timestamp (the time of generation) and a unique nonce per request, generated just
#   before the round by bench/signed_corpus (built with the tree, links paygate_wechatpay; one
#   signature per request over both cores). Corpus size = CORPUS_MARGIN x the latest crypto limit
#   x DURATION (paygate cannot beat the RSA limit for long; for SM2, which beats its limit, the
#   margin is CORPUS_MARGIN_SM2), so generation takes about as long as the round. wrk's Lua script (written below) reads the corpus at init, formats every request once,
#   and sends each exactly once; if a corpus ever ran out, wrk would stop and the round is
#   reported as broken (req/s would be understated) rather than replaying nonces.
#   Every request must pass verification: the round fails on any non-2xx answer from wrk or any
#   change of paygate_signature_failures_total on the admin port.
#
# The backend, and why
#   A second nginx (1 worker, `return 200` of a small JSON body), as in bench/proxy.sh: the
#   cheapest well-known HTTP/1.1 server, ~7 us of CPU per request on the client core, no build,
#   no state. mockpay's GET /mock/health would do too at these rates (a few thousand req/s), but it
#   is a model of the WeChat Pay side with its own code paths: nginx keeps the backend neutral and
#   the figures comparable with proxy.sh.
#
# Cores (the machine has 2)
#   core PROXY_CORE  (0): paygate (the gateway under test) and openssl speed, never at once.
#   core CLIENT_CORE (1): wrk (1 thread) and the backend; both are idle-ish at signed-path rates.
#   The corpus generator runs between rounds on both cores.
#
# Method
#   One warm-up per algorithm, then ROUNDS rounds; each round measures, per algorithm,
#   openssl speed and paygate, in alternating order (ABBA) so that drift in background load hits
#   both alike. Reported: medians of req/s, p50, p99 (wrk --latency) and paygate CPU per request;
#   of openssl's sign/s and verify/s, both per wall-clock second (the alarm-bounded run: the
#   same basis as wrk's req/s) and per CPU second (what openssl itself reports; steady under
#   load). Two ratios:
#     ratio     = paygate req/s / wall-clock limit           (the target's figure)
#     cpu_ratio = (1e6 / paygate CPU us per request) / CPU-time limit (the noise-resistant view)
#
# Scaling
#   For each algorithm in SCALING a second gateway runs the same configuration with workers: 2,
#   pinned to both cores, measured in every round next to the one-worker gateway with the same
#   client (wrk and the backend on CLIENT_CORE, as above, so they now share a core with a
#   worker). Reported: its req/s and the ratio to one worker. Target: >= 1.8x.
#
# Usage
#   bench/signed.sh                 # paygate + signed_corpus from build/h-bench, build/release...
#   PAYGATE=/path/bin/paygate CORPUS_GEN=/path/bin/signed_corpus ROUNDS=5 DURATION=10 bench/signed.sh
#   ALGORITHMS=rsa bench/signed.sh  # RSA only (default: "rsa sm2")
#   PERF_DIR=/tmp/prof bench/signed.sh  # also `perf record $PERF_ARGS` (default -g) of paygate in
#                                   # each measured round
#                                   # (perf-ALG-ROUND.data; perf's cost lowers those figures)
#   SCALING="rsa sm2" bench/signed.sh  # which algorithms also run with workers: 2 on both cores
#                                   # (default: rsa; "" for none), see "Scaling" below
#   REDIS=1 bench/signed.sh         # the cluster's view: a redis section (steps/shared_admission.h)
#                                   # on a redis-server pinned to CLIENT_CORE, so every request
#                                   # also costs one round trip (its nonce and the merchant's limit)
#   Needs wrk, nginx, openssl, taskset, curl (and redis-server with REDIS=1). Build Release first:
#   paygate and signed_corpus.
#
# Output: a table, then machine-readable lines, one per algorithm:
#   RESULT signed algorithm=rsa paygate_rps=... limit_rps=... ratio=... p99_ms=... pass=yes|no
# Exit status: 0 when the benchmark ran (whatever the figures), 1 when something broke
# (including any request that failed verification).

set -euo pipefail

ROUNDS=${ROUNDS:-3}               # measured rounds
DURATION=${DURATION:-8}           # seconds per paygate measurement
SPEED_SECONDS=${SPEED_SECONDS:-3} # seconds per openssl speed phase (sign, then verify)
WARMUP=${WARMUP:-2}               # seconds of warm-up per algorithm
CONNECTIONS=${CONNECTIONS:-16}    # saturating: p99 is mostly queueing, ~ CONNECTIONS / rate
THREADS=${THREADS:-1}             # wrk threads (on CLIENT_CORE)
PROXY_CORE=${PROXY_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
BACKEND_CORE=${BACKEND_CORE:-$CLIENT_CORE}
ALGORITHMS=${ALGORITHMS:-rsa sm2}
SCALING=${SCALING-rsa}
SCALING_TARGET=${SCALING_TARGET:-1.8}
TARGET_RATIO=${TARGET_RATIO:-0.95}          # RSA (issue 19; 0.90 before)
TARGET_RATIO_SM2=${TARGET_RATIO_SM2:-1.5}    # SM2 (issue 19)
CORPUS_MARGIN=${CORPUS_MARGIN:-1.5}
CORPUS_MARGIN_SM2=${CORPUS_MARGIN_SM2:-4}  # SM2: paygate runs at ~2x openssl's limit (issue 19)
GEN_THREADS=${GEN_THREADS:-$(nproc)}
MCHID=${MCHID:-1230000109}
REQUEST_PATH=${REQUEST_PATH:-/v3/pay/transactions/id/4200001234202401011234567890?mchid=$MCHID}

bench_name=signed.sh
bench_work_prefix=paygate-signed-bench
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_tools wrk nginx openssl taskset curl
NGINX=$(command -v nginx)
PAYGATE_BIN=${PAYGATE:-$(find_bin paygate)}
GEN_BIN=${CORPUS_GEN:-$(dirname "$PAYGATE_BIN")/signed_corpus}
[[ -x "$PAYGATE_BIN" ]] || die "$PAYGATE_BIN is not executable"
[[ -x "$GEN_BIN" ]] || die "$GEN_BIN is not executable (build the signed_corpus target, or set CORPUS_GEN)"

pick_port_into BACKEND_PORT
REDIS=${REDIS:-0}
redis_section=""
if [[ "$REDIS" == 1 ]]; then
  require_tools redis-server redis-cli
  pick_port_into REDIS_PORT
  # A generous limit: the merchant is counted on every request, never refused.
  redis_section="redis:
  address: 127.0.0.1:$REDIS_PORT"
  merchant_limit="    rate_limit: {rate: 1000000, burst: 1000000}"
fi

# ---- keys (paygate keys new) -------------------------------------------------------------------

keys_new() {  # $1 = dir, then args; prints the serial
  local out
  out=$("$PAYGATE_BIN" keys new --dir "$1" "${@:2}") || die "paygate keys new ${*:2} failed"
  sed -n 's/^serial: \([0-9A-Fa-f]*\)$/\1/p' <<<"$out"
}

declare -A merchant_serial gateway_port admin_port gateway_pid instance_alg
for alg in $SCALING; do
  [[ " $ALGORITHMS " == *" $alg "* ]] || die "SCALING names '$alg', which is not in ALGORITHMS"
  instance_alg[$alg-2w]=$alg
  pick_port_into "gateway_port[$alg-2w]"
  pick_port_into "admin_port[$alg-2w]"
done
for alg in $ALGORITHMS; do
  case $alg in rsa|sm2) ;; *) die "unknown algorithm '$alg' (rsa, sm2)" ;; esac
  mkdir -p "$work/$alg/keys"
  merchant_serial[$alg]=$(keys_new "$work/$alg/keys" --mchid "$MCHID" --algorithm "$alg")
  keys_new "$work/$alg/keys" --mchid platform --role platform --algorithm "$alg" >/dev/null
  [[ -n "${merchant_serial[$alg]}" ]] || die "no serial from paygate keys new ($alg)"
  pick_port_into "gateway_port[$alg]"
  pick_port_into "admin_port[$alg]"
done

# ---- configurations --------------------------------------------------------------------------

write_backend_conf "$work/backend" "$BACKEND_PORT"

for alg in $ALGORITHMS; do
  k="$work/$alg/keys"
  cat > "$work/$alg/paygate.yaml" <<EOF
workers: 1
drain_timeout: 1s
listener:
  address: 127.0.0.1
  port: ${gateway_port[$alg]}
admin:
  address: 127.0.0.1
  port: ${admin_port[$alg]}
log:
  level: info
  error_log: $work/$alg/error.log
  access_log: "off"
platform:
  keys:
    - private_key: $k/platform_platform.key.pem
      certificate: $k/platform_platform.cert.pem
merchants:
  - mchid: "$MCHID"
    apiv3_key_file: $k/$MCHID.apiv3
    keys:
      - certificate: $k/${MCHID}_merchant.cert.pem
${merchant_limit:-}
clusters:
  - name: backend
    endpoints: [127.0.0.1:$BACKEND_PORT]
    max_idle_per_endpoint: $((CONNECTIONS * 2))
routes:
  - name: pay
    prefix: /v3/
    cluster: backend
    verify: merchant
    sign: platform
$redis_section
EOF
  "$PAYGATE_BIN" check -c "$work/$alg/paygate.yaml" > "$work/$alg/check.log" 2>&1 ||
    { cat "$work/$alg/check.log" >&2; die "paygate rejected the $alg benchmark configuration"; }
done
for alg in $SCALING; do  # the same with two workers, on their own ports
  sed -e "s/^workers: 1$/workers: 2/" -e "s/port: ${gateway_port[$alg]}$/port: ${gateway_port[$alg-2w]}/" \
      -e "s/port: ${admin_port[$alg]}$/port: ${admin_port[$alg-2w]}/" \
      -e "s|error_log: .*|error_log: $work/$alg/error-2w.log|" \
      "$work/$alg/paygate.yaml" > "$work/$alg/paygate-2w.yaml"
done

# wrk: each request of the corpus exactly once. CORPUS names the file (one Authorization a line);
# with several wrk threads, thread i takes lines i, i+T, i+2T, ...
cat > "$work/replay.lua" <<'EOF'
local threads = {}
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path = os.getenv("CORPUS_PATH")
  local file = assert(io.open(os.getenv("CORPUS"), "r"))
  local nthreads = tonumber(os.getenv("WRK_THREADS"))
  reqs, n, used, exhausted, line = {}, 0, 0, 0, 0
  for auth in file:lines() do
    if line % nthreads == id then
      n = n + 1
      reqs[n] = wrk.format("GET", path, {
        ["Authorization"] = auth, ["Accept"] = "application/json",
        ["User-Agent"] = "paygate-bench/1.0", ["Accept-Language"] = "zh-CN" })
    end
    line = line + 1
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
  local total_used, total_n, ex = 0, 0, 0
  for _, t in ipairs(threads) do
    total_used = total_used + t:get("used")
    total_n = total_n + t:get("n")
    ex = ex + t:get("exhausted")
  end
  io.write(string.format("CORPUS used=%d size=%d exhausted=%d\n", total_used, total_n, ex))
end
EOF

# ---- processes -------------------------------------------------------------------------------


start_nginx "$work/backend" "$BACKEND_CORE"; backend_pid=$started_pid
[[ "$REDIS" == 1 ]] && start_redis "$REDIS_PORT" "$CLIENT_CORE"
wait_for_200 "http://127.0.0.1:$BACKEND_PORT/" "backend nginx" "$backend_pid"
for alg in $ALGORITHMS; do
  taskset -c "$PROXY_CORE" "$PAYGATE_BIN" run -c "$work/$alg/paygate.yaml" \
    > "$work/$alg/stdout.log" 2>&1 &
  gateway_pid[$alg]=$!
  pids+=("${gateway_pid[$alg]}")
  wait_for_200 "http://127.0.0.1:${admin_port[$alg]}/readyz" "paygate ($alg)" "${gateway_pid[$alg]}"
done
for alg in $SCALING; do
  taskset -c "$PROXY_CORE,$CLIENT_CORE" "$PAYGATE_BIN" run -c "$work/$alg/paygate-2w.yaml" \
    > "$work/$alg/stdout-2w.log" 2>&1 &
  gateway_pid[$alg-2w]=$!
  pids+=("${gateway_pid[$alg-2w]}")
  wait_for_200 "http://127.0.0.1:${admin_port[$alg-2w]}/readyz" "paygate ($alg, 2 workers)" \
    "${gateway_pid[$alg-2w]}"
done

# ---- measuring -------------------------------------------------------------------------------


TICK_HZ=$(getconf CLK_TCK)

sched_ns() {  # "on-cpu-ns runqueue-wait-ns" summed over the threads of $1 (/proc/PID/task/*/schedstat)
  cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ r += $1; w += $2 } END { printf "%.0f %.0f", r, w }'
}

core_sample() {  # "busy total" of PROXY_CORE from /proc/stat
  awk -v a="cpu$PROXY_CORE" '$1 == a { t = 0; for (i = 2; i <= NF; i++) t += $i
                                       print t - $5 - $6, t }' /proc/stat
}
busy_pct() { awk -v x="$1" -v y="$2" 'BEGIN { split(x, a); split(y, b)
  printf "%.0f", 100 * (b[1] - a[1]) / (b[2] - a[2] + 1e-9) }'; }

sig_failures() {  # $1 = algorithm: sum of paygate_signature_failures_total
  curl -s --max-time 2 "http://127.0.0.1:${admin_port[$1]}/metrics" |
    awk '/^paygate_signature_failures_total/ { n += $NF } END { printf "%d", n }'
}

# Latest crypto limit per algorithm (wall-clock req/s), to size the next corpus. Seeded by a
# short openssl run at start.
declare -A last_limit

# run_speed ALG -> appends "sign_wall verify_wall limit_wall sign_cpu verify_cpu limit_cpu busy%"
#   to $work/speed-ALG.results. openssl speed runs each phase for SPEED_SECONDS of wall-clock time
#   (alarm) and reports count and CPU seconds (-mr lines +R<n>:count:bits[:curve]:cpu_seconds).
run_speed() {
  local alg=$1 name out="$work/speed-$1-$RANDOM.txt" before after
  name=$([[ $alg == rsa ]] && echo rsa2048 || echo sm2)
  before=$(core_sample)
  taskset -c "$PROXY_CORE" openssl speed -seconds "$SPEED_SECONDS" -mr "$name" > "$out" 2>&1 ||
    die "openssl speed $name failed: $(cat "$out")"
  after=$(core_sample)
  local line
  line=$(awk -F: -v s="$SPEED_SECONDS" '/^\+R[0-9]+:/ { c[++k] = $2; t[k] = $NF }
    END { if (k != 2) exit 1
          sw = c[1] / s; vw = c[2] / s; sc = c[1] / t[1]; vc = c[2] / t[2]
          printf "%.1f %.1f %.1f %.1f %.1f %.1f", sw, vw, 1 / (1 / sw + 1 / vw),
                 sc, vc, 1 / (1 / sc + 1 / vc) }' "$out") ||
    die "could not read openssl speed $name output: $(cat "$out")"
  echo "$line $(busy_pct "$before" "$after")" >> "$work/speed-$alg.results"
  last_limit[$alg]=$(cut -d' ' -f3 <<<"$line")
  set -- $line
  printf '  %-14s sign %7.0f/s verify %8.0f/s limit %6.0f req/s (wall) | per CPU s: sign %7.0f verify %8.0f limit %6.0f\n' \
    "openssl-$alg" "$1" "$2" "$3" "$4" "$5" "$6"
}

# make_corpus ALG SECONDS [CORES] -> $work/corpus-ALG.txt, sized from the latest limit (per core,
# times CORES); prints the time
make_corpus() {
  local alg=$1 seconds=$2 cores=${3:-1} count t0 t1
  local margin=$CORPUS_MARGIN
  [[ $alg == sm2 ]] && margin=$CORPUS_MARGIN_SM2
  count=$(awk -v l="${last_limit[$alg]}" -v s="$seconds" -v m="$margin" -v c="$cores" \
    'BEGIN { c = int(l * s * m * c) + 1; if (c < 2000) c = 2000; print c }')
  t0=$(date +%s.%N)
  "$GEN_BIN" --key "$work/$alg/keys/${MCHID}_merchant.key.pem" --mchid "$MCHID" \
    --serial "${merchant_serial[$alg]}" --method GET --url "$REQUEST_PATH" \
    --count "$count" --threads "$GEN_THREADS" > "$work/corpus-$alg.txt" ||
    die "signed_corpus failed ($alg)"
  t1=$(date +%s.%N)
  corpus_note=$(awk -v a="$t0" -v b="$t1" -v c="$count" 'BEGIN { printf "corpus %d in %.1fs", c, b - a }')
}

# run_wrk INSTANCE SECONDS RESULTS -> appends "rps p50 p99 busy% errors cpu_us" to
# $work/RESULTS.results. INSTANCE is an algorithm (its one-worker gateway) or ALG-2w.
run_wrk() {
  local inst=$1 seconds=$2 name=$3 out="$work/wrk-$1-$RANDOM.txt" before after t0 t1 f0 f1 s0 s1
  local alg=${instance_alg[$1]:-$1}
  make_corpus "$alg" "$seconds" "$([[ $inst == *-2w ]] && echo 2 || echo 1)"
  f0=$(sig_failures "$inst")
  t0=$(proc_ticks "${gateway_pid[$inst]}")
  s0=$(sched_ns "${gateway_pid[$inst]}")
  before=$(core_sample)
  local perf_pid=""
  if [[ -n "${PERF_DIR:-}" && $name != warmup ]]; then  # profile the measured rounds
    mkdir -p "$PERF_DIR"
    perf record -q ${PERF_ARGS:--g} -o "$PERF_DIR/perf-$inst-$round.data" -p "${gateway_pid[$inst]}" \
      -- sleep "$seconds" > /dev/null 2>&1 &
    perf_pid=$!
  fi
  CORPUS="$work/corpus-$alg.txt" CORPUS_PATH="$REQUEST_PATH" WRK_THREADS="$THREADS" \
    timeout $((seconds + 60)) taskset -c "$CLIENT_CORE" wrk -t"$THREADS" -c"$CONNECTIONS" \
    -d"${seconds}s" --latency --timeout 5s -s "$work/replay.lua" \
    "http://127.0.0.1:${gateway_port[$inst]}" > "$out" 2>&1 ||
    die "wrk against paygate ($alg) failed: $(cat "$out")"
  after=$(core_sample)
  [[ -z "$perf_pid" ]] || wait "$perf_pid" || true
  t1=$(proc_ticks "${gateway_pid[$inst]}")
  s1=$(sched_ns "${gateway_pid[$inst]}")
  f1=$(sig_failures "$inst")
  # Of the round's measured time (wrk -d, after its Lua init), the share paygate ran, and the share it was runnable but
  # waited for core PROXY_CORE (other work on the core); the rest it slept (waited for I/O).
  local ran waited
  read -r ran waited < <(awk -v a="$s0" -v b="$s1" -v w="$((seconds * 1000000000))" 'BEGIN { split(a, x); split(b, y)
    printf "%.0f %.0f\n", 100 * (y[1] - x[1]) / w, 100 * (y[2] - x[2]) / w }')
  local rps p50 p99 errors requests cpu_us corpus
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
  errors=$(awk '/Non-2xx or 3xx responses:/ { n += $NF }
                /Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 }
                END { print n + 0 }' "$out")
  requests=$(awk '/requests in/ { print $1 }' "$out")
  corpus=$(grep '^CORPUS ' "$out" || true)
  [[ -n "$rps" && -n "$corpus" ]] || die "could not read wrk's output ($alg): $(cat "$out")"
  [[ "$corpus" == *"exhausted=0"* ]] ||
    die "the $alg corpus ran out ($corpus): req/s would be understated; raise CORPUS_MARGIN"
  cpu_us=$(awk -v t=$((t1 - t0)) -v hz="$TICK_HZ" -v n="$requests" \
    'BEGIN { printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0) }')
  printf '  %-14s %7.0f req/s  p50 %7.3f ms  p99 %7.3f ms  cpu %6.1f us/req  core%s %3s%% (paygate ran %s%%, runnable-waiting %s%%)  non-2xx/socket errors %s  verify failures %s  (%s, %s)\n' \
    "paygate-$inst" "$rps" "$p50" "$p99" "$cpu_us" "$PROXY_CORE" "$(busy_pct "$before" "$after")" \
    "$ran" "$waited" \
    "$errors" "$((f1 - f0))" "$corpus_note" "${corpus#CORPUS }"
  if (( errors != 0 || f1 != f0 )); then
    KEEP_WORK=1
    die "$alg: $errors non-2xx/socket errors and $((f1 - f0)) signature failures: every request must pass verification (wrk output: $out)"
  fi
  echo "$rps $p50 $p99 $(busy_pct "$before" "$after") $errors $cpu_us $ran $waited" >> "$work/$name.results"
}


echo "signed.sh: paygate=$PAYGATE_BIN corpus=$GEN_BIN $(openssl version | cut -d' ' -f1-2)"
echo "signed.sh: ${ROUNDS} rounds x ${DURATION}s (openssl ${SPEED_SECONDS}s per phase)," \
     "$CONNECTIONS connections, algorithms: $ALGORITHMS; paygate and openssl on core $PROXY_CORE," \
     "wrk + backend on core $CLIENT_CORE; load average $(cut -d' ' -f1-3 /proc/loadavg)"
round=0
echo "warm-up (not counted):"
for alg in $ALGORITHMS; do
  run_speed "$alg"
  run_wrk "$alg" "$WARMUP" warmup
done
for alg in $ALGORITHMS; do rm -f "$work/speed-$alg.results"; done

for round in $(seq "$ROUNDS"); do
  echo "round $round/$ROUNDS:"
  for alg in $ALGORITHMS; do
    if (( round % 2 )); then run_speed "$alg"; run_wrk "$alg" "$DURATION" "paygate-$alg"
    else run_wrk "$alg" "$DURATION" "paygate-$alg"; run_speed "$alg"; fi
  done
  for alg in $SCALING; do run_wrk "$alg-2w" "$DURATION" "paygate-$alg-2w"; done
done

# ---- report ----------------------------------------------------------------------------------

for inst in $ALGORITHMS $(for alg in $SCALING; do echo "$alg-2w"; done); do
  kill -0 "${gateway_pid[$inst]}" 2>/dev/null || die "paygate ($inst) died during the run"
done
echo
echo "median of $ROUNDS rounds, ${DURATION}s each (openssl: ${SPEED_SECONDS}s per phase), $CONNECTIONS connections"
printf '%-5s %9s %8s %8s %10s %10s %10s %10s %7s %10s %9s %7s %5s %6s\n' alg paygate p50_ms p99_ms \
  cpu_us/req sign/s verify/s limit ratio limit_cpu cpu_ratio "core$PROXY_CORE%" ran% rqwait%
results=()
for alg in $ALGORITHMS; do
  P="$work/paygate-$alg.results" S="$work/speed-$alg.results"
  rps=$(median "$P" 1) p50=$(median "$P" 2) p99=$(median "$P" 3) busy=$(median "$P" 4)
  cpu_us=$(median "$P" 6) ran=$(median "$P" 7) waited=$(median "$P" 8)
  sign=$(median "$S" 1) verify=$(median "$S" 2) limit=$(median "$S" 3)
  sign_cpu=$(median "$S" 4) verify_cpu=$(median "$S" 5) limit_cpu=$(median "$S" 6)
  ratio=$(awk -v a="$rps" -v b="$limit" 'BEGIN { printf "%.3f", a / b }')
  cpu_ratio=$(awk -v u="$cpu_us" -v b="$limit_cpu" 'BEGIN { printf "%.3f", (u > 0 ? 1e6 / u / b : 0) }')
  target=$([[ $alg == sm2 ]] && echo "$TARGET_RATIO_SM2" || echo "$TARGET_RATIO")
  pass=$(awk -v r="$ratio" -v t="$target" 'BEGIN { print (r >= t ? "yes" : "no") }')
  printf '%-5s %9.0f %8.3f %8.3f %10.1f %10.0f %10.0f %10.0f %6.3fx %10.0f %8.3fx %7.0f %5.0f %6.0f\n' \
    "$alg" "$rps" "$p50" "$p99" "$cpu_us" "$sign" "$verify" "$limit" "$ratio" "$limit_cpu" \
    "$cpu_ratio" "$busy" "$ran" "$waited"
  printf -v line '%s ' "RESULT signed algorithm=$alg paygate_rps=$rps limit_rps=$limit" \
    "ratio=$ratio p50_ms=$p50 p99_ms=$p99 paygate_cpu_us=$cpu_us openssl_sign_per_s=$sign" \
    "openssl_verify_per_s=$verify limit_cpu_rps=$limit_cpu cpu_ratio=$cpu_ratio" \
    "openssl_sign_per_cpu_s=$sign_cpu openssl_verify_per_cpu_s=$verify_cpu verify_failures=0" \
    "paygate_ran_pct=$ran paygate_runqueue_wait_pct=$waited" \
    "rounds=$ROUNDS duration_s=$DURATION connections=$CONNECTIONS target=$target pass=$pass"
  results+=("${line% }")
done
echo "limit = 1/(1/sign + 1/verify) per core; ratio = paygate req/s / limit (both per wall-clock" \
     "second, target >= ${TARGET_RATIO}x for RSA, ${TARGET_RATIO_SM2}x for SM2); cpu_ratio = the same per CPU second (paygate's CPU per" \
     "request against openssl's CPU per sign+verify: steadier on a shared machine)."
echo "ran% / rqwait%: share of each paygate round's wall-clock time paygate was on core $PROXY_CORE /" \
     "runnable but waiting for it (other work on the core); the rest it slept waiting for I/O."
echo "every request passed verification (no non-2xx, no signature failures)."
for alg in $SCALING; do
  one=$(median "$work/paygate-$alg.results" 1) two=$(median "$work/paygate-$alg-2w.results" 1)
  scaling=$(awk -v a="$two" -v b="$one" 'BEGIN { printf "%.3f", a / b }')
  pass=$(awk -v r="$scaling" -v t="$SCALING_TARGET" 'BEGIN { print (r >= t ? "yes" : "no") }')
  echo "$alg with workers: 2 on cores $PROXY_CORE,$CLIENT_CORE (wrk and the backend on core" \
       "$CLIENT_CORE too): $(printf '%.0f' "$two") req/s against $(printf '%.0f' "$one") with one" \
       "worker: ${scaling}x (target >= ${SCALING_TARGET}x): $pass"
  results+=("RESULT signed_scaling algorithm=$alg one_worker_rps=$one two_workers_rps=$two ratio=$scaling target=$SCALING_TARGET pass=$pass")
done
for line in "${results[@]}"; do echo "$line"; done
plot_dat="$work/plot.dat"
echo "algorithm openssl-limit paygate" > "$plot_dat"
for alg in $ALGORITHMS; do
  echo "$alg $(median "$work/speed-$alg.results" 3) $(median "$work/paygate-$alg.results" 1)" >> "$plot_dat"
done
results_path=$(results_dir)
printf '%s\n' "# bench/signed.sh $(date -u +%Y-%m-%dT%H:%MZ): $ROUNDS rounds x ${DURATION}s" \
  "${results[@]}" > "$results_path/signed.txt"
plot_bars "$results_path/signed.png" "Signed path, one core: openssl speed limit and paygate (req/s)" \
  "$plot_dat" openssl-limit paygate
