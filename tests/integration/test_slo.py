"""Route SLOs on a real paygate: requests that are 5xx or slower than the latency objective
count as bad, /slo reports every window's requests, bad count and burn rate (bad ratio over the
error budget) with the page/ticket verdicts of the multi-window rule, the counters and burn-rate
gauges are on /metrics, and a bad objective is refused by `paygate check`."""

import json
import re
import time

import harness


def backend_handler(req, conn):
    del conn
    if req.path.endswith("/fail"):
        return harness.reply(500, b"{}", {"Content-Type": "application/json"})
    if req.path.endswith("/slow"):
        time.sleep(0.3)
    return harness.reply(200, b"{}", {"Content-Type": "application/json"})


class SloTest(harness.GatewayTestCase):
    def setUp(self):
        backend = self.backend(backend_handler)
        self.gw = self.gateway(
            [harness.cluster("b", backend.port)],
            [harness.route("pay", "/pay/", "b", slo={"objective": "99%", "latency": "200ms"}),
             harness.route("refund", "/refund/", "b", slo={"objective": "99.5%"}),
             harness.route("other", "/", "b")])

    def send(self, path, n):
        with self.gw.client() as c:
            for _ in range(n):
                c.request("GET", path)

    def settled(self, route, requests):
        """/slo once `route` counted `requests` (a worker counts a request just after its
        response went out, so the client can be a moment ahead)."""
        return harness.wait_until(
            lambda: (lambda s: s if s[route]["windows"][0]["requests"] >= requests else None)(
                self.slo()), 5, 0.02, "%d requests of %s counted" % (requests, route))

    def slo(self):
        status, body = harness.http_get(self.gw.admin_port, "/slo")
        self.assertEqual(status, 200, body)
        return {r["route"]: r for r in json.loads(body)["routes"]}

    def test_bad_requests_burn_the_budget(self):
        self.send("/pay/ok", 85)
        self.send("/pay/fail", 10)
        self.send("/pay/slow", 5)   # 300 ms > 200 ms: bad although 200
        self.send("/refund/fail", 2)
        self.send("/refund/ok", 98)
        self.send("/other/fail", 50)  # no SLO: not counted anywhere
        self.settled("pay", 100)
        routes = self.settled("refund", 100)
        self.assertEqual(set(routes), {"pay", "refund"})
        pay, refund = routes["pay"], routes["refund"]
        self.assertEqual(pay["objective"], "99%")
        self.assertEqual(pay["latency_ms"], 200)
        self.assertNotIn("latency_ms", refund)
        self.assertEqual([w["window"] for w in pay["windows"]], ["5m", "30m", "1h", "6h"])
        for w in pay["windows"]:
            self.assertEqual((w["requests"], w["bad"]), (100, 15), w)
            self.assertAlmostEqual(w["burn_rate"], 0.15 / 0.01, places=6)
            self.assertLessEqual(w["covered_seconds"], 60)  # a young process
        for w in refund["windows"]:
            self.assertEqual((w["requests"], w["bad"]), (100, 2), w)
            self.assertAlmostEqual(w["burn_rate"], 0.02 / 0.005, places=6)
        # 15 > 14.4 in 5m and 1h: page (and 30m/6h > 6: ticket); 4 is neither.
        self.assertTrue(pay["page"])
        self.assertTrue(pay["ticket"])
        self.assertFalse(refund["page"])
        self.assertFalse(refund["ticket"])

        metrics = harness.http_get(self.gw.admin_port, "/metrics")[1].decode()
        self.assertIn('paygate_slo_requests_total{route="pay"} 100', metrics)
        self.assertIn('paygate_slo_bad_requests_total{route="pay"} 15', metrics)
        self.assertIn('paygate_slo_objective{route="refund"} 0.995', metrics)
        self.assertRegex(metrics, r'paygate_slo_burn_rate\{route="pay",window="5m"\} \S+')
        self.assertNotIn('route="other"} ', re.sub(r"paygate_(http|upstream)\S+", "", metrics))

    def test_counts_survive_a_reload(self):
        self.send("/pay/fail", 4)
        config = dict(self.gw.config)
        config["routes"] = [dict(r) for r in config["routes"]]
        config["routes"][0]["slo"] = {"objective": "99.9%"}
        self.gw.write_config(config)
        self.gw.reload()
        harness.wait_until(lambda: self.slo()["pay"]["objective"] == "99.9%", 5)
        self.send("/pay/ok", 4)
        w = self.settled("pay", 8)["pay"]["windows"][0]
        self.assertEqual((w["requests"], w["bad"]), (8, 4))
        self.assertAlmostEqual(w["burn_rate"], 0.5 / 0.001, places=3)

    def test_bad_objective_is_refused(self):
        for objective, message in (("100%", "below 100%"), ("ninety", "percentage"),
                                   ("40", "from 50%")):
            config = dict(self.gw.config)
            config["routes"] = [harness.route("pay", "/", "b", slo={"objective": objective})]
            path = self.write_file("bad.yaml", harness.to_yaml(config) + "\n")
            p = self.run_paygate("check", "-c", path)
            self.assertNotEqual(p.returncode, 0, p.stdout)
            self.assertRegex(p.stdout + p.stderr, r"routes\[0\]\.slo\.objective.*" + message)


if __name__ == "__main__":
    harness.main()
