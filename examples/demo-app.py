#!/usr/bin/env python3
"""The demo merchant's app (make run). It knows nothing of WeChat Pay signatures, certificates or
encryption: it sends plain JSON with its bearer token to its merchant paygate (127.0.0.1:8090),
and receives each payment callback, already verified and decrypted, on 127.0.0.1:9200, where it
prints it. With --order it places that order, has the mock backend pay it, and waits for the
callback; otherwise it only listens."""

import argparse
import http.client
import http.server
import json
import sys
import threading
import time

MCHID = "1230000109"


class Callbacks(http.server.BaseHTTPRequestHandler):
    seen = set()
    arrived = threading.Event()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        event_id = self.headers.get("X-Pay-Event-Id")
        event = json.loads(body)
        # paygate forwards an event again when our answer is lost: drop what we already have.
        if event_id not in self.seen:
            self.seen.add(event_id)
            resource = event["resource"]
            print("demo app: %s %s for order %s (%s), event %s" % (
                event["event_type"], event["summary"], resource.get("out_trade_no"),
                resource.get("trade_state"), event_id), flush=True)
            print("demo app: the decrypted resource: %s" % json.dumps(resource, ensure_ascii=False),
                  flush=True)
            Callbacks.arrived.set()
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):  # the access log is paygate's
        pass


def call(token, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", 8090, timeout=15)
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    reply = conn.getresponse()
    return reply.status, reply.read().decode()


def place_and_pay(token, out_trade_no):
    order = {"appid": "wxd678efh567hg6787", "mchid": MCHID, "description": "demo",
             "out_trade_no": out_trade_no,
             "notify_url": "https://127.0.0.1:9100/wechatpay/notify",
             "amount": {"total": 100, "currency": "CNY"},
             "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}
    status, body = call(token, "POST", "/v3/pay/transactions/jsapi", order)
    print("demo app: placed %s through the merchant paygate: %d %s" % (out_trade_no, status, body),
          flush=True)
    # The user pays: a control path of the mock backend, behind the platform demo.
    conn = http.client.HTTPConnection("127.0.0.1", 8080, timeout=5)
    conn.request("POST", "/mock/pay/" + out_trade_no)
    print("demo app: paid (mock backend answered %d); waiting for the callback" %
          conn.getresponse().status, flush=True)
    if not Callbacks.arrived.wait(30):
        print("demo app: no callback within 30 s", flush=True)
    status, body = call(token, "GET", "/v3/pay/transactions/out-trade-no/%s?mchid=%s" %
                        (out_trade_no, MCHID))
    print("demo app: queried %s: %d %s" % (out_trade_no, status, body), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--order", help="place this out_trade_no, pay it, wait for its callback")
    args = parser.parse_args()
    with open(args.token_file) as f:
        token = f.readline().strip()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 9200), Callbacks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    if args.order:
        place_and_pay(token, args.order)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
