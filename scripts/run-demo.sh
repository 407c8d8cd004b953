#!/usr/bin/env bash
# make run: the demo. Generates demo keys once (var/demo-keys/, with `paygate keys new`), starts
# the mock WeChat Pay backend (tools/mockpay) on 127.0.0.1:9000, paygate in platform mode
# (examples/platform-demo.yaml: merchant signatures verified, every reply signed, durable
# payment notifications; HTTP on 8080, HTTPS on 8443) in front of it, and the demo merchant's
# notify_url (`paygate receive` on https://127.0.0.1:9100: verifies, decrypts and prints each
# notification); prints how to call it, and stops all three on Ctrl-C. The TLS certificates
# come from a throw-away CA (`paygate keys new --role tls`, var/demo-keys/tls/).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${PAYGATE_BIN_DIR:-build/release/bin}
keys=var/demo-keys
config=${PAYGATE_CONFIG:-examples/platform-demo.yaml}
mchid=1230000109

if [[ ! -f $keys/$mchid.apiv3 ]]; then
  mkdir -p "$keys"
  "$bin/paygate" keys new --dir "$keys" --mchid "$mchid" >/dev/null
  "$bin/paygate" keys new --dir "$keys" --mchid platform --role platform >/dev/null
fi
if [[ ! -f $keys/tls/tls-ca.cert.pem ]]; then
  "$bin/paygate" keys new --role tls --dir "$keys/tls" >/dev/null
fi
cacert=$keys/tls/tls-ca.cert.pem
serial=$(openssl x509 -in "$keys/${mchid}_merchant.cert.pem" -noout -serial | cut -d= -f2)

"$bin/mockpay" --address 127.0.0.1 --port 9000 \
  --notify-intake http://127.0.0.1:9902/internal/notifications &
mock_pid=$!
"$bin/paygate" receive --port 9100 --platform-cert "$keys/platform_platform.cert.pem" \
  --apiv3-key-file "$keys/$mchid.apiv3" \
  --tls-cert "$keys/tls/tls-server.cert.pem" --tls-key "$keys/tls/tls-server.key.pem" \
  > >(sed -u 's/^/merchant received: /') &
receiver_pid=$!
"$bin/paygate" run -c "$config" &
gate_pid=$!
trap 'kill $gate_pid $mock_pid $receiver_pid 2>/dev/null; wait 2>/dev/null' EXIT INT TERM

for _ in $(seq 100); do
  curl -fs http://127.0.0.1:9901/readyz >/dev/null 2>&1 && break
  sleep 0.05
done

call="$bin/paygate call --mchid $mchid --serial $serial --key $keys/${mchid}_merchant.key.pem \
--platform-cert $keys/platform_platform.cert.pem"
cat <<TXT

paygate is running: gateway on https://127.0.0.1:8443 and http://127.0.0.1:8080 (merchant
signatures required, replies signed), admin on http://127.0.0.1:9901, notification intake on
http://127.0.0.1:9902, the demo merchant's notify_url on https://127.0.0.1:9100. Try, from
another terminal:

  # create an order (JSAPI prepay) over HTTPS, signed by the demo merchant; the gateway's
  # certificate is verified against the demo CA and the reply's signature is checked
  $call --method POST --cacert $cacert \\
    --url https://127.0.0.1:8443/v3/pay/transactions/jsapi \\
    --body '{"appid":"wxd678efh567hg6787","mchid":"$mchid","description":"demo","out_trade_no":"demo_order_0001","notify_url":"https://127.0.0.1:9100/notify","amount":{"total":100,"currency":"CNY"},"payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}'
  # the user pays (a demo control path of the mock backend, not signed): the TRANSACTION.SUCCESS
  # notification is stored, signed, encrypted and delivered; the receiver prints it here
  curl -s -X POST http://127.0.0.1:8080/mock/pay/demo_order_0001
  $bin/paygate notify --url http://127.0.0.1:9902 list
  $call --cacert $cacert --url 'https://127.0.0.1:8443/v3/pay/transactions/out-trade-no/demo_order_0001?mchid=$mchid'
  # the platform certificates, encrypted with the merchant's APIv3 key (cleartext listener)
  $call --url http://127.0.0.1:8080/v3/certificates
  # unsigned: 401 SIGN_ERROR (itself signed by the platform)
  curl -si http://127.0.0.1:8080/v3/pay/transactions/out-trade-no/demo_order_0001?mchid=$mchid
  # operations
  curl -s http://127.0.0.1:9901/metrics | grep -E 'paygate_(http_requests|signature_failures)_total'
  curl -s http://127.0.0.1:9901/config
  kill -HUP $gate_pid   # reload $config

Ctrl-C stops them all.
TXT
wait $gate_pid
