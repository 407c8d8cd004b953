#!/usr/bin/env bash
# bench/sm2.sh: SM2 signing and verification alone (issue 19), paygate's crypto::Signer and
# crypto::Verifier beside `openssl speed sm2`, on one core, in the same run.
#
# What is compared (all per CPU second of the measured thread, as openssl speed reports)
#   openssl:  `openssl speed -seconds PHASE_SECONDS sm2`: sign/s and verify/s of Debian's OpenSSL 3.0
#             (EVP_DigestSign/Verify with SM3 over a 36-byte message, generic GFp code).
#   warm:     paygate's Signer signing from a full nonce pool (online part only) ...
#   refill:   ... and the same signatures counting the pool's refill CPU as well: the honest
#             steady-state figure when the refill runs on the same core (it does in paygate).
#   empty:    paygate's Signer with the pool left empty: each signature makes its own nonce.
#   before:   the EVP path paygate used before (crypto::detail::DigestContext), for reference.
#   paygate's verify/s is crypto::Verifier's (its SM2 path) with one key, which gets a table of
#   its own after 64 verifications; "keys taking turns" is the same with two keys alternating, so
#   that neither does (the verifier then uses OpenSSL's EC_POINT_mul); before's is
#   EVP_DigestVerify.
#   sign+verify/s = 1 / (1/sign + 1/verify): one signed request's crypto per core.
#   ratio = that figure / openssl's. Issue 19's target: >= 1.5x at steady load (the refill row),
#   and the empty row no slower than before.
# Messages are MESSAGE_BYTES long (36 by default: openssl speed's size), SM3 included.
#
# Method
#   ROUNDS rounds; each runs openssl speed and bench/sm2_speed (the build's bin/sm2_speed), in
#   alternating order (ABBA), both pinned with taskset to CORE; medians per row.
#
# Usage
#   bench/sm2.sh                                  # ROUNDS=5 PHASE_SECONDS=1 CORE=0
#   SM2_SPEED=/path/bin/sm2_speed ROUNDS=7 PHASE_SECONDS=2 bench/sm2.sh
# Output: per-round lines, a table of medians, then one machine-readable line (the table and the
# line also in bench/results/sm2.txt, with sm2.png):
#   RESULT sm2 openssl_sign=.. openssl_verify=.. openssl_combined=.. refill_combined=.. ratio=..
# Exit status: 0 when the benchmark ran, 1 when something broke.

set -euo pipefail

ROUNDS=${ROUNDS:-5}
PHASE_SECONDS=${PHASE_SECONDS:-1}
CORE=${CORE:-0}
MESSAGE_BYTES=${MESSAGE_BYTES:-36}

bench_name=sm2
bench_work_prefix=paygate-sm2
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_tools openssl taskset
SPEED_BIN=${SM2_SPEED:-$(find_bin sm2_speed)}

# Appends "sign verify" (per CPU second) to $work/openssl.results.
run_openssl() {
  local out="$work/openssl-$RANDOM.txt"
  taskset -c "$CORE" openssl speed -seconds "$PHASE_SECONDS" -mr sm2 > "$out" 2>&1 ||
    die "openssl speed sm2 failed: $(cat "$out")"
  awk -F: '/^\+R[0-9]+:/ { c[++k] = $2; t[k] = $NF }
    END { if (k != 2) exit 1; printf "%.1f %.1f\n", c[1] / t[1], c[2] / t[2] }' "$out" \
    >> "$work/openssl.results" || die "could not read openssl speed output: $(cat "$out")"
  echo "  openssl speed sm2: $(tail -1 "$work/openssl.results")"
}

# Appends "warm refill empty verify before_sign before_verify turns" to $work/paygate.results.
run_paygate() {
  local line
  line=$(taskset -c "$CORE" "$SPEED_BIN" --seconds "$PHASE_SECONDS" \
    --message-bytes "$MESSAGE_BYTES") || die "sm2_speed failed"
  echo "$line" | tr ' ' '\n' | cut -d= -f2 | paste -sd' ' >> "$work/paygate.results"
  echo "  paygate: $line"
}

for round in $(seq "$ROUNDS"); do
  echo "round $round"
  if (( round % 2 )); then run_openssl; run_paygate; else run_paygate; run_openssl; fi
done

O="$work/openssl.results" P="$work/paygate.results"
o_sign=$(median "$O" 1) o_verify=$(median "$O" 2)
warm=$(median "$P" 1) refill=$(median "$P" 2) empty=$(median "$P" 3) verify=$(median "$P" 4)
before_sign=$(median "$P" 5) before_verify=$(median "$P" 6) turns=$(median "$P" 7)
combined() { awk -v s="$1" -v v="$2" 'BEGIN { printf "%.1f", 1 / (1 / s + 1 / v) }'; }
o_combined=$(combined "$o_sign" "$o_verify")
row() {  # name sign verify
  local c
  c=$(combined "$2" "$3")
  printf '%-31s %9.0f %9.0f %14.0f %7.2fx\n' "$1" "$2" "$3" "$c" \
    "$(awk -v a="$c" -v b="$o_combined" 'BEGIN { print a / b }')"
}
results=$(results_dir)
refill_combined=$(combined "$refill" "$verify")
ratio=$(awk -v a="$refill_combined" -v b="$o_combined" 'BEGIN { printf "%.3f", a / b }')
{
echo
echo "medians of $ROUNDS rounds, ${PHASE_SECONDS}s per phase, core $CORE, ${MESSAGE_BYTES}-byte messages (per CPU second)"
printf '%-31s %9s %9s %14s %8s\n' "" sign/s verify/s sign+verify/s ratio
row "openssl speed sm2" "$o_sign" "$o_verify"
row "paygate, pool warm (online)" "$warm" "$verify"
row "paygate, incl. refill" "$refill" "$verify"
row "paygate, pool empty" "$empty" "$verify"
row "paygate, refill, keys in turn" "$refill" "$turns"
row "paygate, empty, keys in turn" "$empty" "$turns"
row "paygate before (EVP)" "$before_sign" "$before_verify"
echo "RESULT sm2 openssl_sign=$o_sign openssl_verify=$o_verify openssl_combined=$o_combined" \
  "warm_sign=$warm refill_sign=$refill empty_sign=$empty verify=$verify verify_keys_in_turn=$turns" \
  "before_sign=$before_sign before_verify=$before_verify refill_combined=$refill_combined" \
  "ratio=$ratio target=1.5 pass=$(awk -v r="$ratio" 'BEGIN { print (r >= 1.5 ? "yes" : "no") }')" \
  "rounds=$ROUNDS seconds=$PHASE_SECONDS message_bytes=$MESSAGE_BYTES"
} | tee "$results/sm2.txt"
sed -i "1i # bench/sm2.sh $(date -u +%Y-%m-%dT%H:%MZ): $ROUNDS rounds x ${PHASE_SECONDS}s per phase, core $CORE" \
  "$results/sm2.txt"
{
  echo "case openssl paygate"
  echo "sign+verify-incl-refill $o_combined $refill_combined"
  echo "sign+verify-pool-empty $o_combined $(combined "$empty" "$verify")"
  echo "sign+verify-keys-in-turn $o_combined $(combined "$refill" "$turns")"
} > "$work/plot.dat"
plot_bars "$results/sm2.png" "SM2 sign+verify per CPU second, one core (higher is better)" \
  "$work/plot.dat" openssl paygate
