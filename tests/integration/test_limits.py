"""Every server limit: header bytes, header count, request line, body size (each just under and
just over), header-read timeout (slowloris), body-read timeout, idle keep-alive timeout, max
connections per worker. Limits are answered with JSON errors and the connection is closed; the
backend never sees a refused request."""

import socket
import time
import unittest

import harness
from harness import Client, build_request, chunked, reply

TICK = 0.05  # the watchdog's resolution


class DefaultLimitsTest(harness.GatewayTestCase):
    """The 64 KiB header default, with no limits in the config."""

    def test_header_bytes_default_64k(self):
        b = self.backend()
        gw = self.gateway(clusters=[harness.cluster("b", b.port)],
                          routes=[harness.route("all", "/", "b")])
        with gw.client() as c:
            r = c.request("GET", "/ok", {"X-Big": "a" * (60 * 1024)})
            self.assertEqual(r.status, 200, r)
        with gw.client() as c:
            r = c.request("GET", "/big", {"X-Big": "a" * (65 * 1024)})
            self.assertJsonError(r, 431, "HEADER_TOO_LARGE")
            self.assertEqual(r.header("Connection"), "close")
            self.assertTrue(c.closed_by_peer(2))
        self.assertEqual([r.path for r in b.requests], ["/ok"])


