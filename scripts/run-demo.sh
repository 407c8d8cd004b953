#!/usr/bin/env bash
# make run: the demo. Starts the mock WeChat Pay backend (tools/mockpay) on 127.0.0.1:9000 and
# paygate with examples/demo.yaml in front of it, prints how to call it, and stops both on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/release/bin
config=${PAYGATE_CONFIG:-examples/demo.yaml}

"$bin/mockpay" --address 127.0.0.1 --port 9000 &
mock_pid=$!
"$bin/paygate" run -c "$config" &
gate_pid=$!
trap 'kill $gate_pid $mock_pid 2>/dev/null; wait 2>/dev/null' EXIT INT TERM

for _ in $(seq 100); do
  curl -fs http://127.0.0.1:9901/readyz >/dev/null 2>&1 && break
  sleep 0.05
done

cat <<'TXT'

paygate is running: gateway on http://127.0.0.1:8080, admin on http://127.0.0.1:9901.
Try, from another terminal:

  # create an order (JSAPI prepay) through the gateway
  curl -s -X POST http://127.0.0.1:8080/v3/pay/transactions/jsapi \
    -H 'Content-Type: application/json' \
    -d '{"appid":"wxd678efh567hg6787","mchid":"1230000109","description":"Image形象店-深圳腾大-QQ公仔",
         "out_trade_no":"1217752501201407033233368018","notify_url":"https://www.weixin.qq.com/wxpay/pay.php",
         "amount":{"total":100,"currency":"CNY"},"payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}'
  # the user pays (demo control path of the mock backend), then query the order
  curl -s -X POST http://127.0.0.1:8080/mock/pay/1217752501201407033233368018
  curl -s 'http://127.0.0.1:8080/v3/pay/transactions/out-trade-no/1217752501201407033233368018?mchid=1230000109'
  # no route: a WeChat Pay style JSON error with the request id
  curl -si http://127.0.0.1:8080/nowhere
  # operations
  curl -s http://127.0.0.1:9901/metrics | grep paygate_http_requests_total
  curl -s http://127.0.0.1:9901/config
  kill -HUP <paygate pid>   # reload examples/demo.yaml

Ctrl-C stops both.
TXT
wait $gate_pid
