"""Upstream failures become WeChat Pay JSON errors with the request id: backend down -> 502,
slow -> 504 within the configured timeout, connection limit -> 503, bad or oversized responses
-> 502, a backend dying mid-response is never passed off as a complete response. Retries on
connect failure for idempotent methods only; passive ejection of a dead endpoint."""

import socket
import threading
import time

import harness
from harness import build_request, reply


class BackendDownTest(harness.GatewayTestCase):
    def test_backend_down_is_502_json(self):
        dead = harness.free_port()
        gw = self.gateway(clusters=[harness.cluster("dead", dead)],
                          routes=[harness.route("all", "/", "dead")])
        with gw.client() as c:
            for method in ("GET", "POST"):
                r = c.request(method, "/v3/pay/transactions/jsapi",
                              {"X-Request-Id": "down-%s" % method})
                self.assertJsonError(r, 502, "BAD_GATEWAY")
                self.assertEqual(r.header("Request-ID"), "down-%s" % method)
            self.assertEqual(c.request("GET", "/again").status, 502)  # connection kept

    def test_connect_timeout_is_504(self):
        # A listener whose accept queue is full: the kernel drops further SYNs, so a connect
        # neither succeeds nor fails until the gateway's connect_timeout.
        silent = socket.socket()
        silent.bind((harness.HOST, 0))
        silent.listen(0)
        fillers = []
        for _ in range(4):
            f = socket.socket()
            f.setblocking(False)
            f.connect_ex(silent.getsockname())
            fillers.append(f)
        self.addCleanup(lambda: [s.close() for s in fillers + [silent]])
        time.sleep(0.1)
        gw = self.gateway(
            clusters=[harness.cluster("silent", silent.getsockname()[1], connect_timeout="300ms",
                                      connect_retries=0, eject_after_connect_failures=0)],
            routes=[harness.route("all", "/", "silent")])
        with gw.client() as c:
            start = time.monotonic()
            r = c.request("GET", "/v3/pay/transactions/id/1", timeout=5)
            elapsed = time.monotonic() - start
            self.assertJsonError(r, 504, "GATEWAY_TIMEOUT")
            self.assertGreater(elapsed, 0.25)
            self.assertLess(elapsed, 1.5)
        metrics = harness.http_get(gw.admin_port, "/metrics")[1].decode()
        self.assertIn('paygate_upstream_connect_errors_total{cluster="silent"} 1', metrics)

    def test_connect_retry_for_idempotent_methods_only(self):
        live = self.backend()
        dead = harness.free_port()
        gw = self.gateway(
            clusters=[harness.cluster("mixed", dead, live.port, connect_retries=1,
                                      eject_after_connect_failures=0)],
            routes=[harness.route("all", "/", "mixed")])
        with gw.client() as c:
            gets = [c.request("GET", "/g%d" % i).status for i in range(6)]
            posts = [c.request("POST", "/p%d" % i, body=b"x").status for i in range(6)]
        self.assertEqual(gets, [200] * 6)  # every pick of the dead one retried on the live one
        # Round robin: half the POSTs were sent to the dead endpoint and are not retried.
        self.assertEqual(sorted(posts), [200] * 3 + [502] * 3)
        self.assertEqual(sum(1 for r in live.requests if r.method == "POST"), 3)

    def test_passive_ejection(self):
        live = self.backend()
        dead = harness.free_port()
        gw = self.gateway(
            clusters=[harness.cluster("mixed", live.port, dead, connect_retries=0,
                                      eject_after_connect_failures=2, eject_duration="1s")],
            routes=[harness.route("all", "/", "mixed")])
        with gw.client() as c:
            first = [c.request("GET", "/a%d" % i).status for i in range(4)]
            self.assertEqual(first, [200, 502, 200, 502])  # round robin; 2nd failure ejects
            after = [c.request("GET", "/b%d" % i).status for i in range(10)]
            self.assertEqual(after, [200] * 10)  # all traffic on the live endpoint
            self.assertEqual(live.request_count(), 12)
            time.sleep(1.2)  # the cool-down ends: the dead endpoint is tried again
            again = [c.request("GET", "/c%d" % i).status for i in range(4)]
            self.assertIn(502, again)


