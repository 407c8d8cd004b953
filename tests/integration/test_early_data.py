"""TLS 1.3 early data (0-RTT) on real processes, sent by `openssl s_client -early_data` on a
session from an earlier connection: a GET in early data is forwarded with Early-Data: 1 (the
client's own Early-Data replaced), a POST or any request to a `verify: merchant` route gets
425 Too Early and never reaches the backend, the same over HTTP/2; a listener without
early_data refuses it in the TLS layer and serves nothing from it; a ticket takes early data
once; and paygate_tls_early_data_total counts all of it."""

import os
import re
import subprocess
import unittest

import h2.config
import h2.connection
import h2.events

import harness

MCHID = "1230000109"
S_CLIENT_TIMEOUT = 15


class EarlyDataTest(harness.GatewayTestCase):
    def setUp(self):
        self.ca = harness.make_ca(self.tmpdir)
        self.leaf = harness.make_leaf(self.tmpdir, self.ca, "a", ["a.test"])
        self.keys = harness.PlatformKeys(self, MCHID)
        self.b = self.backend(harness.echo_reply)
        self.gw, self.early_port, self.plain_port = self.start()

    def start(self):
        """A gateway with two TLS listeners: one takes early data, the other (the default)
        does not. Returns (gateway, early port, no-early port)."""
        early_port, plain_port = harness.free_port(), harness.free_port()
        config = harness.gateway_config(
            harness.free_port(), harness.free_port(), [harness.cluster("b", self.b.port)],
            [harness.route("signed", "/v3/", "b", verify="merchant"),
             harness.route("all", "/", "b")],
            extra=self.keys.config())
        certificates = [{"certificate_file": self.leaf.cert_file,
                         "key_file": self.leaf.key_file}]
        # An idle HTTP/2 connection is closed soon, so that s_client, which waits for the
        # server to close, ends.
        limits = {"idle_timeout": "1s"}

        def listener(port, tls):
            return {"address": harness.HOST, "port": port, "limits": limits,
                    "tls": {"certificates": certificates, "alpn": ["h2", "http/1.1"], **tls}}

        config["listeners"] = [config.pop("listener"),
                               listener(early_port, {"early_data": {"enabled": True}}),
                               listener(plain_port, {})]
        gw = harness.Gateway(self.tmpdir, config)
        self._track(gw.process)
        return gw.wait_ready(), early_port, plain_port

    # -- s_client

    def s_client(self, port, *args, stdin=b""):
        argv = ["openssl", "s_client", "-connect", "%s:%d" % (harness.HOST, port),
                "-servername", "a.test", "-CAfile", self.ca.cert_file, "-ign_eof", *args]
        p = subprocess.run(argv, input=stdin, capture_output=True, timeout=S_CLIENT_TIMEOUT,
                           cwd=self.tmpdir)
        return p.stdout

    def ticket(self, name="session.pem", alpn="http/1.1"):
        """A session of the early-data listener, from one whole request."""
        path = os.path.join(self.tmpdir, name)
        out = self.s_client(self.early_port, "-sess_out", path, "-alpn", alpn,
                            stdin=request("GET", "/ticket") if alpn == "http/1.1" else b"")
        self.assertTrue(os.path.exists(path), out)
        return path

    def send_early(self, port, session, data, alpn="http/1.1", quiet=False):
        """Sends `data` as early data on a connection resuming `session`; returns s_client's
        output: its report of the handshake, then what the server sent (only that, `quiet`)."""
        path = os.path.join(self.tmpdir, "early.bin")
        with open(path, "wb") as f:
            f.write(data)
        return self.s_client(port, "-sess_in", session, "-early_data", path, "-alpn", alpn,
                             *(["-quiet"] if quiet else []))

    # -- gateway

    def early_data_metric(self, result):
        text = harness.http_get(self.gw.admin_port, "/metrics", timeout=2)[1].decode()
        m = re.search(r'^paygate_tls_early_data_total\{result="%s"\} (\S+)' % result, text, re.M)
        return float(m.group(1)) if m else 0

    def wait_metric(self, result, value):
        harness.wait_until(lambda: self.early_data_metric(result) == value, 5,
                           what="paygate_tls_early_data_total{result=%s} == %s" % (result, value))

    def backend_paths(self):
        return [r.path for r in self.b.requests]

    # -- HTTP/1.1

    def test_a_get_in_early_data_is_forwarded_with_early_data_1(self):
        out = self.send_early(self.early_port, self.ticket(),
                              request("GET", "/early", [("Early-Data", "0")]))
        self.assertIn(b"Early data was accepted", out)
        self.assertIn(b"HTTP/1.1 200 OK", out)
        forwarded = [r for r in self.b.requests if r.path == "/early"]
        self.assertEqual(len(forwarded), 1, self.backend_paths())
        self.assertEqual(forwarded[0].header_all("Early-Data"), ["1"])  # the client's replaced
        self.wait_metric("accepted", 1)
        self.assertEqual(self.early_data_metric("too_early"), 0)

    def test_a_request_after_the_handshake_is_not_marked_early(self):
        with harness.Client(self.early_port, tls=harness.client_tls(self.ca),
                            server_name="a.test") as c:
            r = c.request("GET", "/late", [("Early-Data", "1")])
        self.assertEqual(r.status, 200, r)
        # Not early here; a client's own Early-Data says an earlier hop took it early.
        self.assertEqual(self.b.requests[-1].header_all("Early-Data"), ["1"])
        with harness.Client(self.early_port, tls=harness.client_tls(self.ca),
                            server_name="a.test") as c:
            self.assertEqual(c.request("GET", "/late").status, 200)
        self.assertEqual(self.b.requests[-1].header_all("Early-Data"), [])

    def test_a_post_in_early_data_gets_425_and_never_reaches_the_backend(self):
        out = self.send_early(self.early_port, self.ticket(),
                              request("POST", "/pay", body=b'{"amount":1}'))
        self.assertIn(b"Early data was accepted", out)
        self.assertIn(b"HTTP/1.1 425 Too Early", out)
        self.assertIn(b'"code":"TOO_EARLY"', out)
        self.assertRegex(out, rb"(?i)request-id: \S+")
        self.wait_metric("too_early", 1)
        self.assertNotIn("/pay", self.backend_paths())

    def test_a_get_to_a_signed_route_in_early_data_gets_425(self):
        out = self.send_early(self.early_port, self.ticket(),
                              request("GET", "/v3/certificates"))
        self.assertIn(b"HTTP/1.1 425 Too Early", out)
        out = self.send_early(self.early_port, self.ticket("second.pem"),
                              request("GET", "/v3/pay/transactions/id/1"))
        self.assertIn(b"HTTP/1.1 425 Too Early", out)
        self.assertIn(b"this route takes no request sent in TLS early data", out)
        self.wait_metric("too_early", 2)
        self.assertEqual(set(self.backend_paths()), {"/ticket"})  # the tickets' own requests

    def test_a_ticket_takes_early_data_once(self):
        session = self.ticket()
        first = self.send_early(self.early_port, session, request("GET", "/once"))
        self.assertIn(b"Early data was accepted", first)
        replay = self.send_early(self.early_port, session, request("GET", "/once"))
        self.assertIn(b"Early data was rejected", replay)
        self.assertEqual(self.backend_paths().count("/once"), 1)
        self.wait_metric("rejected", 1)

    def test_a_listener_without_early_data_refuses_it_and_serves_nothing_from_it(self):
        out = self.send_early(self.plain_port, self.ticket(), request("POST", "/refused"))
        self.assertIn(b"Early data was rejected", out)
        self.assertNotIn(b"HTTP/1.1", out)  # s_client sends nothing after a refusal
        self.wait_metric("rejected", 1)
        self.assertNotIn("/refused", self.backend_paths())
        self.assertEqual(self.early_data_metric("accepted"), 0)

    # -- HTTP/2

    def test_h2_streams_opened_in_early_data_follow_the_same_rules(self):
        client = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        client.initiate_connection()
        client.send_headers(1, h2_head("GET", "/h2-early", [("early-data", "0")]),
                            end_stream=True)
        client.send_headers(3, h2_head("POST", "/h2-pay"), end_stream=False)
        client.send_data(3, b"{}", end_stream=True)
        client.send_headers(5, h2_head("GET", "/v3/certificates"), end_stream=True)
        out = self.send_early(self.early_port, self.ticket("h2.pem", alpn="h2"),
                              client.data_to_send(), alpn="h2", quiet=True)
        statuses = {}
        for event in client.receive_data(out):
            if isinstance(event, h2.events.ResponseReceived):
                statuses[event.stream_id] = dict(event.headers)[b":status"]
        self.assertEqual(statuses, {1: b"200", 3: b"425", 5: b"425"})
        forwarded = [r for r in self.b.requests if r.path == "/h2-early"]
        self.assertEqual(len(forwarded), 1, self.backend_paths())
        self.assertEqual(forwarded[0].header_all("Early-Data"), ["1"])
        self.assertNotIn("/h2-pay", self.backend_paths())
        self.wait_metric("accepted", 1)
        self.wait_metric("too_early", 2)


def request(method, path, headers=(), body=b""):
    """One HTTP/1.1 request that asks the gateway to close after answering it (s_client ends
    when the server closes)."""
    return harness.build_request(method, path, list(headers) + [("Connection", "close")],
                                 body=body, host="a.test")


def h2_head(method, path, extra=()):
    return [(":method", method), (":path", path), (":scheme", "https"),
            (":authority", "a.test"), *extra]


if __name__ == "__main__":
    unittest.main()
