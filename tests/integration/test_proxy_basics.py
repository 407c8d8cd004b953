"""Routing, the JSON error shape, the headers a proxy adds and removes, load balancing across
endpoints (round robin, least outstanding requests)."""

import re
import threading

import harness
from harness import reply

HEX32 = re.compile(r"^[0-9a-f]{32}$")


class ProxyBasicsTest(harness.GatewayTestCase):
    def start(self, handler=None):
        self.b = self.backend(handler)
        return self.gateway(clusters=[harness.cluster("b", self.b.port)],
                            routes=[harness.route("api", "/api/", "b")])

    def test_no_route_is_404_json_with_request_id(self):
        gw = self.start()
        with gw.client() as c:
            r = c.request("GET", "/nowhere")
            body = self.assertJsonError(r, 404, "RESOURCE_NOT_EXISTS")
            self.assertRegex(r.header("Request-ID"), HEX32)
            self.assertNotIn("Connection", dict(r.headers))  # still keep-alive
            # A client-supplied id is used instead of a generated one.
            r2 = c.request("GET", "/nowhere", {"X-Request-Id": "client-id-42"})
            self.assertJsonError(r2, 404)
            self.assertEqual(r2.header("Request-ID"), "client-id-42")
            self.assertNotEqual(r.header("Request-ID"), r2.header("Request-ID"))
        self.assertEqual(self.b.request_count(), 0)
        self.assertIn("route", body["message"])

    def test_generated_request_ids_differ(self):
        gw = self.start()
        ids = set()
        with gw.client() as c:
            for _ in range(5):
                ids.add(c.request("GET", "/api/x").header("X-Request-Id"))
        self.assertEqual(len(ids), 5)
        for rid in ids:
            self.assertRegex(rid, HEX32)
        self.assertEqual({r.header("X-Request-Id") for r in self.b.requests}, ids)

    def test_forwarded_headers_added(self):
        gw = self.start()
        with gw.client() as c:
            r = c.request("GET", "/api/a?q=1")
            self.assertEqual(r.status, 200, r)
            r = c.request("GET", "/api/b", [("X-Forwarded-For", "10.1.2.3"),
                                           ("X-Request-Id", "abc-123"), ("Via", "1.0 edge")])
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.header("X-Request-Id"), "abc-123")
        first, second = self.b.requests
        self.assertEqual(first.target, "/api/a?q=1")
        self.assertEqual(first.header_all("X-Forwarded-For"), ["127.0.0.1"])
        self.assertEqual(first.header_all("Via"), ["1.1 paygate"])
        rid = first.header_all("X-Request-Id")
        self.assertEqual(len(rid), 1)
        self.assertRegex(rid[0], HEX32)
        self.assertEqual(first.header("Host"), "gw.test")
        # Appended to, never duplicated.
        self.assertEqual(second.header_all("X-Forwarded-For"), ["10.1.2.3, 127.0.0.1"])
        self.assertEqual(second.header_all("X-Request-Id"), ["abc-123"])
        self.assertEqual(second.header_all("Via"), ["1.0 edge, 1.1 paygate"])

    def test_response_carries_request_id_of_the_forwarded_request(self):
        gw = self.start()
        with gw.client() as c:
            r = c.request("GET", "/api/x")
        self.assertEqual(r.header("X-Request-Id"), self.b.requests[0].header("X-Request-Id"))

    def test_hop_by_hop_request_headers_removed(self):
        gw = self.start()
        hop = [("Connection", "keep-alive, X-Hop-Secret"), ("X-Hop-Secret", "1"),
               ("Keep-Alive", "timeout=5"), ("TE", "trailers"), ("Trailer", "X-T"),
               ("Upgrade", "websocket"), ("Proxy-Connection", "keep-alive"),
               ("Proxy-Authorization", "Basic eDp5"), ("X-End-To-End", "kept"),
               ("Authorization", "WECHATPAY2-SHA256-RSA2048 mchid=\"1\"")]
        with gw.client() as c:
            r = c.request("POST", "/api/p", hop, body=b"hello")
            self.assertEqual(r.status, 200, r)
        req = self.b.requests[0]
        for name in ("Connection", "X-Hop-Secret", "Keep-Alive", "TE", "Trailer", "Upgrade",
                     "Proxy-Connection", "Proxy-Authorization", "Transfer-Encoding", "Expect"):
            self.assertFalse(req.has_header(name), "%s forwarded: %r" % (name, req.headers))
        self.assertEqual(req.header("X-End-To-End"), "kept")
        self.assertTrue(req.header("Authorization").startswith("WECHATPAY2"))
        self.assertEqual(req.header_all("Content-Length"), ["5"])
        self.assertEqual(req.body, b"hello")

    def test_hop_by_hop_response_headers_removed(self):
        def handler(req, conn):
            return reply(200, b"ok", [("Connection", "X-Backend-Hop"), ("X-Backend-Hop", "1"),
                                      ("Keep-Alive", "timeout=5"), ("Upgrade", "h2c"),
                                      ("Proxy-Authenticate", "Basic"), ("X-Kept", "yes")])
        gw = self.start(handler)
        with gw.client() as c:
            r = c.request("GET", "/api/x")
            self.assertEqual(r.status, 200, r)
            for name in ("X-Backend-Hop", "Keep-Alive", "Upgrade", "Proxy-Authenticate"):
                self.assertFalse(r.has_header(name), "%s relayed: %r" % (name, r))
            self.assertEqual(r.header("X-Kept"), "yes")
            self.assertEqual(r.body, b"ok")
            self.assertEqual(c.request("GET", "/api/y").status, 200)  # still usable

    def test_response_via_is_appended_to(self):
        gw = self.start(lambda req, conn: reply(200, b"ok", [("Via", "1.1 backend")]))
        with gw.client() as c:
            r = c.request("GET", "/api/x")
        self.assertEqual(r.header_all("Via"), ["1.1 backend, 1.1 paygate"])

    def test_query_forwarded_untouched_and_path_in_normal_form(self):
        # The path's escapes are normalised (test_paths.py has the rules); the query is not.
        gw = self.start()
        with gw.client() as c:
            self.assertEqual(c.request("GET", "/api/a%3ab/%7E?x=%20&y=%2f%7E").status, 200)
        self.assertEqual(self.b.requests[0].target, "/api/a%3Ab/~?x=%20&y=%2f%7E")


