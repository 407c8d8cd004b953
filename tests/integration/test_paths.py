"""Path normalisation at the edge: the gateway routes, and forwards, the normal form of a path
(escaped unreserved characters decoded, dot-segments removed, slashes merged), so a path cannot
be routed as one thing and served as another. Paths it cannot normalise safely (climbing above
/, %2F, %5C, %00, raw bytes outside RFC 3986) are 400 and never forwarded. absolute-form targets
are accepted and forwarded in origin-form with the target's authority as Host."""

import time
import unittest

import harness


def raw_request(target, host=b"gw.test", method=b"GET"):
    return method + b" " + target + b" HTTP/1.1\r\nHost: " + host + b"\r\n\r\n"


class PathNormalisationTest(harness.GatewayTestCase):
    def start(self, **listener):
        self.api = self.backend(name="api")
        self.mock = self.backend(name="mock")
        return self.gateway(clusters=[harness.cluster("api", self.api.port),
                                      harness.cluster("mock", self.mock.port)],
                            routes=[harness.route("api", "/api/", "api"),
                                    harness.route("mock", "/mock/", "mock")],
                            listener=listener)

    def forwarded_target(self, gw, target):
        before = self.api.request_count()
        with gw.client() as c:
            c.send(raw_request(target))
            r = c.read_response()
        self.assertEqual(r.status, 200, "%r: %r" % (target, r))
        harness.wait_until(lambda: self.api.request_count() > before, 2, what="the request")
        return self.api.requests[-1].target

    def test_the_normal_form_is_routed_and_forwarded(self):
        gw = self.start()
        cases = {
            b"/mock/../api/x": "/api/x",
            b"/%61%70%69/x": "/api/x",
            b"//api///x/": "/api/x/",
            b"/api/./a/../x": "/api/x",
            b"/mock/%2e%2E/api/x": "/api/x",
            b"/api/a%3ab%e4%b8%ad": "/api/a%3Ab%E4%B8%AD",
            b"/mock/../api/x?y=%2f&z=/../": "/api/x?y=%2f&z=/../",  # the query is untouched
        }
        for target, expected in cases.items():
            with self.subTest(target=target):
                self.assertEqual(self.forwarded_target(gw, target), expected)
        self.assertEqual(self.mock.request_count(), 0)

    def test_paths_that_cannot_be_normalised_safely_are_refused(self):
        gw = self.start()
        cases = [b"/../api/x", b"/api/../../x", b"/api/%2Fx", b"/api/%2fx", b"/api/%5Cx",
                 b"/api/%00x", b"/api/\x80x", b"/api/\xe4\xb8\xad", b"/api/a\\b", b"/api/a%zz",
                 b"/api/a%4", b"/api/x?q=\xff", b"/api/x?q=%g0"]
        for target in cases:
            with self.subTest(target=target), gw.client() as c:
                c.send(raw_request(target))
                r = c.read_response()
                self.assertJsonError(r, 400, "PARAM_ERROR")
                self.assertEqual(r.header("Connection"), "close", r)
                self.assertTrue(c.closed_by_peer(2))
        time.sleep(0.05)
        self.assertEqual(self.api.received + self.mock.received, b"")
        metrics = harness.http_get(gw.admin_port, "/metrics", timeout=2)[1].decode()
        self.assertRegex(metrics, r'paygate_http_rejected_total\{reason="bad_path"\} (\d+)')
        count = int(metrics.split('paygate_http_rejected_total{reason="bad_path"} ')[1].split()[0])
        self.assertGreaterEqual(count, len(cases) - 3)  # Beast itself refuses some raw bytes

    def test_policy_keeps_slashes_and_escaped_slashes_when_told(self):
        gw = self.start(path={"merge_slashes": False, "escaped_slashes": "keep"})
        self.assertEqual(self.forwarded_target(gw, b"/api//x"), "/api//x")
        self.assertEqual(self.forwarded_target(gw, b"/api/a%2fb"), "/api/a%2Fb")
        self.assertEqual(self.forwarded_target(gw, b"/api/a%2fb/../c"), "/api/c")

    def test_policy_can_decode_escaped_slashes(self):
        gw = self.start(path={"escaped_slashes": "unescape"})
        self.assertEqual(self.forwarded_target(gw, b"/mock%2F..%2Fapi%2Fx"), "/api/x")

    def test_absolute_form_is_forwarded_in_origin_form_with_its_authority(self):
        gw = self.start()
        target = self.forwarded_target(gw, b"http://pay.example:8443/mock/../api/x?q=1")
        self.assertEqual(target, "/api/x?q=1")
        req = self.api.requests[-1]
        self.assertEqual(req.header_all("Host"), ["pay.example:8443"])

    def test_absolute_form_with_userinfo_or_another_scheme_is_refused(self):
        gw = self.start()
        for target in [b"http://user@pay.example/api/x", b"ftp://pay.example/api/x",
                       b"http:///api/x"]:
            with self.subTest(target=target), gw.client() as c:
                c.send(raw_request(target))
                self.assertJsonError(c.read_response(), 400, "PARAM_ERROR")
        self.assertEqual(self.api.received, b"")


if __name__ == "__main__":
    unittest.main()
