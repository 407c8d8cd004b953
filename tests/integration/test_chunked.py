"""Bodies both ways: chunked requests reach the backend whole (re-framed with Content-Length),
chunked / close-delimited / Content-Length responses reach the client intact, HEAD and 204,
Expect: 100-continue."""

import os
import time
import unittest

import harness
from harness import build_request, chunked, reply


def chunked_head(status=200):
    return ("HTTP/1.1 %d OK\r\nContent-Type: application/octet-stream\r\n"
            "Transfer-Encoding: chunked\r\n\r\n" % status).encode()


class ChunkedRequestTest(harness.GatewayTestCase):
    def setUp(self):
        self.b = self.backend(lambda req, conn: reply(200, req.body))
        self.gw = self.gateway(clusters=[harness.cluster("b", self.b.port)],
                               routes=[harness.route("all", "/", "b")])

    def test_chunked_request_body_reaches_backend_whole(self):
        pieces = [b"hello ", b"chunked ", os.urandom(5000), b"world"]
        with self.gw.client() as c:
            c.send(build_request("POST", "/up", {"Transfer-Encoding": "chunked"}) +
                   chunked(*pieces))
            r = c.read_response()
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.body, b"".join(pieces))
            self.assertEqual(c.request("GET", "/next").status, 200)  # framing stayed in sync
        req = self.b.requests[0]
        self.assertEqual(req.body, b"".join(pieces))
        self.assertFalse(req.has_header("Transfer-Encoding"), req.headers)
        self.assertEqual(req.header_all("Content-Length"), [str(len(req.body))])

    def test_chunk_extensions_and_trailers_are_not_forwarded(self):
        body = b"4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: evil\r\n\r\n"
        with self.gw.client() as c:
            c.send(build_request("POST", "/t", {"Transfer-Encoding": "chunked"}) + body)
            r = c.read_response()
            self.assertEqual((r.status, r.body), (200, b"Wikipedia"))
        req = self.b.requests[0]
        self.assertFalse(req.has_header("X-Trailer"))
        self.assertNotIn(b"ext=1", req.raw)

    def test_chunked_request_sent_in_small_pieces(self):
        data = build_request("POST", "/slow", {"Transfer-Encoding": "chunked"}) + chunked(
            b"a" * 100, b"b" * 7, b"c")
        with self.gw.client() as c:
            for i in range(0, len(data), 9):
                c.send(data[i:i + 9])
                time.sleep(0.002)
            r = c.read_response()
        self.assertEqual((r.status, r.body), (200, b"a" * 100 + b"b" * 7 + b"c"))

    def test_empty_chunked_body(self):
        with self.gw.client() as c:
            c.send(build_request("POST", "/e", {"Transfer-Encoding": "chunked"}) + b"0\r\n\r\n")
            r = c.read_response()
        self.assertEqual((r.status, r.body), (200, b""))
        self.assertEqual(self.b.requests[0].header_all("Content-Length"), ["0"])


class ExpectContinueTest(harness.GatewayTestCase):
    def setUp(self):
        self.b = self.backend(lambda req, conn: reply(200, req.body))
        self.gw = self.gateway(clusters=[harness.cluster("b", self.b.port)],
                               routes=[harness.route("all", "/", "b")],
                               limits={"max_body": "1KiB"})

    def test_100_continue_then_body(self):
        with self.gw.client() as c:
            c.send(build_request("POST", "/e", {"Expect": "100-continue",
                                               "Content-Length": "11"}))
            interim = c.read_response(timeout=3, interim=True)
            self.assertEqual(interim.status, 100, interim)
            self.assertEqual(self.b.request_count(), 0)
            c.send(b"hello world")
            r = c.read_response()
            self.assertEqual((r.status, r.body), (200, b"hello world"))
        req = self.b.requests[0]
        self.assertFalse(req.has_header("Expect"), req.headers)
        self.assertEqual(req.body, b"hello world")

    def test_100_continue_with_chunked_body(self):
        with self.gw.client() as c:
            c.send(build_request("POST", "/e", {"Expect": "100-continue",
                                               "Transfer-Encoding": "chunked"}))
            self.assertEqual(c.read_response(timeout=3, interim=True).status, 100)
            c.send(chunked(b"abc", b"def"))
            r = c.read_response()
        self.assertEqual((r.status, r.body), (200, b"abcdef"))

    def test_body_already_sent_needs_no_100(self):
        with self.gw.client() as c:
            c.send(build_request("POST", "/e", {"Expect": "100-continue"}, body=b"eager"))
            r = c.read_response(interim=True)
            self.assertEqual((r.status, r.body), (200, b"eager"))

    def test_unknown_expectation_is_417(self):
        with self.gw.client() as c:
            c.send(build_request("POST", "/e", {"Expect": "200-ok", "Content-Length": "2"},
                                 body=b"hi"))
            r = c.read_response(timeout=3)
            self.assertJsonError(r, 417)
        self.assertEqual(self.b.received, b"")

    def test_refusal_survives_a_client_still_sending(self):
        # The gateway refuses at the header while the client keeps sending its body: the error
        # must still arrive whole (lingering close), not be destroyed by a TCP reset.
        with self.gw.client() as c:
            c.send(build_request("POST", "/e", {"Content-Length": "200000"}))
            for _ in range(20):
                try:
                    c.send(b"x" * 10000)
                except OSError:
                    break
            r = c.read_response(timeout=3)
            self.assertJsonError(r, 413)
        self.assertEqual(self.b.received, b"")

    def test_too_large_body_refused_before_100(self):
        with self.gw.client() as c:
            c.send(build_request("POST", "/e", {"Expect": "100-continue",
                                               "Content-Length": "5000"}))
            r = c.read_response(timeout=3, interim=True)
            self.assertJsonError(r, 413)
            self.assertTrue(c.closed_by_peer(2))
        self.assertEqual(self.b.received, b"")


