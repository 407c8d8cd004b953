"""HTTP/2 to upstream clusters (`protocol: h2`): requests from many downstream connections
multiplexed over one upstream connection, h2c by prior knowledge or TLS with ALPN h2, request
bodies and headers carried over, a try that times out resetting its stream while the connection
serves the others, a connection whose upstream stops answering PINGs closed, an upstream that does not choose h2 by ALPN refused as a failed connect, and
a GOAWAY whose unprocessed streams are sent again on a new connection whatever their method."""

import json
import re
import signal
import threading
import time

import h2client
import harness


class UpstreamH2Test(harness.GatewayTestCase):
    def start(self, backend, tls=None, **cluster):
        config = harness.gateway_config(
            harness.free_port(), harness.free_port(),
            [harness.cluster("b", backend.port, protocol="h2",
                             **({"tls": tls} if tls else {}), **cluster)],
            [harness.route("all", "/", "b")])
        self.gw = harness.Gateway(self.tmpdir, config)
        self._track(self.gw.process)
        return self.gw.wait_ready()

    def backend_h2(self, **kw):
        b = h2client.H2Backend(**kw)
        self.addCleanup(b.stop)
        return b

    def concurrently(self, n, method="GET", body=b""):
        results = [None] * n

        def one(i):
            with self.gw.client() as c:
                results[i] = c.request(method, "/r/%d" % i, body=body)
        threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return results

    def test_requests_are_multiplexed_over_one_h2c_connection(self):
        b = self.backend_h2(delay=0.05)
        self.start(b)
        results = self.concurrently(20)
        self.assertEqual([r.status for r in results], [200] * 20, results)
        self.assertEqual(b.connections, 1)
        self.assertEqual(sorted(p for _, _, p, _, _ in b.requests),
                         sorted("/r/%d" % i for i in range(20)))
        _, _, _, headers, _ = b.requests[0]
        self.assertEqual(headers[":authority"], "gw.test")
        self.assertEqual(headers[":scheme"], "http")
        self.assertIn("x-request-id", headers)
        self.assertNotIn("connection", headers)

    def test_bodies_and_fields_cross_both_ways(self):
        b = self.backend_h2(handler=lambda m, p, h, body: (
            201, [("content-type", "application/json"), ("x-upstream", "h2")],
            json.dumps({"got": body.decode()}).encode()))
        self.start(b)
        with self.gw.client() as c:
            r = c.request("POST", "/v3/pay", body=b'{"amount":1}',
                          headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json(), {"got": '{"amount":1}'})
        self.assertEqual(r.header("X-Upstream"), "h2")
        _, method, _, headers, body = b.requests[0]
        self.assertEqual((method, body), ("POST", b'{"amount":1}'))
        self.assertEqual(headers["content-length"], "12")

    def test_tls_with_alpn_h2(self):
        ca = harness.make_ca(self.tmpdir)
        leaf = harness.make_leaf(self.tmpdir, ca, "upstream", ["upstream.test"])
        # A slow handshake: the other requests arrive while the first connection is opened,
        # and share it rather than open their own.
        b = self.backend_h2(tls=harness.server_tls(leaf, alpn=("h2",)), handshake_delay=0.3)
        self.start(b, tls={"ca_file": ca.cert_file})
        self.assertEqual([r.status for r in self.concurrently(5)], [200] * 5)
        self.assertEqual(b.connections, 1)
        self.assertEqual(b.requests[0][3][":scheme"], "https")

    def test_new_tls_connections_resume_the_last_session(self):
        ca = harness.make_ca(self.tmpdir)
        leaf = harness.make_leaf(self.tmpdir, ca, "upstream", ["upstream.test"])
        # Each connection answers one request and goes away: every request opens a new one.
        b = self.backend_h2(tls=harness.server_tls(leaf, alpn=("h2",)), goaway_after=1)
        self.start(b, tls={"ca_file": ca.cert_file})
        for i in range(3):
            with self.gw.client() as c:
                self.assertEqual(c.request("GET", "/r/%d" % i).status, 200)
        self.assertEqual(b.connections, 3)
        self.assertEqual(b.tls_resumed, 2)

    def test_a_connection_idle_past_pool_idle_timeout_is_closed(self):
        def handler(m, p, h, body):
            time.sleep(1.5 if p == "/slow" else 0)
            return 200, [], b"ok"
        b = self.backend_h2(handler=handler)
        self.start(b, pool_idle_timeout="1s")
        with self.gw.client() as c:  # busy longer than the idle timeout: not closed under it
            self.assertEqual(c.request("GET", "/slow").status, 200)
        self.assertEqual(b.closed, 0)
        deadline = time.monotonic() + 5
        while b.closed == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(b.closed, 1)
        with self.gw.client() as c:
            self.assertEqual(c.request("GET", "/again").status, 200)
        self.assertEqual(b.connections, 2)

    def test_a_connection_that_stops_answering_pings_is_closed(self):
        b = self.backend_h2()
        self.start(b, h2_ping={"interval": "200ms", "timeout": "300ms"})
        with self.gw.client() as c:
            self.assertEqual(c.request("GET", "/first").status, 200)
        deadline = time.monotonic() + 5
        while b.pings < 2 and time.monotonic() < deadline:  # an answering upstream is kept
            time.sleep(0.05)
        self.assertGreaterEqual(b.pings, 2)
        self.assertEqual(b.closed, 0)
        b.muted = True  # the host is gone: nothing comes back, not even a reset
        deadline = time.monotonic() + 5
        while b.closed == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(b.closed, 1)
        harness.wait_until(
            lambda: 'paygate_upstream_h2_ping_timeouts_total{cluster="b"} 1' in
            harness.http_get(self.gw.admin_port, "/metrics")[1].decode(), 5,
            what="the ping timeout counted")
        b.muted = False
        with self.gw.client() as c:  # the next request opens a new connection
            self.assertEqual(c.request("GET", "/again").status, 200)
        self.assertEqual(b.connections, 2)

    def test_an_upstream_that_does_not_choose_h2_is_a_connect_error(self):
        ca = harness.make_ca(self.tmpdir)
        leaf = harness.make_leaf(self.tmpdir, ca, "upstream", ["upstream.test"])
        b = self.backend_h2(tls=harness.server_tls(leaf, alpn=("http/1.1",)))
        self.start(b, tls={"ca_file": ca.cert_file}, connect_retries=0)
        with self.gw.client() as c:
            self.assertJsonError(c.request("GET", "/x"), 502)
        self.assertEqual(b.requests, [])

    def test_a_try_that_times_out_resets_its_stream_only(self):
        slow = {"/slow": 2.0}

        def handler(m, p, h, body):
            time.sleep(slow.get(p, 0))
            return 200, [], b"ok"
        b = self.backend_h2(handler=handler)
        self.start(b, try_timeout="500ms", connect_retries=0)
        with self.gw.client() as c:
            self.assertJsonError(c.request("GET", "/slow"), 504)
        with self.gw.client() as c:
            self.assertEqual(c.request("GET", "/fast").status, 200)
        self.assertEqual(b.connections, 1)

    def test_goaway_refused_streams_are_sent_again_even_posts(self):
        b = self.backend_h2(goaway_after=1, delay=0.2)
        self.start(b)
        results = self.concurrently(3, method="POST", body=b"{}")
        self.assertEqual([r.status for r in results], [200] * 3, results)
        self.assertEqual(len(b.requests), 3)  # each processed once
        self.assertGreaterEqual(b.connections, 2)
        self.assertEqual(len({p for _, _, p, _, _ in b.requests}), 3)

    def test_a_stop_ends_requests_waiting_on_h2_streams(self):
        # The upstream takes the requests and answers none before the drain deadline: the
        # worker's last step must end them (an h2 stream has no socket of its own to cancel),
        # not leave their frames to the io_context's destructor.
        b = self.backend_h2(delay=30)
        config = harness.gateway_config(
            harness.free_port(), harness.free_port(),
            [harness.cluster("b", b.port, protocol="h2", try_timeout="30s",
                             total_timeout="60s")],
            [harness.route("all", "/", "b")], drain_timeout="500ms")
        self.gw = harness.Gateway(self.tmpdir, config)
        self._track(self.gw.process)
        self.gw.wait_ready()
        clients = [self.gw.client(timeout=30) for _ in range(5)]
        for i, c in enumerate(clients):
            self.addCleanup(c.close)
            c.send(harness.build_request("GET", "/wait/%d" % i, None, b"", "gw.test", "1.1"))
        time.sleep(0.5)
        started = time.monotonic()
        self.gw.process.signal(signal.SIGTERM)
        self.assertEqual(self.gw.process.wait(15), 0, self.gw.log()[-3000:])
        self.assertLess(time.monotonic() - started, 5)
        self.assertNotIn("did not close", self.gw.log())

    def test_protocol_is_checked_by_config(self):
        config = harness.gateway_config(harness.free_port(), harness.free_port(),
                                        [harness.cluster("b", 1, protocol="h3")],
                                        [harness.route("all", "/", "b")])
        path = self.write_file("gw.yaml", harness.to_yaml(config))
        p = self.run_paygate("check", "-c", path)
        self.assertNotEqual(p.returncode, 0)
        self.assertRegex(p.stderr + p.stdout, r"clusters\[0\]\.protocol")
