"""Stress-traffic isolation on real processes: requests carrying `X-Test-Env: stress-v2` from an
allowed merchant (or source) go to the route's stress cluster and nowhere else, keep their
X-Trace-ID, are signed like any reply and counted only under env="stress": production's request,
SLO and merchant counters do not move. Who may send stress traffic is enforced (403 NO_AUTH), an
unknown environment is refused (400) and a route without a stress cluster refuses it rather than
reach production (403). The notifications stress traffic causes land in the stress outbox and are
delivered to its sink, never to the merchant's notify_url, and are counted only in
paygate_stress_notify_* families."""

import json
import os
import re

import harness
from harness import reply
from test_notify import metric

ALLOWED = "1900000109"
OTHER = "1230000109"
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
STRESS = ("X-Test-Env", "stress-v2")
PAY = "/v3/pay/transactions/out-trade-no/o-1"


def named_reply(name):
    def handler(req, conn):
        del conn
        return reply(200, json.dumps({"backend": name}).encode(),
                     {"Content-Type": "application/json"})
    return handler


class StressTestCase(harness.GatewayTestCase):
    def setUp(self):
        self.keys = harness.PlatformKeys(self, ALLOWED)
        self.serials = {ALLOWED: self.keys.merchant_serial,
                        OTHER: self.keys.another_merchant(self, OTHER)}
        self.production = self.backend(named_reply("production"), "production")
        self.stress = self.backend(named_reply("stress"), "stress")
        self.merchant_site = self.notify_receiver()
        self.sink = self.notify_receiver()

    def config(self, allowed_sources=("10.0.0.0/8",)):
        routes = [harness.route("pay", "/v3/pay/", "production", verify="merchant",
                                sign="platform", stress_cluster="stress",
                                slo={"objective": "99%"}),
                  harness.route("refund", "/v3/refund/", "production", verify="merchant"),
                  harness.route("open", "/open/", "production", stress_cluster="stress"),
                  {"name": "ping", "prefix": "/ping", "verify": "merchant",
                   "respond": {"status": 200, "body": "{}"}}]
        extra = self.keys.config()
        extra["merchants"].append(self.keys.merchant_config(OTHER))
        for merchant in extra["merchants"]:
            merchant["notify_urls"] = [self.merchant_site.url("/")]
        extra["notifications"] = {
            "store": os.path.join(self.tmpdir, "outbox.db"), "address": harness.HOST,
            "port": self.notify_port, "schedule": ["1s"], "jitter_percent": 0,
            "attempt_timeout": "300ms", "lease": "3s"}
        extra["stress"] = {
            "value": "stress-v2", "allowed_merchants": [ALLOWED],
            "allowed_sources": list(allowed_sources),
            "notifications": {"store": os.path.join(self.tmpdir, "stress-outbox.db"),
                              "port": self.stress_notify_port, "sink": self.sink.url("/sink")}}
        return harness.gateway_config(self.port, self.admin_port,
                                      [harness.cluster("production", self.production.port),
                                       harness.cluster("stress", self.stress.port)],
                                      routes, extra=extra)

    def start(self, **kw):
        self.port, self.admin_port = harness.free_port(), harness.free_port()
        self.notify_port, self.stress_notify_port = harness.free_port(), harness.free_port()
        self.gw = harness.Gateway(self.tmpdir, self.config(**kw))
        self._track(self.gw.process)
        return self.gw.wait_ready()

    def authorization(self, mchid, url):
        return self.keys.authorization(self, mchid, self.serials[mchid], url)

    def signed(self, client, mchid, url, headers=()):
        auth = self.authorization(mchid, url)
        return client.request("GET", url, [("Authorization", auth)] + list(headers))

    def metrics(self):
        return harness.http_get(self.admin_port, "/metrics", timeout=2)[1].decode()


def production_samples(text):
    """Every sample of production's request families, by name and labels."""
    pattern = (r'^((?:paygate_http_requests_total|paygate_http_request_duration_seconds_count'
               r'|paygate_slo_requests_total|paygate_slo_bad_requests_total'
               r'|paygate_merchant_requests_total|paygate_merchant_request_duration_seconds_count'
               r')\{[^}]*\}) (\S+)$')
    return {m.group(1): float(m.group(2)) for m in re.finditer(pattern, text, re.M)}


