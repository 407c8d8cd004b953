"""Request smuggling: every ambiguous or malformed request is answered 400 (JSON, request id,
Connection: close), the connection is closed, and the recording backend receives NOTHING -- not
the request, and not a request hidden in its body."""

import time
import unittest

import harness
from harness import build_request

SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"


def head(*lines, method="POST", target="/api/x", version="1.1"):
    text = "%s %s HTTP/%s\r\n" % (method, target, version)
    return text.encode() + b"".join(l + b"\r\n" for l in lines) + b"\r\n"


# name -> raw bytes sent in one write. Each must be refused with 400 and never forwarded.
CASES = {
    "cl_then_te": head(b"Host: a", b"Content-Length: 4", b"Transfer-Encoding: chunked") +
    b"0\r\n\r\n" + SMUGGLED,
    "te_then_cl": head(b"Host: a", b"Transfer-Encoding: chunked", b"Content-Length: 40") +
    b"0\r\n\r\n" + SMUGGLED,
    "te_then_cl_zero": head(b"Host: a", b"Transfer-Encoding: chunked", b"Content-Length: 0") +
    b"23\r\n" + SMUGGLED + b"\r\n0\r\n\r\n",
    "duplicate_cl_differing": head(b"Host: a", b"Content-Length: 0", b"Content-Length: 36") +
    SMUGGLED,
    "cl_list_differing": head(b"Host: a", b"Content-Length: 0, 36") + SMUGGLED,
    # RFC 9110 8.6 lets a recipient merge identical values; a proxy refuses the ambiguity, since
    # the next reader may not merge them the same way.
    "duplicate_cl_equal": head(b"Host: a", b"Content-Length: 36", b"Content-Length: 36") +
    SMUGGLED,
    "cl_list_equal": head(b"Host: a", b"Content-Length: 36, 36") + SMUGGLED,
    "cl_not_a_number": head(b"Host: a", b"Content-Length: 0x24") + SMUGGLED,
    "cl_plus_sign": head(b"Host: a", b"Content-Length: +36") + SMUGGLED,
    "cl_negative": head(b"Host: a", b"Content-Length: -1") + SMUGGLED,
    "obs_fold": head(b"Host: a", b"X-A: b", b" Transfer-Encoding: chunked") + b"0\r\n\r\n",
    "obs_fold_tab": head(b"Host: a", b"Content-Length: 0", b"X-A: b", b"\tc"),
    "obs_fold_first_field": head(b" Host: a", b"Content-Length: 0"),
    "bare_cr_in_value": head(b"Host: a", b"X-A: b\rTransfer-Encoding: chunked") + b"0\r\n\r\n",
    "bare_cr_in_name": head(b"Host: a", b"X-\rA: b"),
    "bare_lf_line_end": b"POST /api/x HTTP/1.1\r\nHost: a\nContent-Length: 36\r\n\r\n" + SMUGGLED,
    "bare_lf_in_request_line": b"GET /api/x HTTP/1.1\nHost: a\r\n\r\n",
    "bare_lf_head_end": b"GET /api/x HTTP/1.1\r\nHost: a\r\n\n",
    "nul_in_value": head(b"Host: a", b"X-A: b\x00c"),
    "nul_in_target": head(b"Host: a", target="/api/x\x00y"),
    "bad_chunk_size_hex": head(b"Host: a", b"Transfer-Encoding: chunked") +
    b"zz\r\nab\r\n0\r\n\r\n",
    "bad_chunk_size_0x": head(b"Host: a", b"Transfer-Encoding: chunked") +
    b"0x5\r\nabcde\r\n0\r\n\r\n",
    "bad_chunk_size_negative": head(b"Host: a", b"Transfer-Encoding: chunked") + b"-1\r\n\r\n",
    "bad_chunk_size_overflow": head(b"Host: a", b"Transfer-Encoding: chunked") +
    b"10000000000000001\r\nx\r\n0\r\n\r\n",
    "bad_chunk_size_space": head(b"Host: a", b"Transfer-Encoding: chunked") +
    b"5 5\r\nabcde\r\n0\r\n\r\n",
    "chunk_longer_than_size": head(b"Host: a", b"Transfer-Encoding: chunked") +
    b"3\r\nabcdef\r\n0\r\n\r\n",
    "chunk_bare_lf": head(b"Host: a", b"Transfer-Encoding: chunked") + b"3\nabc\n0\n\n",
    "te_gzip": head(b"Host: a", b"Transfer-Encoding: gzip") + b"0\r\n\r\n",
    "te_identity": head(b"Host: a", b"Transfer-Encoding: identity", b"Content-Length: 0"),
    "te_chunked_identity": head(b"Host: a", b"Transfer-Encoding: chunked, identity") +
    b"0\r\n\r\n" + SMUGGLED,
    "te_duplicate": head(b"Host: a", b"Transfer-Encoding: chunked",
                         b"Transfer-Encoding: chunked") + b"0\r\n\r\n",
    "te_chunked_twice": head(b"Host: a", b"Transfer-Encoding: chunked, chunked") + b"0\r\n\r\n",
    "te_xchunked": head(b"Host: a", b"Transfer-Encoding: xchunked") + b"0\r\n\r\n",
    "te_in_http10": head(b"Transfer-Encoding: chunked", version="1.0") + b"0\r\n\r\n",
    "space_before_colon": head(b"Host: a", b"Transfer-Encoding : chunked") + b"0\r\n\r\n",
    "field_without_colon": head(b"Host: a", b"Transfer-Encoding chunked") + b"0\r\n\r\n",
    "space_in_field_name": head(b"Host: a", b"X A: b"),
    "missing_host_http11": head(b"Content-Length: 0"),
    "duplicate_host": head(b"Host: a", b"Host: b", b"Content-Length: 0"),
    "duplicate_host_same": head(b"Host: a", b"Host: a", b"Content-Length: 0"),
    "absolute_form_userinfo": head(b"Host: a", target="http://user@evil.example/api/x"),
    "absolute_form_other_scheme": head(b"Host: a", target="ftp://evil.example/api/x"),
    "asterisk_target_get": head(b"Host: a", method="GET", target="*"),
    "host_with_userinfo": head(b"Host: user@a", b"Content-Length: 0"),
    "host_with_space": head(b"Host: a b", b"Content-Length: 0"),
    "host_empty_port": head(b"Host: a:", b"Content-Length: 0"),
    "host_port_out_of_range": head(b"Host: a:65536", b"Content-Length: 0"),
    "host_port_not_digits": head(b"Host: a:8o", b"Content-Length: 0"),
    "host_control_character": head(b"Host: a\x01b", b"Content-Length: 0"),
    "host_percent_encoded": head(b"Host: %61", b"Content-Length: 0"),
    "garbage_request_line": b"HELLO\r\nHost: a\r\n\r\n",
    "space_in_target": b"GET /api/x y HTTP/1.1\r\nHost: a\r\n\r\n",
}


