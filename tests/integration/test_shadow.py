"""Shadow traffic (routes[].mirror): a copy of a route's requests goes to a shadow cluster off the
request path and its answer is compared with the primary's. The client always gets the primary's
answer; a shadow that differs on 1 answer in 1,000 is counted so; a shadow that is down counts
errors without the client noticing; a slow shadow never slows the primary, and copies beyond
max_in_flight are dropped; POST is copied only where listed; mismatches are logged with
sensitive fields redacted."""

import json
import re
import signal
import threading
import time

import harness
from harness import reply

ROUTE = "orders"
SHADOW_EVERY = 1000  # the shadow differs on one answer in this many


def order_id(target):
    return int(target.rsplit("/", 1)[1].split("?")[0])


def primary_answer(req, conn):
    del conn
    n = order_id(req.target)
    body = json.dumps({"id": n, "state": "SUCCESS", "served_by": "primary",
                       "create_time": "2026-12-07T10:00:00+08:00",
                       "payer": {"openid": "oSECRET%d" % n}, "amount": {"total": 100}})
    return reply(200, body, {"Content-Type": "application/json"})


def shadow_answer(req, conn):
    """The same document, members in another order, its own create_time and served_by (both
    ignored), and a different amount on every SHADOW_EVERY-th order."""
    del conn
    n = order_id(req.target)
    total = 101 if n % SHADOW_EVERY == SHADOW_EVERY - 1 else 100
    body = json.dumps({"amount": {"total": total}, "payer": {"openid": "oSECRET%d" % n},
                       "create_time": "2026-12-07T10:00:09+08:00", "served_by": "shadow",
                       "state": "SUCCESS", "id": n})
    return reply(200, body, {"Content-Type": "application/json", "Date": "elsewhere"})


class ShadowTestCase(harness.GatewayTestCase):
    def start(self, mirror, primary=primary_answer, shadow_port=None, shadow=shadow_answer,
              routes=None, **kw):
        self.primary = self.backend(primary, "primary")
        self.primary.record_bytes = False
        if shadow_port is None:
            self.shadow = self.backend(shadow, "shadow")
            self.shadow.record_bytes = False
            shadow_port = self.shadow.port
        clusters = [harness.cluster("live", self.primary.port),
                    harness.cluster("shadow", shadow_port, try_timeout="2s")]
        routes = routes or [harness.route(ROUTE, "/v3/", "live", mirror=mirror)]
        self.gw = self.gateway(clusters=clusters, routes=routes, **kw)
        return self.gw

    def results(self, route=ROUTE):
        text = harness.http_get(self.gw.admin_port, "/metrics", timeout=5)[1].decode()
        counts = {"match": 0, "mismatch": 0, "error": 0, "dropped": 0}
        for result in counts:
            m = re.search(r'^paygate_shadow_requests_total\{route="%s",result="%s"\} (\d+)'
                          % (route, result), text, re.M)
            counts[result] = int(m.group(1)) if m else 0
        return counts

    def wait_settled(self, n, route=ROUTE, timeout=10):
        def settled():
            try:
                counts = self.results(route)
            except OSError:  # a scrape that timed out on a busy machine: ask again
                return None
            return counts if sum(counts.values()) >= n else None

        return harness.wait_until(settled, timeout, 0.1, "%d settled copies" % n)


class MismatchRatioTest(ShadowTestCase):
    def test_one_in_a_thousand_is_reported_and_clients_get_the_primary(self):
        gw = self.start({"cluster": "shadow", "max_in_flight": 1000,
                         "compare": {"ignore": ["/create_time", "/served_by"]}}, workers=2)
        total, threads, failures = 10000, 4, []

        def client(first):
            with gw.client() as c:
                for n in range(first, total, threads):
                    r = c.request("GET", "/v3/pay/transactions/id/%d" % n)
                    if r.status != 200 or r.json()["served_by"] != "primary":
                        failures.append((n, r.status, r.body[:100]))

        workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
        started = time.monotonic()
        for w in workers:
            w.start()
        for w in workers:
            w.join(120)
        self.assertFalse(failures, failures[:5])
        counts = self.wait_settled(total)
        expected = total / SHADOW_EVERY
        self.assertEqual(counts["error"] + counts["dropped"], 0, counts)
        self.assertGreaterEqual(counts["mismatch"], expected * 0.8, counts)
        self.assertLessEqual(counts["mismatch"], expected * 1.2, counts)
        self.assertEqual(counts["match"] + counts["mismatch"], total, counts)
        # Sampled (one a second per worker), with both bodies, the openid redacted.
        gw.wait_log(r"shadow mismatch on route orders")
        log = gw.log()
        self.assertIn('"total":101', log)
        self.assertIn("<redacted>", log)
        self.assertNotIn("oSECRET", log)
        self.assertLess(log.count("shadow mismatch"), 2 * (time.monotonic() - started + 2) + 1)


