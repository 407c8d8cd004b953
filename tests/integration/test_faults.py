"""Fault injection and auto-degrade on real processes. Faults: an abort share lands within its
binomial tolerance and is counted; delayed requests take at least the delay; a trigger header
works only from a trusted source and never reaches the backend. Degrade drill: a core route's
backend fails until its SLO pages, the degradable routes answer their fallback (or are shed with
Retry-After) while the core route keeps forwarding, and once the backend heals and the hold time
(degrade.recover_after) has passed they forward again; logged and on /metrics."""

import re
import threading
import time

import harness

FALLBACK = '{"coupons":[],"degraded":true}'


def metric(gw, pattern):
    """The value of the first /metrics line matching `pattern` (a regex of the name and
    labels), 0 when there is none."""
    text = harness.http_get(gw.admin_port, "/metrics")[1].decode()
    m = re.search(r"^%s (\S+)$" % pattern, text, re.M)
    return float(m.group(1)) if m else 0.0


class FaultInjectionTest(harness.GatewayTestCase):
    def setUp(self):
        self.b = self.backend()

    def start(self, fault):
        return self.gateway([harness.cluster("b", self.b.port)],
                            [harness.route("pay", "/v3/", "b", fault=fault)])

    def test_aborts_land_on_their_share(self):
        gw = self.start({"abort": {"percent": "20%", "status": 503}})
        requests, aborted = 2000, 0
        deadline = time.monotonic() + 40
        with gw.client() as c:
            for _ in range(requests):
                self.assertLess(time.monotonic(), deadline, "2000 requests took over 40 s")
                r = c.request("GET", "/v3/pay/transactions/id/1")
                if r.status == 503:
                    self.assertEqual(r.json()["code"], "SERVICE_UNAVAILABLE")
                    self.assertEqual(r.json()["message"], "fault injected for a drill")
                    aborted += 1
                else:
                    self.assertEqual(r.status, 200)
        # Binomial(2000, 0.2): sd = sqrt(2000 * 0.2 * 0.8) = 17.9 requests = 0.9 %, so ±3 % is
        # 3.35 sd: a correct draw fails this about once in 1,200 runs; a wrong share (the
        # percentage read as a fraction, 2 %, or every request) always.
        print("\nabort 20%%: %d of %d aborted (%.1f %%)" % (aborted, requests,
                                                          100.0 * aborted / requests))
        self.assertAlmostEqual(aborted / requests, 0.20, delta=0.03)
        self.assertEqual(self.b.request_count(), requests - aborted)
        harness.wait_until(
            lambda: metric(gw, r'paygate_faults_injected_total\{route="pay",kind="abort"\}')
            == aborted, 5, 0.05, "aborts counted")
        gw.wait_log(r'"route":"pay".*"fault":"abort"')

    def test_delayed_requests_take_the_delay(self):
        gw = self.start({"delay": {"percent": "50%", "duration": "300ms"}})
        slow = 0
        with gw.client() as c:
            for _ in range(30):
                started = time.monotonic()
                self.assertEqual(c.request("GET", "/v3/x").status, 200)
                took = time.monotonic() - started
                # A request is delayed by the whole 300 ms or not at all.
                self.assertTrue(took >= 0.3 or took < 0.2, took)
                slow += took >= 0.3
        print("\ndelay 50%% x 300 ms: %d of 30 delayed" % slow)
        # Binomial(30, 0.5): sd 2.7; 3 to 27 is over 4 sd either way.
        self.assertGreaterEqual(slow, 3)
        self.assertLessEqual(slow, 27)
        self.assertEqual(self.b.request_count(), 30)  # delayed, then forwarded
        harness.wait_until(
            lambda: metric(gw, r'paygate_faults_injected_total\{route="pay",kind="delay"\}')
            == slow, 5, 0.05, "delays counted")

    def trigger_config(self, trusted):
        return {"abort": {"percent": "100%", "status": 500},
                "delay": {"percent": "100%", "duration": "50ms"},
                "header": "X-Fault-Inject", "trusted_sources": trusted}

    def test_the_header_triggers_faults_from_a_trusted_source(self):
        gw = self.start(self.trigger_config(["10.0.0.0/8", "127.0.0.1/32"]))
        with gw.client() as c:
            self.assertEqual(c.request("GET", "/v3/a").status, 200)  # no header, no fault
            r = c.request("GET", "/v3/b", headers={"X-Fault-Inject": "abort"})
            self.assertEqual((r.status, r.json()["code"]), (500, "SYSTEM_ERROR"))
            started = time.monotonic()
            self.assertEqual(
                c.request("GET", "/v3/c", headers={"X-Fault-Inject": "delay"}).status, 200)
            self.assertGreaterEqual(time.monotonic() - started, 0.05)
            self.assertEqual(
                c.request("GET", "/v3/d", headers={"X-Fault-Inject": "all"}).status, 500)
        self.assertEqual([r.target for r in self.b.requests], ["/v3/a", "/v3/c"])
        self.assertNotIn(b"x-fault-inject", self.b.received.lower())

    def test_the_header_of_an_untrusted_source_is_ignored_and_not_forwarded(self):
        gw = self.start(self.trigger_config(["10.0.0.0/8"]))  # loopback is not trusted
        with gw.client() as c:
            for value in ("abort", "all", "delay"):
                r = c.request("GET", "/v3/a", headers={"X-Fault-Inject": value,
                                                       "X_Fault_Inject": value})
                self.assertEqual(r.status, 200, r)
        self.assertEqual(self.b.request_count(), 3)
        self.assertNotIn(b"fault", self.b.received.lower())
        self.assertEqual(
            metric(gw, r'paygate_faults_injected_total\{route="pay",kind="abort"\}'), 0)