class SmugglingTest(harness.GatewayTestCase):
    def setUp(self):
        self.b = self.backend()
        self.gw = self.gateway(clusters=[harness.cluster("b", self.b.port)],
                               routes=[harness.route("all", "/", "b")])

    def assertRefusedAndNotForwarded(self, name, data):
        with self.gw.client(timeout=3) as c:
            c.send(data)
            try:
                r = c.read_response(timeout=3)
            except (harness.IncompleteResponse, OSError) as e:
                self.fail("%s: no response: %r" % (name, e))
            self.assertEqual(r.status, 400, "%s: %r" % (name, r))
            self.assertJsonError(r, 400, "PARAM_ERROR")
            self.assertEqual(r.header("Connection"), "close", "%s: %r" % (name, r))
            self.assertTrue(c.closed_by_peer(2), "%s: connection left open" % name)
        time.sleep(0.02)
        self.assertEqual(self.b.received, b"", "%s reached the backend" % name)

    def test_valid_request_reaches_backend(self):
        # The control: the recorder does see a well-formed request, so "nothing" means nothing.
        with self.gw.client() as c:
            c.send(build_request("POST", "/api/x", body=b"ok"))
            self.assertEqual(c.read_response().status, 200)
        harness.wait_until(lambda: self.b.received, 2, what="bytes at the backend")
        self.assertIn(b"POST /api/x HTTP/1.1", self.b.received)

    def test_every_ambiguous_request(self):
        for name, data in CASES.items():
            with self.subTest(name):
                self.assertRefusedAndNotForwarded(name, data)

    def test_pipelined_valid_then_invalid(self):
        data = build_request("GET", "/api/first") + CASES["cl_then_te"]
        with self.gw.client() as c:
            c.send(data)
            self.assertEqual(c.read_response().status, 200)
            r = c.read_response()
            self.assertJsonError(r, 400)
            self.assertTrue(c.closed_by_peer(2))
        time.sleep(0.05)
        self.assertEqual([r.path for r in self.b.requests], ["/api/first"])
        self.assertNotIn(b"smuggled", self.b.received)

    def test_trailer_cannot_inject_headers(self):
        # Beast refuses a framing field in a trailer outright; any other trailer is dropped.
        data = head(b"Host: a", b"Transfer-Encoding: chunked") + \
            b"2\r\nok\r\n0\r\nContent-Length: 50\r\nX-Injected: 1\r\n\r\n"
        with self.gw.client() as c:
            c.send(data)
            r = c.read_response()
            if r.status == 400:
                self.assertTrue(c.closed_by_peer(2))
            else:
                self.assertEqual(r.status, 200, r)
                self.assertEqual(c.request("GET", "/api/next").status, 200)
        time.sleep(0.02)
        for req in self.b.requests:
            self.assertFalse(req.has_header("X-Injected"))
            self.assertNotEqual(req.header_all("Content-Length"), ["50"])
        data = head(b"Host: a", b"Transfer-Encoding: chunked") + \
            b"2\r\nok\r\n0\r\nX-Injected: 1\r\nHost: evil\r\n\r\n"
        with self.gw.client() as c:
            c.send(data)
            self.assertEqual(c.read_response().status, 200)
            self.assertEqual(c.request("GET", "/api/next").status, 200)
        first = self.b.requests[-2]
        self.assertEqual(first.body, b"ok")
        self.assertFalse(first.has_header("X-Injected"))
        self.assertEqual(first.header_all("Host"), ["a"])
        self.assertEqual(first.header_all("Content-Length"), ["2"])

if __name__ == "__main__":
    harness.main()