class ShadowFailureTest(ShadowTestCase):
    def test_shadow_down_counts_errors_and_the_client_is_unaffected(self):
        gw = self.start({"cluster": "shadow"}, shadow_port=harness.free_port())
        with gw.client() as c:
            for n in range(50):
                r = c.request("GET", "/v3/pay/transactions/id/%d" % n)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json()["served_by"], "primary")
        counts = self.wait_settled(50)
        self.assertEqual(counts, {"match": 0, "mismatch": 0, "error": 50, "dropped": 0})

    def test_a_slow_shadow_never_slows_the_primary_and_extra_copies_are_dropped(self):
        def slow(req, conn):
            time.sleep(1.0)
            return shadow_answer(req, conn)

        gw = self.start({"cluster": "shadow", "max_in_flight": 2,
                         "compare": {"ignore": ["/create_time", "/served_by"]}}, shadow=slow)
        with gw.client() as c:
            for n in range(10):
                started = time.monotonic()
                r = c.request("GET", "/v3/pay/transactions/id/%d" % n)
                self.assertEqual(r.status, 200, r)
                self.assertLess(time.monotonic() - started, 0.5)
        counts = self.wait_settled(10, timeout=15)
        self.assertEqual(counts["dropped"], 8, counts)
        self.assertEqual(counts["match"], 2, counts)

    def test_a_shadow_slower_than_its_try_timeout_is_an_error(self):
        def stuck(req, conn):
            del req, conn
            time.sleep(3.0)  # the shadow cluster's try_timeout is 2s

        gw = self.start({"cluster": "shadow"}, shadow=stuck)
        with gw.client() as c:
            self.assertEqual(c.request("GET", "/v3/pay/transactions/id/1").status, 200)
        counts = self.wait_settled(1, timeout=6)
        self.assertEqual(counts["error"], 1, counts)


class ShadowLifecycleTest(ShadowTestCase):
    """Copies still out when the configuration changes or the gateway stops."""

    def slow_shadow(self, req, conn):
        time.sleep(1.0)
        return shadow_answer(req, conn)

    def test_a_reload_that_drops_the_mirror_lets_the_copies_out_finish(self):
        gw = self.start({"cluster": "shadow", "compare": {"ignore": ["/create_time", "/served_by"]}},
                        shadow=self.slow_shadow)
        with gw.client() as c:
            for n in range(3):
                self.assertEqual(c.request("GET", "/v3/pay/transactions/id/%d" % n).status, 200)
        config = dict(gw.config)
        config["clusters"] = [config["clusters"][0]]
        config["routes"] = [harness.route(ROUTE, "/v3/", "live")]
        gw.write_config(config)
        gw.reload()
        gw.wait_log(r"config generation 2 loaded")
        time.sleep(0.1)  # workers adopt it by post()
        counts = self.wait_settled(3)
        self.assertEqual(counts["match"], 3, counts)
        with gw.client() as c:  # no more copies
            self.assertEqual(c.request("GET", "/v3/pay/transactions/id/9").status, 200)
        time.sleep(0.3)
        self.assertEqual(self.shadow.request_count(), 3)

    def test_stopping_with_copies_out_is_prompt_and_clean(self):
        def stuck(req, conn):
            del req, conn
            time.sleep(5.0)

        gw = self.start({"cluster": "shadow"}, shadow=stuck, drain_timeout="1s")
        with gw.client() as c:
            for n in range(3):
                self.assertEqual(c.request("GET", "/v3/pay/transactions/id/%d" % n).status, 200)
        started = time.monotonic()
        gw.process.signal(signal.SIGTERM)
        self.assertEqual(gw.process.wait(10), 0, gw.log())
        self.assertLess(time.monotonic() - started, 4.0)
        self.assertNotIn("did not close", gw.log())


class MirroredMethodsTest(ShadowTestCase):
    def test_post_is_copied_only_where_listed(self):
        routes = [harness.route("reads", "/v3/reads/", "live", mirror={"cluster": "shadow"}),
                  harness.route("writes", "/v3/writes/", "live",
                                mirror={"cluster": "shadow", "methods": ["GET", "POST"]})]
        gw = self.start(None, routes=routes)
        with gw.client() as c:
            for n in range(5):
                for prefix in ("reads", "writes"):
                    r = c.request("POST", "/v3/%s/%d" % (prefix, n), body=b'{"total":1}')
                    self.assertEqual(r.status, 200, r)
            self.assertEqual(c.request("GET", "/v3/reads/9").status, 200)
        self.wait_settled(5, route="writes")
        self.wait_settled(1, route="reads")
        seen = [(r.method, r.target, r.body) for r in self.shadow.requests]
        self.assertIn(("GET", "/v3/reads/9", b""), seen)
        self.assertEqual(sorted(t for m, t, _ in seen if m == "POST"),
                         ["/v3/writes/%d" % n for n in range(5)])
        self.assertTrue(all(b == b'{"total":1}' for m, _, b in seen if m == "POST"), seen)
        self.assertEqual(self.results("reads")["match"] + self.results("reads")["mismatch"], 1)

    def test_the_copy_carries_the_request_id_and_normalised_path(self):
        gw = self.start({"cluster": "shadow"})
        with gw.client() as c:
            r = c.request("GET", "/v3/pay/../pay//transactions/id/7?mchid=1",
                          {"X-Request-Id": "shadow-rid-1", "X-Extra": "kept"})
            self.assertEqual(r.status, 200, r)
        self.wait_settled(1)
        req = self.shadow.requests[0]
        self.assertEqual(req.target, "/v3/pay/transactions/id/7?mchid=1")
        self.assertEqual(req.header("X-Request-Id"), "shadow-rid-1")
        self.assertEqual(req.header("X-Extra"), "kept")
        self.assertEqual(self.primary.requests[0].target, req.target)


if __name__ == "__main__":
    import unittest
    unittest.main()
