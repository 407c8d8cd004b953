"""W3C trace context on real processes: a request's `traceparent` continues to the upstream
with a new span (or `X-Trace-ID` is adopted, or a new trace starts), the trace id comes back in
`X-Trace-ID` and is in the access log; and a payment's trace runs on through mockpay's intake
call into the notification delivered to the merchant."""

import json
import re
import time

import harness
from test_notify import NotifyTestCase

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"
TRACEPARENT = "00-%s-%s-01" % (TRACE, PARENT)
VALID = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$")


class ProxyTracingTest(harness.GatewayTestCase):
    def setUp(self):
        self.backend_ = self.backend()
        self.gw = self.gateway([harness.cluster("b", self.backend_.port)],
                               [harness.route("all", "/", "b")])

    def send(self, headers):
        with self.gw.client() as c:
            r = c.request("GET", "/orders/1", headers)
        self.assertEqual(r.status, 200, r)
        return r, self.backend_.requests[-1]

    def test_traceparent_continues_with_a_new_span(self):
        r, upstream = self.send([("traceparent", TRACEPARENT), ("tracestate", "vendor=abc")])
        m = VALID.match(upstream.header("traceparent"))
        self.assertIsNotNone(m, upstream.headers)
        self.assertEqual(m.group(1), TRACE)
        self.assertNotEqual(m.group(2), PARENT)  # the gateway's own span
        self.assertTrue(upstream.header("traceparent").endswith("-01"))
        self.assertEqual(len(upstream.header_all("traceparent")), 1)
        self.assertEqual(upstream.header("tracestate"), "vendor=abc")  # passed on untouched
        self.assertEqual(upstream.header("X-Trace-ID"), TRACE)
        self.assertEqual(r.header("X-Trace-ID"), TRACE)
        line = self.gw.wait_log(r'\{"time":[^\n]*"trace_id":"%s"[^\n]*\}' % TRACE).group(0)
        self.assertEqual(json.loads(line)["request_id"], r.header("X-Request-Id"))

    def test_without_trace_a_new_one_starts_per_request(self):
        seen = set()
        for _ in range(3):
            r, upstream = self.send([])
            m = VALID.match(upstream.header("traceparent"))
            self.assertIsNotNone(m, upstream.headers)
            self.assertEqual(r.header("X-Trace-ID"), m.group(1))
            self.assertEqual(upstream.header("X-Trace-ID"), m.group(1))
            seen.add(m.group(1))
        self.assertEqual(len(seen), 3)

    def test_x_trace_id_alone_is_adopted(self):
        r, upstream = self.send([("X-Trace-ID", TRACE)])
        self.assertEqual(VALID.match(upstream.header("traceparent")).group(1), TRACE)
        self.assertEqual(r.header("X-Trace-ID"), TRACE)

    def test_malformed_traceparent_is_replaced_not_forwarded(self):
        for bad in ("00-%s-%s-01" % (TRACE.upper(), PARENT), "00-%s-0000000000000000-01" % TRACE,
                    "garbage", "00-%s-%s-01-extra" % (TRACE, PARENT)):
            r, upstream = self.send([("traceparent", bad)])
            values = upstream.header_all("traceparent")
            self.assertEqual(len(values), 1, upstream.headers)
            m = VALID.match(values[0])
            self.assertIsNotNone(m, values)
            self.assertNotEqual(m.group(1), TRACE, bad)
            self.assertEqual(r.header("X-Trace-ID"), m.group(1))


class TelemetryOffTest(harness.GatewayTestCase):
    def test_no_trace_and_no_request_metrics(self):
        backend = self.backend()
        config = harness.gateway_config(harness.free_port(), harness.free_port(),
                                        [harness.cluster("b", backend.port)],
                                        [harness.route("all", "/", "b")])
        config["listener"]["telemetry"] = False
        gw = harness.Gateway(self.tmpdir, config)
        self._track(gw.process)
        gw.wait_ready()
        with gw.client() as c:
            r = c.request("GET", "/orders/1", [("traceparent", TRACEPARENT)])
        self.assertEqual(r.status, 200, r)
        upstream = backend.requests[-1]
        # The caller's trace header passes as received; the gateway adds no span of its own.
        self.assertEqual(upstream.header_all("traceparent"), [TRACEPARENT])
        self.assertIsNone(upstream.header("X-Trace-ID"))
        self.assertIsNone(r.header("X-Trace-ID"))
        metrics = harness.http_get(gw.admin_port, "/metrics")[1].decode()
        self.assertNotIn('paygate_http_requests_total{route="all"', metrics)
        self.assertIn("paygate_build_info", metrics)


class NotificationTracingTest(NotifyTestCase):
    def test_payment_trace_reaches_the_merchants_notification(self):
        receiver = self.notify_receiver()
        gw = self.start(receiver)
        mock = self.mockpay("--notify-intake",
                            "http://%s:%d/internal/notifications" % (harness.HOST, gw.notify_port))
        order = {"appid": "wxd678efh567hg6787", "mchid": self.keys.mchid, "description": "trace",
                 "out_trade_no": "TRACE_0001", "notify_url": receiver.url("/notify"),
                 "amount": {"total": 1, "currency": "CNY"}, "payer": {"openid": "o1"}}
        with harness.Client(mock.port) as c:
            created = c.request("POST", "/v3/pay/transactions/jsapi",
                                [("Content-Type", "application/json")], json.dumps(order))
            self.assertEqual(created.status, 200, created)
            paid = c.request("POST", "/mock/pay/TRACE_0001", [("traceparent", TRACEPARENT)])
            self.assertEqual(paid.status, 200, paid)
        harness.wait_until(lambda: receiver.count() >= 1, 10, what="the notification")
        delivery = receiver.requests[0]
        m = VALID.match(delivery.header("traceparent") or "")
        self.assertIsNotNone(m, delivery.headers)
        self.assertEqual(m.group(1), TRACE)
        self.assertNotEqual(m.group(2), PARENT)
        self.assertEqual(delivery.header("X-Trace-ID"), TRACE)
        event_id = json.loads(delivery.body)["id"]
        stored = self.status(gw, event_id)
        self.assertEqual(VALID.match(stored["traceparent"]).group(1), TRACE, stored)

        # A second attempt is another span of the same trace.
        self.assertEqual(self.call(gw, "POST", "/internal/notifications/%s/retry" % event_id).status,
                         202)
        harness.wait_until(lambda: receiver.count() >= 2, 10, what="the re-delivery")
        again = VALID.match(receiver.requests[1].header("traceparent"))
        self.assertEqual(again.group(1), TRACE)
        self.assertNotEqual(again.group(2), m.group(2))

    def test_intake_without_trace_gets_one(self):
        receiver = self.notify_receiver()
        gw = self.start(receiver)
        event_id = self.created(gw, self.event(receiver))
        harness.wait_until(lambda: receiver.count() >= 1, 10, what="the notification")
        m = VALID.match(receiver.requests[0].header("traceparent") or "")
        self.assertIsNotNone(m, receiver.requests[0].headers)
        self.assertEqual(VALID.match(self.status(gw, event_id)["traceparent"]).group(1),
                         m.group(1))


if __name__ == "__main__":
    harness.main()