class LimitsTest(harness.GatewayTestCase):
    LIMITS = {
        "max_request_line": "1KiB",
        "max_header_bytes": "4KiB",
        "max_header_count": 20,
        "max_body": "2KiB",
        "header_read_timeout": "1s",
        "body_read_timeout": "1s",
        "idle_timeout": "1s",
        "max_connections": 4,
    }

    def setUp(self):
        self.b = self.backend()
        self.gw = self.gateway(clusters=[harness.cluster("b", self.b.port)],
                               routes=[harness.route("all", "/", "b")], limits=self.LIMITS)

    def assertRefused(self, data, status, code=None, timeout=5):
        with self.gw.client() as c:
            c.send(data)
            r = c.read_response(timeout=timeout)
            self.assertJsonError(r, status, code)
            self.assertEqual(r.header("Connection"), "close", r)
            self.assertTrue(c.closed_by_peer(2), "connection left open after %d" % status)
        return r

    def assertNothingForwarded(self):
        time.sleep(0.05)
        self.assertEqual(self.b.received, b"")

    # -- sizes

    def test_header_bytes(self):
        ok = build_request("GET", "/h", {"X-Fill": "a" * 3800})
        self.assertLess(len(ok), 4096)
        with self.gw.client() as c:
            c.send(ok)
            self.assertEqual(c.read_response().status, 200)
        self.b.received = b""
        self.assertRefused(build_request("GET", "/h", {"X-Fill": "a" * 4200}), 431,
                           "HEADER_TOO_LARGE")
        self.assertNothingForwarded()

    def test_header_bytes_with_many_small_fields(self):
        fields = [("X-F%d" % i, "v" * 300) for i in range(15)]  # 15 fields, ~4.6 KB
        self.assertRefused(build_request("GET", "/h", fields), 431)
        self.assertNothingForwarded()

    def test_header_count(self):
        # Host + 19 = 20 fields: allowed; Host + 20 = 21: refused.
        with self.gw.client() as c:
            r = c.request("GET", "/n", [("X-N%d" % i, "1") for i in range(19)])
            self.assertEqual(r.status, 200, r)
        self.b.received = b""
        self.assertRefused(build_request("GET", "/n", [("X-N%d" % i, "1") for i in range(20)]),
                           431, "HEADER_TOO_LARGE")
        self.assertNothingForwarded()

    def test_request_line(self):
        # "GET " + target + " HTTP/1.1" of exactly 1024 bytes is allowed, 1025 is not.
        target = "/" + "a" * (1024 - len("GET  HTTP/1.1") - 1)
        with self.gw.client() as c:
            self.assertEqual(c.request("GET", target).status, 200)
        self.b.received = b""
        self.assertRefused(build_request("GET", target + "a"), 414, "URI_TOO_LONG")
        self.assertRefused(b"GET /" + b"a" * 5000, 414)  # even before the line ends
        self.assertNothingForwarded()

    def test_body_content_length(self):
        with self.gw.client() as c:
            self.assertEqual(c.request("POST", "/b", body=b"x" * 2048).status, 200)
        self.b.received = b""
        self.assertRefused(build_request("POST", "/b", body=b"x" * 2049), 413,
                           "PAYLOAD_TOO_LARGE")
        # Refused from the header alone, before any body byte is sent.
        self.assertRefused(build_request("POST", "/b", {"Content-Length": "999999999"}), 413)
        self.assertNothingForwarded()

    def test_body_chunked(self):
        with self.gw.client() as c:
            c.send(build_request("POST", "/b", {"Transfer-Encoding": "chunked"}) +
                   chunked(b"x" * 1024, b"y" * 1024))
            self.assertEqual(c.read_response().status, 200)
        self.b.received = b""
        self.assertRefused(build_request("POST", "/b", {"Transfer-Encoding": "chunked"}) +
                           chunked(b"x" * 1024, b"y" * 1025), 413)
        self.assertNothingForwarded()

    def test_chunk_line_is_bounded(self):
        # A chunk-size line that never ends (a long extension, no CRLF) is refused once it
        # outgrows the header limit, not buffered until the body timeout.
        with self.gw.client() as c:
            c.send(build_request("POST", "/b", {"Transfer-Encoding": "chunked"}) + b"5;e=")
            start = time.monotonic()
            c.send(b"e" * 8192)
            r = c.read_response(timeout=3)
            self.assertJsonError(r, 400)
            self.assertLess(time.monotonic() - start, 0.9)  # before the 1 s body timeout
        self.assertNothingForwarded()

    # -- time

    def test_header_read_timeout_slowloris(self):
        data = build_request("GET", "/slow", [("X-Pad%d" % i, "p" * 10) for i in range(10)])
        with self.gw.client() as c:
            start = time.monotonic()
            sent = c.send_slowly(data, 0.1, start + 3)  # a byte every 100 ms: ~20 s for all
            # send_slowly stops when the peer closes; then read what it said.
            r = c.read_response(timeout=2)
            elapsed = time.monotonic() - start
            self.assertLess(sent, len(data))
            self.assertJsonError(r, 408, "REQUEST_TIMEOUT")
            self.assertTrue(c.closed_by_peer(2))
        self.assertGreater(elapsed, 1.0 - TICK)
        self.assertLess(elapsed, 1.0 + 1.0)
        self.assertNothingForwarded()

    def test_header_timeout_counts_from_first_byte_not_from_accept(self):
        with self.gw.client() as c:
            time.sleep(0.6)  # idle (1 s) but not expired
            start = time.monotonic()
            c.send(b"GET /x HTTP/1.1\r\n")
            time.sleep(0.6)  # 1.2 s after accept, 0.6 s into the header
            c.send(b"Host: a\r\n\r\n")
            r = c.read_response()
            self.assertEqual(r.status, 200, r)
            self.assertLess(time.monotonic() - start, 1.0)

    def test_body_read_timeout(self):
        with self.gw.client() as c:
            start = time.monotonic()
            c.send(build_request("POST", "/slow-body", {"Content-Length": "100"}) + b"x" * 10)
            r = c.read_response(timeout=4)
            elapsed = time.monotonic() - start
            self.assertJsonError(r, 408, "REQUEST_TIMEOUT")
            self.assertTrue(c.closed_by_peer(2))
        self.assertGreater(elapsed, 1.0 - TICK)
        self.assertLess(elapsed, 2.0)
        self.assertNothingForwarded()

    def test_idle_timeout_before_first_request(self):
        with self.gw.client() as c:
            start = time.monotonic()
            self.assertEqual(c.read_until_closed(4), b"")  # closed without a word
            elapsed = time.monotonic() - start
        self.assertGreater(elapsed, 1.0 - TICK)
        self.assertLess(elapsed, 2.0)

    def test_idle_keep_alive_timeout(self):
        with self.gw.client() as c:
            self.assertEqual(c.request("GET", "/1").status, 200)
            time.sleep(0.5)
            self.assertEqual(c.request("GET", "/2").status, 200)  # idle clock restarted
            start = time.monotonic()
            self.assertEqual(c.read_until_closed(4), b"")
            elapsed = time.monotonic() - start
        self.assertGreater(elapsed, 1.0 - TICK)
        self.assertLess(elapsed, 2.0)

    def test_max_connections_per_worker(self):
        clients = []
        try:
            for i in range(4):
                c = self.gw.client()
                clients.append(c)
                self.assertEqual(c.request("GET", "/c%d" % i).status, 200)
            extra = self.gw.client()
            clients.append(extra)
            self.assertTrue(extra.closed_by_peer(2), "a 5th connection was kept open")
            self.assertEqual(self.b.request_count(), 4)
            # Capacity returns when a connection closes.
            clients[0].close()

            def fifth_served():
                with self.gw.client() as c:
                    try:
                        return c.request("GET", "/again", timeout=2).status == 200
                    except (harness.IncompleteResponse, OSError):
                        return False
            harness.wait_until(fifth_served, 3, 0.1, "a slot to free up")
            for c in clients[1:4]:
                self.assertEqual(c.request("GET", "/still").status, 200)
        finally:
            for c in clients:
                c.close()


if __name__ == "__main__":
    harness.main()
