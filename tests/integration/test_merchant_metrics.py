"""Per-merchant RED metrics on a real paygate: with listener.merchant_label_limit: 1 the first
merchant in configuration order has its own mchid series and the second is counted under
mchid="other"; the counts add up to exactly the verified requests sent (across two workers),
while unsigned, forged and refused requests are in no merchant series. With telemetry off
nothing is counted."""

import re

import harness
from harness import reply

# The first merchant sorts after the second, so sorting instead of configuration order would
# pick the wrong one.
FIRST = "1900000109"
SECOND = "1230000109"


class MerchantMetricsTest(harness.GatewayTestCase):
    def setUp(self):
        self.keys = harness.PlatformKeys(self, FIRST)
        self.serials = {FIRST: self.keys.merchant_serial,
                        SECOND: self.keys.another_merchant(self, SECOND)}
        self.b = self.backend(lambda req, conn: reply(200, b'{"ok":true}',
                                                      [("Content-Type", "application/json")]))

    def start(self, telemetry=True):
        routes = [harness.route("pay", "/v3/", "b", verify="merchant", sign="platform"),
                  harness.route("open", "/open/", "b")]
        config = harness.gateway_config(harness.free_port(), harness.free_port(),
                                        [harness.cluster("b", self.b.port)], routes, workers=2,
                                        extra=self.keys.config())
        config["merchants"].append(self.keys.merchant_config(SECOND))
        config["listener"]["merchant_label_limit"] = 1
        config["listener"]["telemetry"] = telemetry
        gw = harness.Gateway(self.tmpdir, config)
        self._track(gw.process)
        return gw.wait_ready()

    def authorization(self, mchid, method, url):
        return self.keys.authorization(self, mchid, self.serials[mchid], url, method)

    def send_signed(self, gw, mchid, url, n):
        with gw.client() as c:
            for _ in range(n):
                auth = self.authorization(mchid, "GET", url)
                r = c.request("GET", url, [("Authorization", auth)])
                self.assertEqual(r.status, 200, r)

    def metrics(self, gw):
        return harness.http_get(gw.admin_port, "/metrics", timeout=2)[1].decode()

    def merchant_samples(self, text):
        """{(family, labels): value} of the paygate_merchant_* samples that count requests."""
        pattern = (r'^(paygate_merchant_requests_total'
                   r'|paygate_merchant_request_duration_seconds_count)\{([^}]*)\} (\S+)$')
        return {(m.group(1), m.group(2)): float(m.group(3))
                for m in re.finditer(pattern, text, re.M)}

    def test_first_merchant_has_its_own_series_and_the_second_is_other(self):
        gw = self.start()
        self.send_signed(gw, FIRST, "/v3/pay/transactions/out-trade-no/a", 3)
        self.send_signed(gw, SECOND, "/v3/pay/transactions/out-trade-no/b", 4)
        self.send_signed(gw, SECOND, "/v3/certificates", 1)  # answered by paygate itself
        with gw.client() as c:
            # None of these has a verified merchant, whatever its headers say.
            self.assertEqual(c.request("GET", "/open/x", [("X-Pay-Mchid", FIRST)]).status, 200)
            self.assertEqual(c.request("GET", "/v3/unsigned").status, 401)
            stale = self.authorization(FIRST, "GET", "/v3/other-url")
            self.assertEqual(c.request("GET", "/v3/tampered", [("Authorization", stale)]).status,
                             401)
        expected = {
            ("paygate_merchant_requests_total", 'mchid="%s",code="200"' % FIRST): 3,
            ("paygate_merchant_requests_total", 'mchid="other",code="200"'): 5,
            ("paygate_merchant_request_duration_seconds_count", 'mchid="%s"' % FIRST): 3,
            ("paygate_merchant_request_duration_seconds_count", 'mchid="other"'): 5,
        }
        # A worker counts a request just after its response went out: poll briefly.
        def counted():
            return self.merchant_samples(self.metrics(gw)) == expected
        try:
            harness.wait_until(counted, 5, 0.05, "merchant counts")
        except AssertionError:
            self.assertEqual(self.merchant_samples(self.metrics(gw)), expected)
            raise
        text = self.metrics(gw)
        merchant_lines = [l for l in text.splitlines() if l.startswith("paygate_merchant_")]
        self.assertFalse([l for l in merchant_lines if SECOND in l], merchant_lines)
        self.assertIn('paygate_http_requests_total{route="pay",code="200",protocol="http/1.1"} 7',
                      text)

    def test_nothing_is_counted_with_telemetry_off(self):
        gw = self.start(telemetry=False)
        self.send_signed(gw, FIRST, "/v3/pay/a", 1)
        self.send_signed(gw, SECOND, "/v3/pay/b", 1)
        self.assertNotIn("paygate_merchant_requests_total{", self.metrics(gw))


if __name__ == "__main__":
    harness.main()
