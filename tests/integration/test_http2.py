"""HTTP/2 on the gateway's listeners: h2c by prior knowledge on cleartext and h2 by ALPN on TLS,
many streams of one connection proxied at once, the same strict request rules and JSON refusals
as HTTP/1.1, the protocol in metrics and the access log, nghttp2's own client against it, and
the abuse a frame-level client can try: rapid reset, CONTINUATION, PING and SETTINGS floods, an
HPACK-expanded header list, a window that never opens, a body that never comes. Each abuse ends
its connection or stream, is counted, and leaves other connections served."""

import json
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import unittest

import h2.settings

import h2client
import harness
from h2client import H2Client

NGHTTP = shutil.which("nghttp")


def slow_reply(seconds):
    def handler(req, conn):
        time.sleep(seconds)
        return harness.echo_reply(req, conn)
    return handler


class Http2Test(harness.GatewayTestCase):
    def start(self, handler=None, http2=None, limits=None, tls=False, workers=1):
        self.b = self.backend(handler or harness.echo_reply)
        config = harness.gateway_config(harness.free_port(), harness.free_port(),
                                        [harness.cluster("b", self.b.port)],
                                        [harness.route("all", "/", "b")], limits=limits,
                                        workers=workers)
        if http2:
            config["listener"]["http2"] = http2
        if tls:
            self.ca = harness.make_ca(self.tmpdir)
            leaf = harness.make_leaf(self.tmpdir, self.ca, "gw", ["gw.test"])
            config["listener"]["tls"] = {"certificates": [{"certificate_file": leaf.cert_file,
                                                           "key_file": leaf.key_file}]}
        self.gw = harness.Gateway(self.tmpdir, config)
        self._track(self.gw.process)
        self.gw.wait_ready()
        return self.gw

    def client(self, **kw):
        if getattr(self, "ca", None) is not None:
            kw.setdefault("tls", harness.client_tls(self.ca, alpn=("h2",)))
            kw.setdefault("server_name", "gw.test")
        return H2Client(self.gw.port, **kw)

    def metrics(self):
        return harness.http_get(self.gw.admin_port, "/metrics", timeout=2)[1].decode()

    def metric(self, name, labels):
        m = re.search(r"^%s\{%s\} (\S+)" % (re.escape(name), re.escape(labels)), self.metrics(),
                      re.M)
        return float(m.group(1)) if m else 0

    def assert_metric_reaches(self, name, labels, value):
        """A request is counted once its answer is written: the client may read the answer
        first, so the count is polled for a moment before it is asserted."""
        try:
            harness.wait_until(lambda: self.metric(name, labels) == value, 5,
                               what="%s{%s} == %s" % (name, labels, value))
        except AssertionError:
            self.assertEqual(self.metric(name, labels), value)

    def abuse_count(self, kind):
        return self.metric("paygate_http2_abuse_total", 'kind="%s"' % kind)

    def assert_still_serving(self):
        with self.client() as c:
            self.assertEqual(c.request("GET", "/after").status, 200)

    # -- serving

    def test_h2c_by_prior_knowledge_proxies_like_http1(self):
        self.start()
        with self.client() as c:
            r = c.request("POST", "/v3/pay/transactions/native?x=1",
                          headers=[("content-type", "application/json"),
                                   ("x-request-id", "h2-req-1")], body=b'{"amount":1}')
        self.assertEqual(r.status, 200, r)
        sent = r.json()
        self.assertEqual(sent["method"], "POST")
        self.assertEqual(sent["target"], "/v3/pay/transactions/native?x=1")
        self.assertEqual(sent["body_len"], 12)
        self.assertEqual(r.header("x-request-id"), "h2-req-1")
        # What the backend got is HTTP/1.1 with a Host from :authority and a Content-Length.
        req = self.b.requests[-1]
        self.assertEqual(req.header("Host"), "gw.test")
        self.assertEqual(req.header("Content-Length"), "12")
        # No connection-specific field reaches an HTTP/2 client (RFC 9113 section 8.2.2).
        for name in ("connection", "keep-alive", "transfer-encoding"):
            self.assertFalse(r.has_header(name), r)
        self.assert_metric_reaches("paygate_http_requests_total",
                                   'route="all",code="200",protocol="h2"', 1)
        self.gw.wait_log(r'"request_id":"h2-req-1"[^\n]*"protocol":"h2"')

    def test_many_streams_of_one_connection_run_at_once(self):
        self.start(handler=slow_reply(0.3))
        with self.client() as c:
            started = time.monotonic()
            sids = [c.start("GET", "/s/%d" % i) for i in range(20)]
            for sid in sids:
                r = c.wait(sid)
                self.assertEqual(r.status, 200, r)
            elapsed = time.monotonic() - started
        # Twenty 0.3 s upstream answers, served concurrently rather than in turn.
        self.assertLess(elapsed, 3.0)
        targets = sorted(json.loads(c.responses[s].body)["target"] for s in sids)
        self.assertEqual(targets, sorted("/s/%d" % i for i in range(20)))

    def test_h2_by_alpn_on_tls_and_http1_still_offered(self):
        self.start(tls=True)
        with self.client() as c:
            self.assertEqual(c.sock.selected_alpn_protocol(), "h2")
            self.assertEqual(c.request("GET", "/tls").status, 200)
        with harness.Client(self.gw.port, tls=harness.client_tls(self.ca),
                            server_name="gw.test") as c:
            self.assertEqual(c.sock.selected_alpn_protocol(), "http/1.1")
            self.assertEqual(c.request("GET", "/tls").status, 200)
        self.assert_metric_reaches("paygate_http_requests_total",
                                   'route="all",code="200",protocol="http/1.1"', 1)

    def test_disabled_http2_is_not_offered_and_the_preface_is_refused(self):
        self.start(http2={"enabled": False})
        with harness.Client(self.gw.port) as c:
            c.send(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
            r = c.read_response()
        self.assertEqual(r.status, 505, r)

    @unittest.skipIf(NGHTTP is None, "nghttp (nghttp2-client) is missing")
    def test_nghttp_client_over_h2c_and_tls(self):
        self.start(tls=True)
        p = subprocess.run([NGHTTP, "-nv", "https://127.0.0.1:%d/nghttp" % self.gw.port],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn(":status: 200", p.stdout)
        self.assertIn("h2", p.stdout)

    # -- the same rules as HTTP/1.1

    def test_refusals_are_json_answers_on_the_stream(self):
        self.start(limits={"max_body": "1KiB"})
        with self.client() as c:
            r = c.request("GET", "/a/../../etc")
            self.assertJsonError(r, 400)
            r = c.request("BREW", "/pot")
            self.assertJsonError(r, 501)
            r = c.request("POST", "/big", body=b"x" * 4096)
            self.assertJsonError(r, 413)
            # nghttp2 itself refuses an :authority that is not one (RFC 9113 section 8.1.1).
            r = c.request("GET", "/x", authority="bad host")
            self.assertEqual(r.reset, h2client.PROTOCOL_ERROR, r)
            r = c.request("GET", "/x", authority="user@gw.test")
            self.assertJsonError(r, 400)
            # The connection goes on serving after each.
            self.assertEqual(c.request("GET", "/fine").status, 200)
        self.assertEqual(self.b.request_count(), 1)

    def test_a_host_that_differs_from_authority_is_refused(self):
        self.start()
        with self.client() as c:
            self.assertJsonError(c.request("GET", "/", headers=[("host", "other.test")]), 400)
            self.assertEqual(c.request("GET", "/", headers=[("host", "gw.test")]).status, 200)

    def test_hpack_bomb_is_answered_431_and_the_connection_goes_on(self):
        self.start(limits={"max_header_bytes": "16KiB"})
        with self.client() as c:
            # One 4000-byte field indexed once, then referenced by a one-byte index: a few KB
            # on the wire, 400 KB decoded.
            bomb = [("x-bomb", "a" * 4000)] * 100
            r = c.request("GET", "/bomb", headers=bomb)
            self.assertJsonError(r, 431)
            self.assertEqual(c.request("GET", "/fine").status, 200)
        self.assertEqual(self.b.request_count(), 1)

    # -- abuse

    def test_rapid_reset_ends_the_connection(self):
        self.start(handler=slow_reply(0.5), http2={"max_resets_per_second": 50})
        with self.client() as c:
            for _ in range(200):
                sid = c.conn.get_next_available_stream_id()
                c.conn.send_headers(sid, [(":method", "GET"), (":path", "/r"),
                                          (":scheme", "http"), (":authority", "gw.test")],
                                    end_stream=True)
                c.conn.reset_stream(sid)
            c.flush()
            c.wait_closed()
            self.assertIsNotNone(c.goaway)
            self.assertEqual(c.goaway.error_code, h2client.ENHANCE_YOUR_CALM)
        self.assertEqual(self.abuse_count("rapid_reset"), 1)
        self.assertLessEqual(self.b.request_count(), 120)
        self.assert_still_serving()

    def test_continuation_flood_ends_the_connection(self):
        self.start(http2={"max_continuation_frames": 16})
        with self.client() as c:
            h2client.continuation_flood(c, 1000)
            c.wait_closed()
            self.assertEqual(c.goaway.error_code, h2client.ENHANCE_YOUR_CALM)
        self.assertEqual(self.abuse_count("continuation_flood"), 1)
        self.assert_still_serving()

    def test_ping_and_settings_floods_end_the_connection(self):
        self.start(http2={"max_control_frames_per_second": 100})
        for flood in (h2client.ping_flood, h2client.settings_flood):
            with self.client() as c:
                flood(c, 1000)
                c.wait_closed()
                self.assertEqual(c.goaway.error_code, h2client.ENHANCE_YOUR_CALM)
        self.assertEqual(self.abuse_count("control_flood"), 2)
        self.assert_still_serving()

    def test_a_window_that_never_opens_resets_the_stream(self):
        big = b"y" * 100_000
        self.start(handler=lambda req, conn: harness.reply(200, big),
                   limits={"write_timeout": "1s"})
        with self.client(settings={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0}) as c:
            started = time.monotonic()
            r = c.request("GET", "/stalled", timeout=10)
            self.assertEqual(r.reset, h2client.CANCEL, r)
            self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(self.abuse_count("stalled_stream"), 1)
        self.assert_still_serving()

    def test_a_body_that_never_comes_is_answered_408(self):
        self.start(limits={"body_read_timeout": "1s"})
        with self.client() as c:
            sid = c.start("POST", "/never", body=b"", end=False)
            started = time.monotonic()
            r = c.wait(sid, timeout=10)
            self.assertJsonError(r, 408)
            self.assertLess(time.monotonic() - started, 5)
            # The other streams of the connection were never held up.
            self.assertEqual(c.request("GET", "/fine").status, 200)
        self.assertEqual(self.b.request_count(), 1)

    @unittest.skipIf(NGHTTP is None, "nghttp (nghttp2-client) is missing")
    def test_drain_sends_goaway_and_finishes_streams_in_flight(self):
        # nghttp rather than python-h2, which takes any GOAWAY for the end of every stream.
        self.start(handler=slow_reply(1.0))
        client = subprocess.Popen([NGHTTP, "-v", "http://127.0.0.1:%d/slow" % self.gw.port],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        harness.wait_until(lambda: self.b.connections > 0, 5)
        time.sleep(0.2)  # the request is at the backend
        self.gw.process.signal(signal.SIGTERM)
        out, _ = client.communicate(timeout=20)
        self.assertEqual(client.returncode, 0, out)
        self.assertIn("GOAWAY", out)
        self.assertIn("error_code=NO_ERROR", out)
        self.assertIn(":status: 200", out)
        self.assertEqual(self.gw.process.wait(10), 0)

    def test_a_client_gone_with_a_response_over_the_high_water_mark_frees_its_stream(self):
        # The handler's write waits while more than 256 KiB of its answer are unsent; the
        # client opened its window wide and never reads, so write_timeout cancels the
        # transport. The handler must end, and the connection with it; else SIGTERM's
        # close_connections gives up on it and ASan sees ~H2Session run after the worker.
        huge = b"h" * (16 * 1024 * 1024)  # more than the sockets' buffers take
        self.start(handler=lambda req, conn: harness.reply(200, huge),
                   limits={"write_timeout": "1s"})
        window = 2 ** 31 - 1
        c = self.client(settings={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: window},
                        auto_window=False)
        c.conn.increment_flow_control_window(window - 65535)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        c.flush()
        c.start("GET", "/huge")

        def active():
            m = re.search(r"^paygate_http_active_connections (\S+)", self.metrics(), re.M)
            return float(m.group(1)) if m else None
        harness.wait_until(lambda: active() == 1, 5, 0.05, "the connection to be counted")
        time.sleep(0.5)  # the answer has filled the socket's buffers
        harness.wait_until(lambda: active() == 0, 8, 0.1, "the stalled connection to end")
        c.close()
        self.gw.process.signal(signal.SIGTERM)
        self.assertEqual(self.gw.process.wait(10), 0)

if __name__ == "__main__":
    unittest.main()