class LoadBalancingTest(harness.GatewayTestCase):
    def test_round_robin_across_two_backends(self):
        a, b = self.backend(name="a"), self.backend(name="b")
        gw = self.gateway(clusters=[harness.cluster("ab", a.port, b.port, lb="round_robin")],
                          routes=[harness.route("all", "/", "ab")])
        with gw.client() as c:
            for i in range(10):
                self.assertEqual(c.request("GET", "/r%d" % i).status, 200)
        self.assertEqual((a.request_count(), b.request_count()), (5, 5))
        # Strictly alternating: consecutive requests never land on the same backend.
        a_paths = [int(r.path[2:]) for r in a.requests]
        self.assertTrue(all(p % 2 == a_paths[0] % 2 for p in a_paths), a_paths)

    def test_least_request_avoids_the_busy_endpoint(self):
        release = threading.Event()

        def handler(req, conn):
            if req.path == "/hold":
                release.wait(10)
            return reply(200, req.path)
        a, b = self.backend(handler, "a"), self.backend(handler, "b")
        gw = self.gateway(clusters=[harness.cluster("ab", a.port, b.port, lb="least_request")],
                          routes=[harness.route("all", "/", "ab")])
        held = []

        def hold():
            with gw.client(10) as c:
                held.append(c.request("GET", "/hold", timeout=10))
        holder = threading.Thread(target=hold)
        holder.start()
        try:
            harness.wait_until(lambda: a.request_count() + b.request_count() == 1, 5,
                               what="the held request to reach a backend")
            busy, idle = (a, b) if a.request_count() == 1 else (b, a)
            with gw.client() as c:
                for i in range(6):
                    self.assertEqual(c.request("GET", "/f%d" % i).status, 200)
            self.assertEqual(busy.request_count(), 1)
            self.assertEqual(idle.request_count(), 6)
        finally:
            release.set()
            holder.join(10)
        self.assertEqual(held[0].status, 200)


if __name__ == "__main__":
    harness.main()
