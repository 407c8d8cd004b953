"""Routes that answer by themselves (`respond:`) on real processes: a maintenance page (503) and
a deny route (403 with the configured body) answered without touching the backend, on keep-alive
connections like any answer, counted in paygate_http_requests_total under their route; a
`verify: merchant` route still refuses unsigned requests before answering; a `sign: platform`
route's answer verifies with the platform certificate; HEAD gets the head alone; a reload turns
a forwarding route into a deny route and back."""

import json
import unittest

import harness

MCHID = "1230000109"
MAINTENANCE = '{"code":"SYSTEM_ERROR","message":"maintenance until 02:00"}'
DENY = '{"code":"NO_AUTH","message":"this API is closed"}'


def respond_route(name, prefix, status, body, **settings):
    r = {"name": name, "prefix": prefix, "respond": {"status": status, "body": body}}
    r.update(settings)
    return r


class RespondTest(harness.GatewayTestCase):
    def setUp(self):
        self.keys = harness.PlatformKeys(self, MCHID)
        self.b = self.backend()

    def routes(self, deny_internal=True):
        routes = [respond_route("maintenance", "/v3/refund/", 503, MAINTENANCE),
                  respond_route("signed-deny", "/v3/closed/", 403, DENY, verify="merchant",
                                sign="platform"),
                  {"name": "health", "path": "/health",
                   "respond": {"status": 200, "body": "ok", "content_type": "text/plain"}},
                  harness.route("open", "/v3/", "b")]
        if deny_internal:
            routes.insert(0, respond_route("deny", "/v3/internal/", 403, DENY))
        return routes

    def start(self):
        config = harness.gateway_config(harness.free_port(), harness.free_port(),
                                        [harness.cluster("b", self.b.port)], self.routes(),
                                        extra=self.keys.config())
        self.gw = harness.Gateway(self.tmpdir, config)
        self._track(self.gw.process)
        return self.gw.wait_ready()

    def metrics(self):
        return harness.http_get(self.gw.admin_port, "/metrics", timeout=2)[1].decode()

    def authorization(self, method, url):
        p = self.run_paygate("sign", "--mchid", MCHID, "--serial", self.keys.merchant_serial,
                             "--key", self.keys.merchant_key, "--method", method, "--url", url,
                             "--body", "")
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip()

    def test_maintenance_and_deny_answer_without_the_backend(self):
        self.start()
        with self.gw.client() as c:
            r = c.request("POST", "/v3/refund/domestic/refunds", body=b"{}")
            self.assertEqual(r.status, 503, r)
            self.assertEqual(r.body.decode(), MAINTENANCE)
            self.assertEqual(r.header("Content-Type"), "application/json")
            self.assertIsNone(r.header("Connection"))  # kept alive
            r = c.request("GET", "/v3/internal/keys")
            self.assertEqual(r.status, 403, r)
            self.assertEqual(json.loads(r.body), json.loads(DENY))
            self.assertTrue(r.header("Request-ID"))
            r = c.request("GET", "/health")
            self.assertEqual((r.status, r.body, r.header("Content-Type")),
                             (200, b"ok", "text/plain"))
            self.assertEqual(c.request("GET", "/v3/open").status, 200)  # the control
        self.assertEqual([req.path for req in self.b.requests], ["/v3/open"])
        text = self.metrics()
        for route, code in (("maintenance", 503), ("deny", 403)):
            self.assertIn('paygate_http_requests_total{route="%s",code="%d",protocol="http/1.1"} 1'
                          % (route, code), text)

    def test_head_gets_the_head_alone(self):
        self.start()
        with self.gw.client() as c:
            c.send(harness.build_request("HEAD", "/v3/internal/x") +
                   harness.build_request("GET", "/health"))
            r = c.read_response(method="HEAD")
            self.assertEqual(r.status, 403)
            self.assertEqual(r.header("Content-Length"), str(len(DENY)))
            r = c.read_response()  # starts right after the head: no body came in between
            self.assertEqual((r.status, r.body), (200, b"ok"))

    def test_verify_runs_first_and_the_answer_is_signed(self):
        self.start()
        with self.gw.client() as c:
            r = c.request("GET", "/v3/closed/x")
            self.assertJsonError(r, 401, "SIGN_ERROR")
            r = c.request("GET", "/v3/closed/x",
                          [("Authorization", self.authorization("GET", "/v3/closed/x"))])
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.body.decode(), DENY)
        self.assertEqual(r.header("Wechatpay-Serial"), self.keys.platform_serial, r)
        p = self.run_paygate("verify", "--cert", self.keys.platform_cert,
                             "--timestamp", r.header("Wechatpay-Timestamp"),
                             "--nonce", r.header("Wechatpay-Nonce"),
                             "--signature", r.header("Wechatpay-Signature"),
                             "--body", r.body.decode())
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(self.b.request_count(), 0)

    def test_reload_turns_a_route_into_a_deny_route_and_back(self):
        self.start()
        with self.gw.client() as c:
            self.assertEqual(c.request("GET", "/v3/internal/x").status, 403)
        config = dict(self.gw.config, routes=self.routes(deny_internal=False))
        self.gw.write_config(config)
        self.gw.reload()
        self.gw.wait_log(r"config generation 2 loaded")
        with self.gw.client() as c:
            self.assertEqual(c.request("GET", "/v3/internal/x").status, 200)
        self.assertEqual([req.path for req in self.b.requests], ["/v3/internal/x"])
        self.gw.write_config(dict(config, routes=self.routes()))
        self.gw.reload()
        self.gw.wait_log(r"config generation 3 loaded")
        with self.gw.client() as c:
            self.assertEqual(c.request("GET", "/v3/internal/x").status, 403)
        self.assertEqual(self.b.request_count(), 1)


if __name__ == "__main__":
    harness.main()
