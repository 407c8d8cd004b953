"""SIGTERM drain: /readyz turns 503, no new connections, every in-flight request completes with
200, idle keep-alive connections are closed, and the process exits 0 -- early when the work is
done, at drain_timeout at the latest, when the connections still open (the admin listener's
too) are closed before the objects their coroutines use are destroyed. That last part is a
memory error only a sanitizer sees: run this module with PAYGATE_BIN set to the ASan build's
paygate to check it (an ASan report makes the exit code non-zero)."""

import re
import signal
import socket
import threading
import time
import unittest

import harness
from harness import reply

HOLD = 1.5  # how long the backend keeps each in-flight request


class DrainTest(harness.GatewayTestCase):
    def start(self, drain_timeout="5s", workers=2):
        self.release = threading.Event()

        def handler(req, conn):
            if req.path.startswith("/slow"):
                self.release.wait(HOLD)
            return reply(200, req.path)
        self.b = self.backend(handler)
        self.addCleanup(self.release.set)
        self.gw = self.gateway(clusters=[harness.cluster("b", self.b.port)],
                               routes=[harness.route("all", "/", "b")], workers=workers,
                               drain_timeout=drain_timeout)

    def start_in_flight(self, n):
        results = [None] * n
        before = self.b.request_count()

        def one(i):
            try:
                with self.gw.client(timeout=10) as c:
                    results[i] = c.request("POST" if i % 2 else "GET", "/slow/%d" % i,
                                           body=b"b" * i, timeout=10)
            except Exception as e:  # recorded and asserted on below
                results[i] = e
        threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        harness.wait_until(lambda: self.b.request_count() == before + n, 5,
                           what="%d requests in flight" % n)
        return threads, results

    def test_sigterm_finishes_in_flight_requests(self):
        self.start()
        threads, results = self.start_in_flight(6)
        sent = time.monotonic()
        self.gw.process.signal(signal.SIGTERM)  # right away: connections just opened
        harness.wait_until(lambda: self.gw.readyz() == 503, 1, 0.02, "/readyz to say 503")
        for t in threads:
            t.join(10)
        for i, r in enumerate(results):
            self.assertIsInstance(r, harness.Response, "request %d: %r" % (i, r))
            self.assertEqual((r.status, r.body), (200, b"/slow/%d" % i))
            self.assertEqual(r.header("Connection"), "close", r)
        self.assertEqual(self.gw.process.wait(5), 0)
        elapsed = time.monotonic() - sent
        self.assertLess(elapsed, HOLD + 1.5)  # exits when done, not at drain_timeout (5 s)
        self.assertIn("draining", self.gw.log())

    def test_no_new_connections_while_draining(self):
        self.start()
        threads, results = self.start_in_flight(2)
        self.gw.process.signal(signal.SIGTERM)
        harness.wait_until(lambda: self.gw.readyz() == 503, 1, 0.02, "/readyz to say 503")

        def refused():
            try:
                with harness.Client(self.gw.port, timeout=1) as c:
                    c.send(harness.build_request("GET", "/new"))
                    c.read_response(timeout=1)
                    return False
            except (OSError, harness.IncompleteResponse):
                return True
        self.assertTrue(refused(), "a new connection was served while draining")
        for t in threads:
            t.join(10)
        self.assertTrue(all(isinstance(r, harness.Response) and r.status == 200
                            for r in results), results)
        self.assertEqual(self.gw.process.wait(5), 0)
        self.assertNotIn("/new", [r.path for r in self.b.requests])

    def test_idle_keep_alive_connections_do_not_hold_the_drain(self):
        self.start()
        idle = self.gw.client()
        self.assertEqual(idle.request("GET", "/fast").status, 200)
        threads, results = self.start_in_flight(1)
        start = time.monotonic()
        self.gw.process.signal(signal.SIGTERM)
        self.assertTrue(idle.closed_by_peer(1), "the idle connection was not closed")
        self.assertLess(time.monotonic() - start, 0.5)
        for t in threads:
            t.join(10)
        self.assertEqual(results[0].status, 200)
        self.assertEqual(self.gw.process.wait(5), 0)
        idle.close()

    def test_drain_timeout_bounds_the_wait(self):
        self.start(drain_timeout="500ms", workers=1)
        threads, results = self.start_in_flight(1)
        start = time.monotonic()
        self.gw.process.signal(signal.SIGTERM)
        self.assertEqual(self.gw.process.wait(5), 0)
        elapsed = time.monotonic() - start
        self.assertLess(elapsed, 1.2)  # gave up on the 1.5 s request at 0.5 s
        self.release.set()
        for t in threads:
            t.join(10)
        self.assertNotIsInstance(results[0], harness.Response)
        self.assertIn("drain deadline passed", self.gw.log())

    def test_connections_open_at_the_drain_deadline_are_closed_before_exit(self):
        self.start(drain_timeout="300ms", workers=1)
        # Half a request head: the header timeout (10 s) is far beyond the drain deadline.
        half = self.gw.client()
        half.send(b"GET /fast HTTP/1.1\r\nHost: gw.test\r\n")
        # A scraper's keep-alive connection to the admin listener, idle.
        scraper = harness.Client(self.gw.admin_port)
        self.assertEqual(scraper.request("GET", "/metrics", host="127.0.0.1").status, 200)
        harness.wait_until(lambda: re.search(
            r"^paygate_http_active_connections 1$",
            harness.http_get(self.gw.admin_port, "/metrics")[1].decode(), re.M), 5,
            what="the half-sent request's connection to be open")
        start = time.monotonic()
        self.gw.process.signal(signal.SIGTERM)
        self.assertTrue(half.closed_by_peer(3), "the half-sent request's connection stayed open")
        self.assertTrue(scraper.closed_by_peer(3), "the admin connection stayed open")
        self.assertEqual(self.gw.process.wait(5), 0, self.gw.log())
        self.assertLess(time.monotonic() - start, 2.5)
        self.assertIn("drain deadline passed with 1 connections open", self.gw.log())
        self.assertNotIn("did not close", self.gw.log())
        half.close()
        scraper.close()


if __name__ == "__main__":
    harness.main()
