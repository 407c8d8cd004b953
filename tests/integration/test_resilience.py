"""Upstream resilience on real processes: outlier detection ejects an endpoint that answers 503
while traffic still succeeds (retried on 5xx, or not failing once the endpoint is out), retries
of a cluster whose every endpoint fails stay within the retry budget, and a POST is retried only
on a route marked idempotent."""

import re
import time

import harness
from harness import reply

SERIES = re.compile(r'^(\w+)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'(\w+)="([^"]*)"')


def metric(gw, name, **labels):
    """The sum of every series of `name` whose labels include `labels`."""
    text = harness.http_get(gw.admin_port, "/metrics")[1].decode()
    total = 0.0
    for line in text.splitlines():
        m = SERIES.match(line)
        if not m or m.group(1) != name:
            continue
        have = dict(LABEL.findall(m.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
    return total


def unavailable(req, conn):
    del req, conn
    return reply(503, b'{"code":"SYSTEM_ERROR","message":"down"}',
                 {"Content-Type": "application/json"})


FAST_BACKOFF = {"base": "1ms", "max": "5ms"}


class OutlierDetectionTest(harness.GatewayTestCase):
    def test_an_endpoint_answering_503_is_ejected_and_traffic_still_succeeds(self):
        good, bad = self.backend(name="good"), self.backend(unavailable, name="bad")
        plain_good, plain_bad = self.backend(name="good2"), self.backend(unavailable, name="bad2")
        outliers = {"consecutive_gateway_errors": 3, "base_ejection": "30s",
                    "max_ejection_percent": "50%"}
        gw = self.gateway(
            clusters=[
                harness.cluster("retried", good.port, bad.port, outlier_detection=outliers,
                                retry={"retry_on": ["connect-failure", "5xx"],
                                       "backoff": FAST_BACKOFF}),
                harness.cluster("plain", plain_good.port, plain_bad.port,
                                outlier_detection=outliers)],
            routes=[harness.route("r", "/retried/", "retried"),
                    harness.route("p", "/plain/", "plain")])
        with gw.client() as c:
            retried = [c.request("GET", "/retried/%d" % i).status for i in range(40)]
            plain = [c.request("GET", "/plain/%d" % i).status for i in range(40)]
        # Every 503 was retried on the other endpoint, until the third ejected the bad one.
        self.assertEqual(retried, [200] * 40)
        self.assertEqual(bad.request_count(), 3)
        self.assertEqual(good.request_count(), 40)
        # Without retries the three 503s reach the client, then nothing fails.
        self.assertEqual(plain[:6], [200, 503] * 3)  # round robin
        self.assertEqual(plain[6:], [200] * 34)
        self.assertEqual(plain_bad.request_count(), 3)
        for cluster in ("retried", "plain"):
            self.assertEqual(metric(gw, "paygate_upstream_ejections_total", cluster=cluster,
                                    reason="gateway_errors"), 1)
            harness.wait_until(
                lambda: metric(gw, "paygate_upstream_ejected_endpoints", cluster=cluster) == 1,
                3, what="the ejected-endpoints gauge of " + cluster)
        self.assertEqual(metric(gw, "paygate_upstream_retries_total", cluster="retried",
                                reason="5xx"), 3)
        gw.wait_log(r"upstream 127\.0\.0\.1:%d of cluster retried ejected for 30000ms: "
                    r"gateway_errors" % bad.port)

    def test_never_more_than_max_ejection_percent(self):
        bad = [self.backend(unavailable, name="bad%d" % i) for i in range(2)]
        gw = self.gateway(
            clusters=[harness.cluster("down", *(b.port for b in bad), outlier_detection={
                "consecutive_gateway_errors": 2, "base_ejection": "30s",
                "max_ejection_percent": "100%"})],
            routes=[harness.route("all", "/", "down")])
        with gw.client() as c:
            statuses = [c.request("GET", "/x%d" % i).status for i in range(20)]
        self.assertEqual(statuses, [503] * 20)
        # One is ejected; the other stays in, as the last endpoint always does.
        self.assertEqual(metric(gw, "paygate_upstream_ejections_total", cluster="down"), 1)
        self.assertEqual(sorted(b.request_count() for b in bad), [2, 18])


class RetryBudgetTest(harness.GatewayTestCase):
    def test_retries_never_exceed_the_budget(self):
        bad = [self.backend(unavailable, name="bad%d" % i) for i in range(2)]
        gw = self.gateway(
            clusters=[harness.cluster("down", *(b.port for b in bad), retry={
                "retry_on": ["5xx"], "max_retries": 3, "backoff": {"base": "0ms", "max": "0ms"},
                "budget": {"ratio": "20%", "min_retries_per_second": 1}})],
            routes=[harness.route("all", "/", "down")])
        sent = 0
        deadline = time.monotonic() + 5  # well inside the budget's 10 s window
        with gw.client() as c:
            while sent < 200 and time.monotonic() < deadline:
                self.assertEqual(c.request("GET", "/x%d" % sent).status, 503)
                sent += 1
        retries = metric(gw, "paygate_upstream_retries_total", cluster="down", reason="5xx")
        refused = metric(gw, "paygate_upstream_retries_refused_total", cluster="down",
                         reason="5xx", why="budget")
        # 20 % of the requests plus the floor of 1 a second over the 10 s window.
        self.assertLessEqual(retries, 0.2 * sent + 10)
        self.assertGreaterEqual(retries, 10)  # the floor alone allows that many
        self.assertGreater(refused, 0)
        self.assertEqual(sum(b.request_count() for b in bad), sent + retries)
        self.assertEqual(metric(gw, "paygate_upstream_requests_total", cluster="down",
                                outcome="retried"), retries)


class IdempotentRouteTest(harness.GatewayTestCase):
    def test_a_post_is_retried_only_on_a_route_marked_idempotent(self):
        good, bad = self.backend(name="good"), self.backend(unavailable, name="bad")
        gw = self.gateway(
            clusters=[harness.cluster("pay", good.port, bad.port,
                                      retry={"retry_on": ["5xx"], "backoff": FAST_BACKOFF})],
            routes=[harness.route("create", "/v3/pay/transactions/", "pay", idempotent=True),
                    harness.route("other", "/", "pay")])
        with gw.client() as c:
            creates = [c.request("POST", "/v3/pay/transactions/jsapi", body=b'{"n":%d}' % i).status
                       for i in range(6)]
            others = [c.request("POST", "/v3/other", body=b'{"n":%d}' % i).status
                      for i in range(6)]
        self.assertEqual(creates, [200] * 6)
        # Round robin: half the other POSTs went to the bad endpoint and were not retried.
        self.assertEqual(sorted(others), [200] * 3 + [503] * 3)
        self.assertEqual(metric(gw, "paygate_upstream_retries_refused_total", cluster="pay",
                                why="not_idempotent"), 3)
        # Every other request reaching the bad endpoint was a create, and retried.
        retries = metric(gw, "paygate_upstream_retries_total", cluster="pay", reason="5xx")
        self.assertGreater(retries, 0)
        self.assertEqual(retries, bad.request_count() - 3)
        # Each retried create reached the good endpoint once, with its body.
        bodies = [r.body for r in good.requests if r.target.startswith("/v3/pay/")]
        self.assertEqual(sorted(bodies), sorted(b'{"n":%d}' % i for i in range(6)))


if __name__ == "__main__":
    harness.main()