class StressRoutingTest(StressTestCase):
    def test_stress_traffic_reaches_only_the_stress_cluster_and_only_stress_counters(self):
        self.start()
        with self.gw.client() as c:
            for _ in range(5):
                r = self.signed(c, ALLOWED, PAY)
                self.assertEqual((r.status, r.json()["backend"]), (200, "production"), r)
        # The merchant's histogram is the last thing a request is counted in.
        harness.wait_until(lambda: production_samples(self.metrics()).get(
            'paygate_merchant_request_duration_seconds_count{mchid="%s"}' % ALLOWED) == 5, 5,
                           what="production counted")
        before = production_samples(self.metrics())
        with self.gw.client() as c:
            for _ in range(20):
                r = self.signed(c, ALLOWED, PAY, [STRESS, ("X-Trace-ID", TRACE)])
                self.assertEqual((r.status, r.json()["backend"]), (200, "stress"), r)
                self.assertTrue(r.header("Wechatpay-Signature"), r.headers)  # signed all the same
                self.assertEqual(r.header("X-Trace-ID"), TRACE)
        harness.wait_until(lambda: metric(self.metrics(),
                                          "paygate_stress_request_duration_seconds_count",
                                          '{env="stress",route="pay"}') == 20, 5,
                           what="stress counted")
        text = self.metrics()
        self.assertEqual(production_samples(text), before)
        self.assertEqual(metric(text, "paygate_stress_requests_total",
                                '{env="stress",route="pay",code="200"}'), 20)
        self.assertEqual(len(self.production.requests), 5)
        self.assertEqual(len(self.stress.requests), 20)
        upstream = self.stress.requests[-1]
        # The stress backend knows it is stress traffic (its notifications depend on it) and the
        # trace runs on.
        self.assertEqual(upstream.header("X-Test-Env"), "stress-v2")
        self.assertEqual(upstream.header("X-Trace-ID"), TRACE)
        self.assertEqual(upstream.header("X-Pay-Mchid"), ALLOWED)
        self.gw.wait_log(r'"route":"pay"[^\n]*"env":"stress"')

    def test_only_allowed_merchants_and_sources_may_send_stress_traffic(self):
        self.start()
        with self.gw.client() as c:
            r = self.signed(c, OTHER, PAY, [STRESS])
            self.assertEqual(r.status, 403, r)
            self.assertEqual(r.json()["code"], "NO_AUTH")
            r = self.signed(c, ALLOWED, PAY, [("X-Test-Env", "stress-v1")])
            self.assertEqual(r.status, 400, r)
            self.assertIn("X-Test-Env", r.json()["message"])
            # A route without a stress cluster never lets stress traffic reach production.
            r = self.signed(c, ALLOWED, "/v3/refund/domestic/refunds/r-1", [STRESS])
            self.assertEqual(r.status, 403, r)
            self.assertIn("no stress cluster", r.json()["message"])
            # Unsigned, from 127.0.0.1, which is not an allowed source.
            self.assertEqual(c.request("GET", "/open/x", [STRESS]).status, 403)
            # A route that answers by itself answers stress traffic too.
            self.assertEqual(self.signed(c, ALLOWED, "/ping", [STRESS]).status, 200)
        self.assertEqual(self.production.requests, [])
        self.assertEqual(self.stress.requests, [])
        # A worker counts a request just after its answer went out: wait for the last one.
        harness.wait_until(lambda: metric(self.metrics(), "paygate_stress_requests_total",
                                          '{env="stress",route="ping",code="200"}') == 1, 5,
                           what="the stress request answered by the route counted as stress")
        self.assertEqual(metric(self.metrics(), "paygate_stress_requests_total",
                                '{env="stress",route="refund",code="403"}'), 1)

        # A reload lets the loopback source in.
        self.gw.write_config(self.config(allowed_sources=["127.0.0.1/32"]))
        self.gw.reload()
        self.gw.wait_log(r"config generation 2 loaded")
        with self.gw.client() as c:
            r = c.request("GET", "/open/x", [STRESS])
            self.assertEqual((r.status, r.json()["backend"]), (200, "stress"), r)
            r = c.request("GET", "/open/x")
            self.assertEqual((r.status, r.json()["backend"]), (200, "production"), r)


class StressNotificationsTest(StressTestCase):
    def event(self, key):
        return {"mchid": ALLOWED, "notify_url": self.merchant_site.url("/notify"),
                "event_type": "TRANSACTION.SUCCESS", "resource_type": "transaction",
                "summary": "payment succeeded",
                "resource": {"mchid": ALLOWED, "out_trade_no": "o-" + key,
                             "trade_state": "SUCCESS"},
                "idempotency_key": key}

    def intake(self, port, event, headers=()):
        with harness.Client(port) as c:
            return c.request("POST", "/internal/notifications",
                             [("Content-Type", "application/json")] + list(headers),
                             body=json.dumps(event))

    def listed(self, port):
        with harness.Client(port) as c:
            return [n["id"] for n in c.request("GET", "/internal/notifications").json()
                    ["notifications"]]

    def test_stress_notifications_go_to_the_stress_outbox_and_its_sink(self):
        self.start()
        # A stress backend posts to the production intake, passing the stress header on.
        r = self.intake(self.notify_port, self.event("s-1"), [STRESS])
        self.assertEqual(r.status, 201, r)
        stress_id = r.json()["id"]
        # Or straight to the stress intake.
        r = self.intake(self.stress_notify_port, self.event("s-2"))
        self.assertEqual(r.status, 201, r)
        r = self.intake(self.notify_port, self.event("p-1"))
        self.assertEqual(r.status, 201, r)
        production_id = r.json()["id"]
        # An environment this gateway has no outbox for is stored nowhere.
        r = self.intake(self.notify_port, self.event("s-3"), [("X-Test-Env", "stress-v1")])
        self.assertEqual(r.status, 422, r)

        harness.wait_until(lambda: self.sink.count() == 2 and self.merchant_site.count() == 1,
                           10, what="two stress deliveries and one production delivery")
        self.assertTrue(all(req.path == "/sink" for req in self.sink.requests))
        self.assertEqual(self.merchant_site.requests[0].path, "/notify")
        self.assertEqual(self.listed(self.notify_port), [production_id])
        self.assertIn(stress_id, self.listed(self.stress_notify_port))
        self.assertEqual(len(self.listed(self.stress_notify_port)), 2)

        # A dispatcher counts a delivery once the receiver's answer is in: wait for both.
        harness.wait_until(lambda: (lambda text: metric(
            text, "paygate_stress_notify_delivered_total", '{env="stress"}') == 2 and metric(
                text, "paygate_notify_delivered_total") == 1)(self.metrics()), 5,
                           what="the deliveries counted")
        text = self.metrics()
        self.assertEqual(metric(text, "paygate_notify_intakes_total", '{result="created"}'), 1)
        self.assertEqual(metric(text, "paygate_stress_notify_intakes_total",
                                '{env="stress",result="created"}'), 2)
        self.assertEqual(metric(text, "paygate_notify_intakes_total", '{result="rejected"}'), 1)


if __name__ == "__main__":
    harness.main()
