#!/usr/bin/env bash
# bench/notify_postgres.sh: durable intakes/s with the outbox on PostgreSQL against the same load
# on SQLite (the reference, measured in the same run). The load is notify.sh's intake phase: wrk
# (1 thread, CONNECTIONS keep-alive connections, each request a new event with a unique
# idempotency key and a ~450-byte resource) POSTs to the internal listener of one paygate
# (dispatchers: 0). Each 201 means the event was committed: SQLite WAL fsynced (synchronous=FULL);
# PostgreSQL committed with synchronous_commit = on (WAL flushed). Both group-commit.
#
# ROUNDS rounds of DURATION seconds each (default 3 x 10 s), SQLite and PostgreSQL interleaved
# (the order swapped every round), medians and the ratio reported. Target: >= 0.8x.
# Cores: paygate on PAYGATE_CORES (0), wrk on CLIENT_CORE (1), the PostgreSQL server on
# PG_CORES (default: every core; on a real deployment it has a machine of its own).
# Each round gets a fresh SQLite file and a fresh PostgreSQL schema.
#   bench/notify_postgres.sh
#   ROUNDS=5 DURATION=10 CONNECTIONS=256 bench/notify_postgres.sh
#   PG_URL=postgresql://paygate@db:5432/paygate bench/notify_postgres.sh   (an existing server)
set -euo pipefail
bench_name=notify_postgres.sh
bench_work_prefix=paygate-notify-pg-bench
source "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-256}
PAYGATE_CORES=${PAYGATE_CORES:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
PG_CORES=${PG_CORES:-0-$(($(nproc) - 1))}
PAYGATE=${PAYGATE:-$(find_bin paygate)}
ENGINE="$bench_root/tests/integration/engine_postgres.py"
require_tools wrk taskset curl python3

"$PAYGATE" keys new --dir "$work/keys" --mchid 1230000109 >/dev/null
"$PAYGATE" keys new --dir "$work/keys" --mchid platform --role platform >/dev/null

if [[ -z "${PG_URL:-}" ]]; then
  chmod 755 "$work"  # as root the server runs as `postgres`, which must reach its directory
  PG_URL=$(taskset -c "$PG_CORES" python3 "$ENGINE" start "$work/pg") ||
    die "no PostgreSQL server (see $work/pg)"
  stop_postgres() { python3 "$ENGINE" stop "$work/pg" >/dev/null 2>&1 || true; bench_cleanup; }
  trap stop_postgres EXIT
fi

# write_config FILE STORE SCHEMA: paygate with the notification intake only.
write_config() {
  pick_port_into listen_port
  pick_port_into admin_port
  pick_port_into intake_port
  cat > "$1" <<CONF
workers: 1
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
    notify_urls: ["http://127.0.0.1:9/"]
notifications:
  store: "$2"
$3
  port: $intake_port
  dispatchers: 0
clusters:
  - name: none
    endpoints: [127.0.0.1:9]
routes:
  - name: all
    prefix: /
    cluster: none
CONF
}

metric() {  # $1 = metric line prefix (name{labels}); the summed value, 0 when absent
  curl -s "http://127.0.0.1:$admin_port/metrics" |
    awk -v m="$1" 'index($0, m) == 1 { s += $NF } END { printf "%d", s }'
}

cat > "$work/intake.lua" <<'LUA'
local n = 0
local tag = os.getenv("ROUND_TAG")
local resource = '{"appid":"wxd678efh567hg6787","mchid":"1230000109","out_trade_no":"1217752501201407033233368018","transaction_id":"1217752501201407033233368018","trade_type":"JSAPI","trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"CMC","attach":"","success_time":"2026-11-30T10:34:56+08:00","payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},"amount":{"total":100,"payer_total":100,"currency":"CNY","payer_currency":"CNY"}}'
local head = '{"mchid":"1230000109","notify_url":"http://127.0.0.1:9/notify","event_type":"TRANSACTION.SUCCESS","resource_type":"transaction","summary":"支付成功","resource":' .. resource .. ',"idempotency_key":"' .. tag .. '-'
local headers = {["Content-Type"] = "application/json"}
function request()
  n = n + 1
  return wrk.format("POST", "/internal/notifications", headers, head .. n .. '"}')
end
LUA

# intake BACKEND -> "rps events-per-commit paygate-CPU-us-per-intake" for one DURATION run on a fresh outbox. It runs in a
# subshell (abba_rounds): the tag, unique by the clock, keeps keys and schemas apart.
intake() {
  local tag="r$(date +%s%N)" store schema=""
  if [[ "$1" == sqlite ]]; then
    store="$work/outbox-$tag.db"
  else
    store="$PG_URL"
    schema="  store_schema: bench_$tag"
  fi
  write_config "$work/$tag.yaml" "$store" "$schema"
  taskset -c "$PAYGATE_CORES" "$PAYGATE" run -c "$work/$tag.yaml" > "$work/paygate-$tag.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  wait_for_200 "http://127.0.0.1:$admin_port/readyz" paygate "$pid" "$work/paygate-$tag.log"
  local cpu0
  cpu0=$(proc_ticks "$pid")
  ROUND_TAG=$tag taskset -c "$CLIENT_CORE" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" \
    -s "$work/intake.lua" "http://127.0.0.1:$intake_port" > "$work/wrk-$tag.txt"
  grep -q "Non-2xx" "$work/wrk-$tag.txt" && die "$tag: intake answered non-2xx (see $work)"
  local created commits cpu1
  cpu1=$(proc_ticks "$pid")
  created=$(metric 'paygate_notify_intakes_total{result="created"}')
  commits=$(metric 'paygate_notify_store_commits_total{connection="intake"}')
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$work/outbox-$tag.db"*
  printf '%s %s %s' "$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$work/wrk-$tag.txt")" \
    "$(awk -v c="$commits" -v n="$created" 'BEGIN { printf "%.1f", (c > 0 ? n / c : 0) }')" \
    "$(awk -v a="$cpu0" -v b="$cpu1" -v n="$created" -v hz="$(getconf CLK_TCK)" \
      'BEGIN { printf "%.1f", (n > 0 ? (b - a) * 1e6 / hz / n : 0) }')"
}

results="$work/results"
abba_rounds "$results" 'round %d: sqlite %s   postgresql %s   (intakes/s, events per commit, paygate CPU us per intake)\n' \
  intake sqlite postgresql
sqlite=$(median "$results" 1)
postgres=$(median "$results" 4)
ratio=$(awk -v p="$postgres" -v s="$sqlite" 'BEGIN { printf "%.2f", p / s }')
echo
echo "notify_postgres.sh: medians of $ROUNDS rounds of ${DURATION}s (paygate on core(s) $PAYGATE_CORES," \
  "wrk on core $CLIENT_CORE, postgres on $PG_CORES, $CONNECTIONS connections)"
printf '  SQLite      %8.0f intakes/s   (%s events per commit, paygate %s us CPU per intake)\n' \
  "$sqlite" "$(median "$results" 2)" "$(median "$results" 3)"
printf '  PostgreSQL  %8.0f intakes/s   (%s events per commit, paygate %s us CPU per intake)   %sx of SQLite (target >= 0.8x)\n' \
  "$postgres" "$(median "$results" 5)" "$(median "$results" 6)" "$ratio"
echo "RESULT notify_postgres sqlite_rps=$sqlite postgres_rps=$postgres ratio=$ratio"
