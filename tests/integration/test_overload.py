"""Overload protection on a real paygate: a cluster with a fixed concurrency limit of 4 in front
of a slow backend (0.3 s a request). A burst of low-priority requests takes half the limit, a
few wait and the rest are shed at once with 503 SYSTEM_ERROR and Retry-After: 1; core requests
that come after still get through (they use the whole limit and push low waiters out of the full
queue). A request that waits longer than queue_deadline is shed too. Every shed request is
counted in paygate_requests_shed_total{route,priority,reason}, the limit is exported as
paygate_upstream_concurrency_limit{cluster}, and none of them reached the backend."""

import re
import threading
import time

import harness
from harness import reply

SERVICE_TIME = 0.3


def slow_reply(req, conn):
    del req, conn
    time.sleep(SERVICE_TIME)
    return reply(200, b'{"ok":true}', [("Content-Type", "application/json")])


class OverloadTest(harness.GatewayTestCase):
    def start(self, concurrency):
        self.b = self.backend(slow_reply)
        clusters = [harness.cluster("b", self.b.port, concurrency=concurrency)]
        routes = [harness.route("core", "/core/", "b", priority="core"),
                  harness.route("low", "/low/", "b", priority="low")]
        return self.gateway(clusters=clusters, routes=routes)

    def burst(self, gw, paths, results):
        """One connection per path, all sent at once; results[path] gets the response."""
        def one(path):
            with gw.client(timeout=10) as c:
                results[path] = c.request("GET", path)
        threads = [threading.Thread(target=one, args=(p,)) for p in paths]
        for t in threads:
            t.start()
        return threads

    def metrics(self, gw):
        return harness.http_get(gw.admin_port, "/metrics", timeout=2)[1].decode()

    def shed_total(self, text, route, priority, reason):
        found = re.search(r'^paygate_requests_shed_total\{route="%s",priority="%s",reason="%s"\} '
                          r'(\S+)$' % (route, priority, reason), text, re.M)
        return int(float(found.group(1))) if found else 0

    def assertLimit(self, gw, limit):
        pattern = r'^paygate_upstream_concurrency_limit\{cluster="b"\} %d$' % limit
        harness.wait_until(lambda: re.search(pattern, self.metrics(gw), re.M), 3,
                           what="paygate_upstream_concurrency_limit %d" % limit)

    def assertShed(self, r):
        self.assertJsonError(r, 503, "SYSTEM_ERROR")
        self.assertEqual(r.header("Retry-After"), "1", r)

    def test_low_priority_is_shed_and_core_gets_through(self):
        gw = self.start({"adaptive": False, "min_limit": 1, "initial_limit": 4,
                         "queue_size": 4, "queue_deadline": "5s"})
        results = {}
        lows = ["/low/%d" % i for i in range(12)]
        threads = self.burst(gw, lows, results)
        # Every low request is admitted, queued or shed before the core ones come.
        harness.wait_until(lambda: len(results) >= 6, 5, what="low requests shed at once")
        cores = ["/core/%d" % i for i in range(4)]
        threads += self.burst(gw, cores, results)
        for t in threads:
            t.join(15)

        for path in cores:
            self.assertEqual(results[path].status, 200, results[path])
        shed = [p for p in lows if results[p].status != 200]
        for path in shed:
            self.assertShed(results[path])
        # 2 ran at once (half the limit), 4 waited of which the core requests pushed 2 out.
        self.assertEqual(len(shed), 8, [results[p].status for p in lows])
        self.assertEqual(self.b.request_count(), 4 + 12 - len(shed))

        text = self.metrics(gw)
        self.assertEqual(self.shed_total(text, "low", "low", "queue_full"), len(shed), text)
        self.assertNotIn('paygate_requests_shed_total{route="core"', text)
        self.assertLimit(gw, 4)

    def test_a_waiter_is_shed_at_the_queue_deadline(self):
        gw = self.start({"adaptive": False, "min_limit": 1, "initial_limit": 1,
                         "queue_deadline": "50ms"})
        results = {}
        threads = self.burst(gw, ["/core/first"], results)
        harness.wait_until(lambda: self.b.request_count() == 1, 5, what="the first request")
        started = time.monotonic()
        with gw.client() as c:
            r = c.request("GET", "/core/second")
        waited = time.monotonic() - started
        self.assertShed(r)
        self.assertGreaterEqual(waited, 0.05)
        self.assertLess(waited, SERVICE_TIME)
        for t in threads:
            t.join(5)
        self.assertEqual(results["/core/first"].status, 200)
        self.assertEqual(self.shed_total(self.metrics(gw), "core", "core", "deadline"), 1)

    def test_an_adaptive_limit_starts_with_its_probe(self):
        gw = self.start({"min_limit": 2, "initial_limit": 8, "queue_deadline": "2s"})
        results = {}
        threads = self.burst(gw, ["/low/%d" % i for i in range(3)], results)
        for t in threads:
            t.join(10)
        # The first requests come during the probe for the baseline (min_limit, so 1 for low):
        # they wait for each other within the queue deadline rather than fail.
        self.assertEqual(sorted(r.status for r in results.values()), [200, 200, 200])
        self.assertLimit(gw, 2)


if __name__ == "__main__":
    harness.main()