class SlowBackendTest(harness.GatewayTestCase):
    def setUp(self):
        self.release = threading.Event()

        def handler(req, conn):
            if req.path.startswith("/slow"):
                self.release.wait(5)
            return reply(200, b"late")
        self.b = self.backend(handler)
        self.addCleanup(self.release.set)

    def test_slow_backend_is_504_within_try_timeout(self):
        gw = self.gateway(clusters=[harness.cluster("b", self.b.port, try_timeout="500ms")],
                          routes=[harness.route("all", "/", "b")])
        with gw.client() as c:
            start = time.monotonic()
            r = c.request("GET", "/slow", timeout=4)
            elapsed = time.monotonic() - start
            self.assertJsonError(r, 504, "GATEWAY_TIMEOUT")
            self.assertGreater(elapsed, 0.45)
            self.assertLess(elapsed, 1.2)
            self.release.set()
            self.assertEqual(c.request("GET", "/fast").status, 200)  # downstream still fine

    def test_route_timeout_overrides_cluster_total(self):
        gw = self.gateway(clusters=[harness.cluster("b", self.b.port)],
                          routes=[harness.route("all", "/", "b", timeout="300ms")])
        with gw.client() as c:
            start = time.monotonic()
            r = c.request("POST", "/slow", body=b"x", timeout=4)
            elapsed = time.monotonic() - start
        self.assertJsonError(r, 504)
        self.assertGreater(elapsed, 0.25)
        self.assertLess(elapsed, 1.0)

    def test_connection_limit_is_503(self):
        gw = self.gateway(
            clusters=[harness.cluster("b", self.b.port, max_connections_per_endpoint=1)],
            routes=[harness.route("all", "/", "b")])
        held = []

        def hold():
            with gw.client() as c:
                held.append(c.request("GET", "/slow", timeout=6))
        t = threading.Thread(target=hold)
        t.start()
        try:
            harness.wait_until(lambda: self.b.request_count() == 1, 3, what="the first request")
            with gw.client() as c:
                self.assertJsonError(c.request("GET", "/fast"), 503, "SERVICE_UNAVAILABLE")
        finally:
            self.release.set()
            t.join(6)
        self.assertEqual(held[0].status, 200)


class BrokenBackendTest(harness.GatewayTestCase):
    def start(self, handler, **cluster_settings):
        self.b = self.backend(handler)
        return self.gateway(clusters=[harness.cluster("b", self.b.port, **cluster_settings)],
                            routes=[harness.route("all", "/", "b")])

    def test_close_before_response_is_502(self):
        gw = self.start(lambda req, conn: conn.close())
        with gw.client() as c:
            self.assertJsonError(c.request("POST", "/x", body=b"1"), 502, "BAD_GATEWAY")

    def test_garbage_response_is_502(self):
        def handler(req, conn):
            conn.send(b"this is not http\r\n\r\n")
            conn.close()
        gw = self.start(handler)
        with gw.client() as c:
            self.assertJsonError(c.request("GET", "/x"), 502)

    def test_response_with_cl_and_te_is_502(self):
        def handler(req, conn):
            conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n"
                      b"\r\n3\r\nabc\r\n0\r\n\r\n")
            conn.close()
        gw = self.start(handler)
        with gw.client() as c:
            self.assertJsonError(c.request("GET", "/x"), 502)

    def test_oversized_response_is_502(self):
        gw = self.start(lambda req, conn: reply(200, b"x" * 2000), max_response_size="1KiB")
        with gw.client() as c:
            self.assertJsonError(c.request("GET", "/x"), 502)

    def test_close_mid_body_content_length(self):
        def handler(req, conn):
            conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"a" * 100)
            time.sleep(0.1)
            conn.close()
        gw = self.start(handler)
        with gw.client() as c:
            c.send(build_request("GET", "/x"))
            try:
                r = c.read_response(timeout=4)
            except harness.IncompleteResponse:
                # The head already went out: the client sees a short body and the close.
                self.assertTrue(c.closed_by_peer(2))
            else:
                self.assertJsonError(r, 502)  # nothing went out yet: a clean error instead

    def test_close_mid_body_chunked(self):
        def handler(req, conn):
            conn.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
            time.sleep(0.1)
            conn.close()
        gw = self.start(handler)
        with gw.client() as c:
            c.send(build_request("GET", "/x"))
            with self.assertRaises(harness.IncompleteResponse) as ctx:
                c.read_response(timeout=4)  # never the last chunk: not a complete response
            self.assertIn(b"hello", ctx.exception.partial)
            self.assertTrue(c.closed_by_peer(2))

    def test_backend_slow_mid_body_is_cut_at_try_timeout(self):
        def handler(req, conn):
            conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
            time.sleep(3)
        gw = self.start(handler, try_timeout="500ms")
        with gw.client() as c:
            c.send(build_request("GET", "/x"))
            start = time.monotonic()
            with self.assertRaises(harness.IncompleteResponse):
                c.read_response(timeout=4)
            self.assertLess(time.monotonic() - start, 1.5)


if __name__ == "__main__":
    harness.main()
