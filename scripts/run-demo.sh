#!/usr/bin/env bash
# make run: the demo, the whole loop on one machine. Generates demo keys once (var/demo-keys/, with
# `paygate keys new`) and starts
#   mockpay            the mock WeChat Pay backend (tools/mockpay), 127.0.0.1:9000
#   platform paygate   examples/platform-demo.yaml: merchant signatures verified, every reply
#                      signed, durable payment notifications; HTTP on 8080, HTTPS on 8443
#   merchant paygate   examples/merchant-demo.yaml (rendered into var/): signs the demo app's
#                      calls as merchant 1230000109 and verifies the replies (127.0.0.1:8090);
#                      the merchant's notify_url on https://127.0.0.1:9100, whose callbacks it
#                      verifies, decrypts, stores and forwards to the app
#   demo app           examples/demo-app.py: places an order through the merchant paygate, has
#                      the mock backend pay it, and prints the callback that comes back
# then prints what else to try, and stops them all on Ctrl-C. The TLS certificates come from a
# throw-away CA (`paygate keys new --role tls`, var/demo-keys/tls/).
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
if [[ ! -f $keys/demo-app.token ]]; then
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$keys/demo-app.token"
  echo >> "$keys/demo-app.token"
fi
cacert=$keys/tls/tls-ca.cert.pem
serial=$(openssl x509 -in "$keys/${mchid}_merchant.cert.pem" -noout -serial | cut -d= -f2)
sed "s/\${MERCHANT_SERIAL}/$serial/" examples/merchant-demo.yaml > var/merchant-demo.yaml

wait_ready() {  # admin port
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return
    sleep 0.05
  done
}

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
"$bin/mockpay" --address 127.0.0.1 --port 9000 \
  --notify-intake http://127.0.0.1:9902/internal/notifications &
pids+=($!)
"$bin/paygate" run -c "$config" > >(sed -u 's/^/platform: /') 2>&1 &
gate_pid=$!
pids+=($gate_pid)
wait_ready 9901
"$bin/paygate" run -c var/merchant-demo.yaml > >(sed -u 's/^/merchant: /') 2>&1 &
merchant_pid=$!
pids+=($merchant_pid)
wait_ready 9911
python3 -u examples/demo-app.py --token-file "$keys/demo-app.token" \
  --order "demo_order_$(date +%s)" &
pids+=($!)

call="$bin/paygate call --mchid $mchid --serial $serial --key $keys/${mchid}_merchant.key.pem \
--platform-cert $keys/platform_platform.cert.pem"
cat <<TXT

paygate is running twice. The platform side: https://127.0.0.1:8443 and http://127.0.0.1:8080
(merchant signatures required, replies signed), admin on http://127.0.0.1:9901, notification
intake on http://127.0.0.1:9902. The merchant side: the apps' gateway on http://127.0.0.1:8090
(bearer token), the notify_url https://127.0.0.1:9100/wechatpay/notify, admin on
http://127.0.0.1:9911, its callbacks outbox on http://127.0.0.1:9903. The demo app (on 9200)
places an order, pays it and prints the callback. Try, from another terminal:

  # what an app does: plain JSON and a bearer token; paygate signs it and checks the reply
  token=\$(cat $keys/demo-app.token)
  curl -s -H "Authorization: Bearer \$token" http://127.0.0.1:8090/v3/certificates | head -c 300; echo
  curl -s -H "Authorization: Bearer \$token" -H 'Content-Type: application/json' \\
    -d '{"appid":"wxd678efh567hg6787","mchid":"$mchid","description":"demo","out_trade_no":"demo_order_0002","notify_url":"https://127.0.0.1:9100/wechatpay/notify","amount":{"total":100,"currency":"CNY"},"payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}' \\
    http://127.0.0.1:8090/v3/pay/transactions/jsapi; echo
  # the user pays: the notification goes platform -> merchant paygate -> demo app, which prints it
  curl -s -X POST http://127.0.0.1:8080/mock/pay/demo_order_0002
  $bin/paygate notify --url http://127.0.0.1:9902 list      # the platform's outbox
  $bin/paygate notify --url http://127.0.0.1:9903 list      # the merchant's callbacks
  # what a merchant SDK would do instead, straight to the platform side
  $call --cacert $cacert --url 'https://127.0.0.1:8443/v3/pay/transactions/out-trade-no/demo_order_0002?mchid=$mchid'
  # unsigned: 401 SIGN_ERROR (itself signed by the platform)
  curl -si http://127.0.0.1:8080/v3/pay/transactions/out-trade-no/demo_order_0002?mchid=$mchid
  # operations
  curl -s http://127.0.0.1:9911/metrics | grep -E 'paygate_(egress|callbacks)_'
  curl -s http://127.0.0.1:9901/config
  kill -HUP $gate_pid   # reload $config

Ctrl-C stops them all.
TXT
wait $gate_pid