class DegradeDrillTest(harness.GatewayTestCase):
    def test_a_paging_core_route_degrades_the_degradable_ones_until_it_recovers(self):
        failing = threading.Event()

        def handler(req, conn):
            del conn
            if req.target.startswith("/v3/pay/") and failing.is_set():
                return harness.reply(500, b'{"code":"SYSTEM_ERROR","message":"down"}')
            return harness.reply(200, b'{"from":"backend"}', {"Content-Type": "application/json"})

        b = self.backend(handler)
        gw = self.gateway(
            [harness.cluster("b", b.port)],
            [harness.route("pay", "/v3/pay/", "b", priority="core",
                           slo={"objective": "95%"}),
             harness.route("coupons", "/v3/marketing/", "b",
                           degradable={"respond": {"status": 200, "body": FALLBACK}}),
             harness.route("bills", "/v3/bill/", "b", priority="low",
                           degradable={"shed": True})],
            extra={"degrade": {"recover_after": "3s"}})

        def coupons():
            with gw.client() as c:
                return c.request("GET", "/v3/marketing/coupons").body.decode()

        def send_pay(n, status):
            with gw.client() as c:
                for _ in range(n):
                    self.assertEqual(c.request("GET", "/v3/pay/transactions/id/1").status, status)

        self.assertEqual(coupons(), '{"from":"backend"}')
        self.assertEqual(metric(gw, "paygate_degrade_active"), 0)

        # Every request bad: burn rate 1 / 0.05 = 20 > 14.4 in 5m and 1h (a young process's
        # windows both start at its start): page.
        failing.set()
        send_pay(20, 500)
        harness.wait_until(lambda: coupons() == FALLBACK, 5, 0.1, "the fallback while paging")
        gw.wait_log(r"degrade started: core route pay pages")
        with gw.client() as c:
            shed = c.request("GET", "/v3/bill/2026-12")
            self.assertEqual(shed.status, 503)
            self.assertEqual(shed.json()["code"], "SERVICE_UNAVAILABLE")
            self.assertEqual(shed.header("Retry-After"), "3")
        self.assertEqual(metric(gw, "paygate_degrade_active"), 1)
        self.assertGreaterEqual(
            metric(gw, r'paygate_degraded_requests_total\{route="coupons"\}'), 1)
        gw.wait_log(r'"route":"coupons".*"reason":"degraded"')

        # Healed: 60 good requests bring the bad share to 20/80 (burn 5): no page. Degrade
        # holds for recover_after (3 s) after the last page, then ends. The verdicts are checked
        # once a second, so the last page may have been up to a second before the heal.
        failing.clear()
        send_pay(60, 200)
        healed = time.monotonic()
        harness.wait_until(lambda: coupons() == '{"from":"backend"}', 8, 0.1, "recovery")
        self.assertGreaterEqual(time.monotonic() - healed, 1.5)  # not before the hold time
        gw.wait_log(r"degrade ended: no core route has paged for 3 s \(the last was pay\)")
        self.assertEqual(metric(gw, "paygate_degrade_active"), 0)
        with gw.client() as c:
            self.assertEqual(c.request("GET", "/v3/bill/2026-12").status, 200)


if __name__ == "__main__":
    import unittest
    unittest.main()
