"""Per-merchant rate limits on a real paygate (two workers): with 5/s and a burst of 5, a quick
series of signed requests gets 5 (6 if the series is slow) 200s and then signed 429
FREQUENCY_LIMITED errors with a request id and Retry-After, GET /v3/certificates included;
another merchant (under platform.rate_limit) is unaffected; after a second the merchant passes
again; paygate_rate_limited_total{mchid} counts exactly the 429s."""

import re
import time

import harness
from harness import reply

LIMITED = "1900000109"
OTHER = "1230000109"
LIMIT = {"rate": 5, "burst": 5}


class RateLimitTest(harness.GatewayTestCase):
    def setUp(self):
        self.keys = harness.PlatformKeys(self, LIMITED)
        self.serials = {LIMITED: self.keys.merchant_serial,
                        OTHER: self.keys.another_merchant(self, OTHER)}
        self.b = self.backend(lambda req, conn: reply(200, b'{"ok":true}',
                                                      [("Content-Type", "application/json")]))

    def start(self):
        extra = self.keys.config()
        extra["platform"]["rate_limit"] = LIMIT  # the default, for OTHER
        extra["merchants"][0]["rate_limit"] = LIMIT
        extra["merchants"].append(self.keys.merchant_config(OTHER))
        routes = [harness.route("pay", "/v3/", "b", verify="merchant", sign="platform")]
        return self.gateway(clusters=[harness.cluster("b", self.b.port)], routes=routes,
                            workers=2, extra=extra)

    def authorization(self, mchid, url):
        return self.keys.authorization(self, mchid, self.serials[mchid], url)

    def signed_requests(self, mchid, urls):
        """(url, Authorization) pairs, signed before sending so that the series is quick."""
        return [(url, self.authorization(mchid, url)) for url in urls]

    def send(self, gw, requests):
        with gw.client() as c:
            return [c.request("GET", url, [("Authorization", auth)]) for url, auth in requests]

    def rate_limited_total(self, gw):
        text = harness.http_get(gw.admin_port, "/metrics", timeout=2)[1].decode()
        found = re.search(r'^paygate_rate_limited_total\{mchid="%s"\} (\S+)$' % LIMITED, text,
                          re.M)
        return float(found.group(1)) if found else 0

    def assertSignedByPlatform(self, r):
        self.assertEqual(r.header("Wechatpay-Serial"), self.keys.platform_serial, r)
        p = self.run_paygate("verify", "--cert", self.keys.platform_cert,
                             "--timestamp", r.header("Wechatpay-Timestamp"),
                             "--nonce", r.header("Wechatpay-Nonce"),
                             "--signature", r.header("Wechatpay-Signature"),
                             "--body", r.body.decode())
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_burst_then_frequency_limited_then_refilled(self):
        gw = self.start()
        urls = ["/v3/pay/transactions/id/%d" % i for i in range(15)] + ["/v3/certificates"] * 5
        series = self.signed_requests(LIMITED, urls)
        other = self.signed_requests(OTHER, ["/v3/pay/other/%d" % i for i in range(3)])
        later = self.signed_requests(LIMITED, ["/v3/pay/later/%d" % i for i in range(5)])

        responses = self.send(gw, series)
        statuses = [r.status for r in responses]
        passed = statuses.count(200)
        self.assertIn(passed, (5, 6), statuses)
        self.assertEqual(statuses[:5], [200] * 5, statuses)
        limited = [r for r in responses if r.status != 200]
        for r in limited:
            body = self.assertJsonError(r, 429, "FREQUENCY_LIMITED")
            self.assertIn("retry", body["message"])
            self.assertEqual(r.header("Retry-After"), "1", r)
        self.assertSignedByPlatform(limited[-1])
        self.assertGreaterEqual([r.status for r in responses[15:]].count(429), 4, statuses)
        self.assertEqual(len(self.b.requests), passed)  # nothing refused reached the backend

        self.assertEqual([r.status for r in self.send(gw, other)], [200] * 3)
        time.sleep(1.1)  # a whole burst again at 5/s
        self.assertEqual([r.status for r in self.send(gw, later)], [200] * 5)

        # Refusals are counted before the 429 is written: no wait needed, but poll anyway.
        harness.wait_until(lambda: self.rate_limited_total(gw) == len(limited), 5, 0.05,
                           "paygate_rate_limited_total == %d" % len(limited))

    def test_a_refused_request_does_not_use_up_its_nonce(self):
        """A 429 lets nothing in, so the merchant's retry of the very same signed request (same
        nonce) passes once the limit has refilled, instead of being refused as a replay; and
        only then is it a replay."""
        gw = self.start()
        fillers = self.signed_requests(LIMITED, ["/v3/pay/filler/%d" % i for i in range(8)])
        retried = self.signed_requests(LIMITED, ["/v3/pay/retried"])
        statuses = [r.status for r in self.send(gw, fillers + retried)]
        self.assertEqual(statuses[:5], [200] * 5, statuses)
        self.assertEqual(statuses[-1], 429, statuses)
        time.sleep(1.1)
        again = self.send(gw, retried + retried)
        self.assertEqual(again[0].status, 200, again[0])
        self.assertJsonError(again[1], 401, "SIGN_ERROR")
        self.assertEqual(sum(1 for r in self.b.requests if r.target == "/v3/pay/retried"), 1)


if __name__ == "__main__":
    harness.main()
