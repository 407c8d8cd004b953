"""Keep-alive both ways (upstream connections reused from the worker's pool, counted by
mockpay's /mock/stats and by a Python backend), Connection: close, HTTP/1.0, pipelining."""

import time
import unittest

import harness
from harness import Client, build_request, reply


class UpstreamReuseTest(harness.GatewayTestCase):
    def test_sequential_requests_reuse_one_mockpay_connection(self):
        mock = self.mockpay()
        gw = self.gateway(clusters=[harness.cluster("mock", mock.port)],
                          routes=[harness.route("mock", "/mock/", "mock")])
        before = mock.stats()
        with gw.client() as c:
            for _ in range(20):
                r = c.request("GET", "/mock/health")
                self.assertEqual(r.status, 200, r)
                self.assertFalse(r.has_header("Connection"), r)
        # A new downstream connection still takes the pooled upstream connection.
        for _ in range(5):
            with gw.client() as c:
                self.assertEqual(c.request("GET", "/mock/health").status, 200)
        after = mock.stats()
        # +1 connection and +1 request are the stats query itself.
        self.assertEqual(after["requests"] - before["requests"], 25 + 1)
        self.assertEqual(after["connections_opened"] - before["connections_opened"], 1 + 1)

    def test_python_backend_sees_one_connection(self):
        b = self.backend()
        gw = self.gateway(clusters=[harness.cluster("b", b.port)],
                          routes=[harness.route("all", "/", "b")])
        with gw.client() as c:
            for i in range(15):
                r = c.request("POST" if i % 3 == 0 else "GET", "/k%d" % i, body=b"x" * i)
                self.assertEqual(r.status, 200, r)
        self.assertEqual(b.request_count(), 15)
        self.assertEqual(b.connections, 1)
        self.assertEqual({r.connection_index for r in b.requests}, {0})

    def test_backend_connection_close_is_not_reused(self):
        def handler(req, conn):
            conn.send(reply(200, b"bye", {"Connection": "close"}))
            conn.close()
        b = self.backend(handler)
        gw = self.gateway(clusters=[harness.cluster("b", b.port)],
                          routes=[harness.route("all", "/", "b")])
        with gw.client() as c:
            for _ in range(3):
                r = c.request("POST", "/x", body=b"p")  # POST: never retried, so must not fail
                self.assertEqual((r.status, r.body), (200, b"bye"))
                self.assertFalse(r.has_header("Connection"), r)  # downstream stays open
        self.assertEqual(b.connections, 3)

    def test_backend_closing_idle_connection_is_noticed(self):
        def handler(req, conn):
            conn.send(reply(200, b"ok"))
            time.sleep(0.05)
            conn.close()  # silently, without Connection: close
        b = self.backend(handler)
        gw = self.gateway(clusters=[harness.cluster("b", b.port)],
                          routes=[harness.route("all", "/", "b")])
        with gw.client() as c:
            for _ in range(3):
                self.assertEqual(c.request("POST", "/x", body=b"p").status, 200)
                time.sleep(0.3)
        self.assertEqual(b.request_count(), 3)


class DownstreamKeepAliveTest(harness.GatewayTestCase):
    def setUp(self):
        self.b = self.backend(lambda req, conn: reply(200, req.path))
        self.gw = self.gateway(clusters=[harness.cluster("b", self.b.port)],
                               routes=[harness.route("all", "/", "b")])

    def test_connection_close_honoured(self):
        with self.gw.client() as c:
            self.assertEqual(c.request("GET", "/one").status, 200)
            r = c.request("GET", "/two", {"Connection": "close"})
            self.assertEqual((r.status, r.body), (200, b"/two"))
            self.assertEqual(r.header("Connection"), "close")
            self.assertTrue(c.closed_by_peer(2))

    def test_http10_closes_unless_keep_alive(self):
        with self.gw.client() as c:
            r = c.request("GET", "/a", host=None, version="1.0")
            self.assertEqual(r.status, 200)
            self.assertTrue(c.closed_by_peer(2))
        with self.gw.client() as c:
            for _ in range(3):
                r = c.request("GET", "/b", {"Connection": "keep-alive"}, version="1.0")
                self.assertEqual(r.status, 200)
                self.assertNotEqual(r.header("Connection"), "close")

    def test_pipelined_requests_answered_in_order(self):
        paths = ["/p%d" % i for i in range(8)]
        data = b""
        for i, p in enumerate(paths):
            if i % 2:
                data += build_request("POST", p, body=("body%d" % i).encode())
            else:
                data += build_request("GET", p)
        with self.gw.client() as c:
            c.send(data)  # one write
            for p in paths:
                r = c.read_response()
                self.assertEqual((r.status, r.body), (200, p.encode()), r)
            self.assertEqual(c.request("GET", "/after").body, b"/after")
        self.assertEqual([r.path for r in self.b.requests], paths + ["/after"])
        self.assertEqual(self.b.requests[1].body, b"body1")

    def test_pipelined_with_unrouted_request_in_the_middle(self):
        gw = self.gateway(clusters=[harness.cluster("b", self.b.port)],
                          routes=[harness.route("ok", "/ok/", "b")], name="paygate2")
        data = (build_request("GET", "/ok/1") + build_request("GET", "/missing") +
                build_request("POST", "/ok/2", body=b"zz"))
        with gw.client() as c:
            c.send(data)
            r1, r2, r3 = c.read_response(), c.read_response(), c.read_response()
        self.assertEqual((r1.status, r1.body), (200, b"/ok/1"))
        self.assertJsonError(r2, 404)
        self.assertEqual((r3.status, r3.body), (200, b"/ok/2"))

    def test_pipelined_request_after_close_is_not_served(self):
        data = build_request("GET", "/first", {"Connection": "close"}) + build_request("GET",
                                                                                     "/second")
        with self.gw.client() as c:
            c.send(data)
            r = c.read_response()
            self.assertEqual(r.body, b"/first")
            self.assertEqual(c.read_until_closed(3), b"")
        time.sleep(0.1)
        self.assertEqual([r.path for r in self.b.requests], ["/first"])

    def test_max_requests_per_connection(self):
        gw = self.gateway(clusters=[harness.cluster("b", self.b.port)],
                          routes=[harness.route("all", "/", "b")],
                          limits={"max_requests_per_connection": 3}, name="paygate2")
        with gw.client() as c:
            self.assertFalse(c.request("GET", "/1").has_header("Connection"))
            self.assertFalse(c.request("GET", "/2").has_header("Connection"))
            r = c.request("GET", "/3")
            self.assertEqual(r.header("Connection"), "close")
            self.assertTrue(c.closed_by_peer(2))


if __name__ == "__main__":
    harness.main()