class ResponseFramingTest(harness.GatewayTestCase):
    def start(self, handler):
        self.b = self.backend(handler)
        return self.gateway(clusters=[harness.cluster("b", self.b.port)],
                            routes=[harness.route("all", "/", "b")])

    def test_chunked_response_relayed(self):
        pieces = [os.urandom(n) for n in (1, 10, 1000, 70000, 3)]

        def handler(req, conn):
            conn.send(chunked_head())
            for p in pieces:
                conn.send(b"%x\r\n" % len(p) + p + b"\r\n")
                time.sleep(0.005)
            conn.send(b"0\r\n\r\n")
        gw = self.start(handler)
        with gw.client() as c:
            for _ in range(2):
                r = c.request("GET", "/c")
                self.assertEqual(r.status, 200, r)
                self.assertTrue(r.chunked)
                self.assertEqual(r.body, b"".join(pieces))
        self.assertEqual(self.b.connections, 1)  # a complete chunked response keeps the pool

    def test_chunked_response_split_inside_framing(self):
        # The chunk-size line, the chunk's CRLF and the last chunk each arrive in two pieces.
        parts = [chunked_head() + b"5", b"\r\nhello\r", b"\n6\r\n world\r\n0\r\n", b"\r\n"]

        def handler(req, conn):
            for p in parts:
                conn.send(p)
                time.sleep(0.1)
        gw = self.start(handler)
        with gw.client() as c:
            r = c.request("GET", "/split", timeout=4)
            self.assertEqual((r.status, r.body), (200, b"hello world"))
            r = c.request("GET", "/again", timeout=4)
            self.assertEqual((r.status, r.body), (200, b"hello world"))

    def test_close_delimited_response_rechunked_for_http11(self):
        body = os.urandom(100000)

        def handler(req, conn):
            conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: x/y\r\nConnection: close\r\n\r\n")
            conn.send(body[:1000])
            time.sleep(0.02)
            conn.send(body[1000:])
            conn.close()
        gw = self.start(handler)
        with gw.client() as c:
            r = c.request("GET", "/eof")
            self.assertEqual(r.status, 200)
            self.assertTrue(r.chunked, r)  # the client can tell the end from a failure
            self.assertEqual(r.body, body)
            r = c.request("GET", "/eof")  # the downstream connection is still usable
            self.assertEqual(r.body, body)

    def test_close_delimited_response_for_http10_client(self):
        def handler(req, conn):
            conn.send(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")
            conn.close()
        gw = self.start(handler)
        with gw.client() as c:
            c.send(build_request("GET", "/old", host=None, version="1.0"))
            data = c.read_until_closed()
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200"), data)
        self.assertNotIn(b"chunked", head.lower())
        self.assertEqual(body, b"until the end")

    def test_large_content_length_response(self):
        body = os.urandom(3 * 1024 * 1024)
        gw = self.start(lambda req, conn: reply(200, body))
        with gw.client(timeout=20) as c:
            r = c.request("GET", "/big", timeout=20)
            self.assertEqual(r.header("Content-Length"), str(len(body)))
            self.assertFalse(r.chunked)
            self.assertEqual(r.body, body)

    def test_head_and_204_have_no_body(self):
        def handler(req, conn):
            if req.path == "/nocontent":
                return b"HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n"
            return reply(200, b"x" * 100) if req.method == "GET" else \
                b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
        gw = self.start(handler)
        with gw.client() as c:
            r = c.request("HEAD", "/h")
            self.assertEqual((r.status, r.header("Content-Length"), r.body), (200, "100", b""))
            r = c.request("GET", "/nocontent")
            self.assertEqual((r.status, r.body, r.header("X-A")), (204, b"", "1"))
            r = c.request("GET", "/g")  # framing in sync after both
            self.assertEqual(r.body, b"x" * 100)
        self.assertEqual(self.b.connections, 1)

    def test_interim_1xx_from_backend_is_skipped(self):
        def handler(req, conn):
            conn.send(b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n")
            return reply(200, b"final")
        gw = self.start(handler)
        with gw.client() as c:
            c.send(build_request("GET", "/x"))
            r = c.read_response(interim=True)
            self.assertEqual((r.status, r.body), (200, b"final"))


if __name__ == "__main__":
    harness.main()
