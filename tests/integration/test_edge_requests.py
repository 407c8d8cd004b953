"""The edge's request-line and header policy on the wire (raw sockets): methods outside the
listener's allow-list (405 with Allow), unknown method tokens (501), HTTP/0.9 request lines
(400 at once, not at the header timeout), versions other than 1.0 and 1.1 (505), invalid Host
values and duplicate Content-Length (400), all closed and never forwarded, each counted in
paygate_http_rejected_total and the access log; and answers to HEAD that carry no body, so the
next response on the same keep-alive connection starts right after the head."""

import re
import time
import unittest

import harness
from harness import build_request

DEFAULT_ALLOW = "DELETE, GET, HEAD, POST, PUT, OPTIONS, PATCH"


def request_line(line, *fields):
    return line.encode() + b"\r\n" + b"".join(f + b"\r\n" for f in fields) + b"\r\n"


class EdgeRequestsTest(harness.GatewayTestCase):
    def setUp(self):
        self.b = self.backend()
        self.gw = self.gateway(clusters=[harness.cluster("b", self.b.port)],
                               routes=[harness.route("all", "/api/", "b")])

    def refused(self, data, status, code, gw=None):
        """Sends `data`, expects the gateway's JSON error and a close; returns the response."""
        with (gw or self.gw).client(timeout=3) as c:
            c.send(data)
            r = c.read_response(timeout=3)
            self.assertJsonError(r, status, code)
            self.assertEqual(r.header("Connection"), "close", r)
            self.assertTrue(c.closed_by_peer(2), "connection left open after %r" % data)
        return r

    def assertNothingForwarded(self):
        time.sleep(0.05)
        self.assertEqual(self.b.received, b"")

    def rejected(self, reason):
        text = harness.http_get(self.gw.admin_port, "/metrics", timeout=2)[1].decode()
        m = re.search(r'^paygate_http_rejected_total\{reason="%s"\} (\d+)' % reason, text, re.M)
        return int(m.group(1)) if m else 0

    # -- methods

    def test_an_unknown_method_is_501(self):
        for line in ("BREW /api/pot HTTP/1.1", "get /api/x HTTP/1.1"):  # methods are case-sensitive
            with self.subTest(line):
                self.refused(request_line(line, b"Host: gw.test"), 501, "NOT_IMPLEMENTED")
        self.assertNothingForwarded()
        harness.wait_until(lambda: self.rejected("unknown_method") == 2, 3,
                           what="refusals counted")

    def test_connect_trace_and_other_known_methods_are_405_with_allow(self):
        for line in ("CONNECT gw.test:443 HTTP/1.1", "TRACE /api/x HTTP/1.1",
                     "PROPFIND /api/x HTTP/1.1"):
            with self.subTest(line):
                r = self.refused(request_line(line, b"Host: gw.test"), 405, "METHOD_NOT_ALLOWED")
                self.assertEqual(r.header("Allow"), DEFAULT_ALLOW, r)
        self.assertNothingForwarded()
        harness.wait_until(lambda: self.rejected("method_not_allowed") == 3, 3,
                           what="refusals counted")
        self.gw.wait_log(r'"method":"TRACE"[^\n]*"status":405')  # and in the access log

    def test_the_allow_list_is_listener_methods(self):
        config = harness.gateway_config(harness.free_port(), harness.free_port(),
                                        [harness.cluster("b", self.b.port)],
                                        [harness.route("all", "/api/", "b")])
        config["listener"]["methods"] = ["GET", "POST"]
        gw = harness.Gateway(self.tmpdir, config, name="narrow")
        self._track(gw.process)
        gw.wait_ready()
        r = self.refused(build_request("DELETE", "/api/x"), 405, "METHOD_NOT_ALLOWED", gw=gw)
        self.assertEqual(r.header("Allow"), "GET, POST")
        self.assertNothingForwarded()
        with gw.client() as c:
            self.assertEqual(c.request("POST", "/api/x", body=b"ok").status, 200)
        self.assertEqual([req.method for req in self.b.requests], ["POST"])

    # -- request line

    def test_a_request_line_without_version_is_400_at_once(self):
        started = time.monotonic()
        with self.gw.client(timeout=3) as c:
            c.send(b"GET /api/x\r\n")  # HTTP/0.9: no version, no header block will follow
            r = c.read_response(timeout=2)
            self.assertJsonError(r, 400, "PARAM_ERROR")
            self.assertTrue(c.closed_by_peer(2))
        self.assertLess(time.monotonic() - started, 2)  # not the 10 s header timeout
        self.assertNothingForwarded()

    def test_http_versions_other_than_10_and_11_are_505(self):
        for version in ("1.2", "2.0", "3.0", "0.9"):
            with self.subTest(version):
                data = request_line("GET /api/x HTTP/" + version, b"Host: gw.test")
                self.refused(data, 505, "HTTP_VERSION_NOT_SUPPORTED")
        self.assertNothingForwarded()
        harness.wait_until(lambda: self.rejected("http_version") == 4, 3, what="refusals counted")

    # -- Host and Content-Length

    def test_an_invalid_host_is_400(self):
        for host in (b"a b", b"user@gw.test", b"user:pw@gw.test", b"gw.test:", b"gw.test:0",
                     b"gw.test:65536", b"gw.test:8o", b"gw\x01test", b"%67w.test", b"[::1"):
            with self.subTest(host):
                self.refused(request_line("GET /api/x HTTP/1.1", b"Host: " + host), 400,
                             "PARAM_ERROR")
        self.assertNothingForwarded()
        with self.gw.client() as c:  # the control: valid forms pass
            for host in ("gw.test:8080", "127.0.0.1", "[::1]:443"):
                self.assertEqual(c.request("GET", "/api/x", host=host).status, 200, host)

    def test_duplicate_content_length_is_400_even_when_equal(self):
        for lengths in ([b"Content-Length: 2", b"Content-Length: 2"], [b"Content-Length: 2, 2"]):
            with self.subTest(lengths):
                data = request_line("POST /api/x HTTP/1.1", b"Host: gw.test", *lengths) + b"ok"
                self.refused(data, 400, "PARAM_ERROR")
        self.assertNothingForwarded()

    # -- HEAD

    def test_no_answer_to_head_has_a_body(self):
        """The gateway's own answers to HEAD (404 here, 502 below) keep the Content-Length of
        the body a GET gets, and send none: the next response starts right after the head."""
        with self.gw.client() as c:
            get = c.request("GET", "/nowhere")
            self.assertJsonError(get, 404)
            c.send(build_request("HEAD", "/nowhere") + build_request("GET", "/api/next"))
            head = c.read_response(method="HEAD")
            self.assertEqual(head.status, 404)
            self.assertEqual(head.header("Content-Length"), str(len(get.body)))
            # read_response(HEAD) leaves whatever follows the head in the buffer: it must be
            # exactly the next response, not a stray body.
            self.assertTrue(c.buf.startswith(b"HTTP/1.1 ") or c.buf == b"", c.buf[:80])
            self.assertEqual(c.read_response().status, 200)

    def test_head_refused_by_the_edge_has_no_body(self):
        with self.gw.client(timeout=3) as c:
            c.send(request_line("HEAD /api/x HTTP/1.1", b"Host: a b"))
            r = c.read_response(method="HEAD", timeout=3)
            self.assertEqual(r.status, 400)
            self.assertTrue(int(r.header("Content-Length")) > 0, r)
            self.assertEqual(c.read_until_closed(2), b"")  # nothing after the head

    def test_head_to_an_unreachable_upstream_has_no_body(self):
        gw = self.gateway(clusters=[harness.cluster("down", harness.free_port(),
                                                    connect_timeout="200ms")],
                          routes=[harness.route("all", "/api/", "down")], name="down")
        with gw.client() as c:
            c.send(build_request("HEAD", "/api/x") + build_request("HEAD", "/api/y"))
            for _ in range(2):
                r = c.read_response(method="HEAD")
                self.assertEqual(r.status, 502, r)
                self.assertTrue(c.buf.startswith(b"HTTP/1.1 ") or c.buf == b"", c.buf[:80])


if __name__ == "__main__":
    harness.main()
