"""Nonces and rate limits shared by a cluster (the redis section, steps/shared_admission.h): three
paygate nodes on loopback share a real Redis (Debian's redis-server, started here).
  - a signed request replayed to another node is refused 401, like a replay to the same node;
  - a merchant's rate limit holds for the cluster: requests spread over the three nodes are
    admitted at the configured rate (within 10 %), not three times it;
  - Redis stopped: nonces fail closed (503) by default, or fall back to the node's own guard
    when on_failure.nonces is local; Redis back: requests pass again without a restart."""

import base64
import os
import re
import secrets
import threading
import time
import unittest

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

import engine_redis
import harness
from harness import reply

MCHID = "1900000109"
NODES = 3


class Signer:
    """Signs requests the way a merchant's SDK does, in-process: many per second."""

    def __init__(self, keys):
        with open(keys.merchant_key, "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), password=None)
        self.serial = keys.merchant_serial
        self.mchid = keys.mchid

    def authorization(self, url, method="GET", body=""):
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16).upper()
        message = "%s\n%s\n%s\n%s\n%s\n" % (method, url, timestamp, nonce, body)
        signature = base64.b64encode(
            self.key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
        return ('WECHATPAY2-SHA256-RSA2048 mchid="%s",nonce_str="%s",signature="%s",'
                'timestamp="%s",serial_no="%s"' % (self.mchid, nonce, signature, timestamp,
                                                    self.serial))


@unittest.skipUnless(engine_redis.available(), "redis-server is not installed "
                     "(scripts/deps.sh installs Debian's redis-server)")
class ClusterAdmissionTest(harness.GatewayTestCase):
    def setUp(self):
        self.redis = engine_redis.RedisServer(os.path.join(self.tmpdir, "redis")).start()
        self.addCleanup(self.redis.stop)
        self.keys = harness.PlatformKeys(self, MCHID)
        self.signer = Signer(self.keys)
        self.b = self.backend(lambda req, conn: reply(200, b'{"ok":true}',
                                                      [("Content-Type", "application/json")]))

    def node(self, name, rate_limit=None, on_failure=None):
        extra = self.keys.config()
        if rate_limit:
            extra["merchants"][0]["rate_limit"] = rate_limit
        extra["redis"] = {"address": self.redis.address, "timeout": "200ms",
                          "key_prefix": "test:"}
        if on_failure:
            extra["redis"]["on_failure"] = on_failure
        routes = [harness.route("pay", "/v3/", "b", verify="merchant")]
        return self.gateway(clusters=[harness.cluster("b", self.b.port)], routes=routes,
                            workers=2, extra=extra, name=name)

    def cluster(self, **settings):
        return [self.node("node%d" % i, **settings) for i in range(NODES)]

    def send(self, gw, url, authorization):
        with gw.client() as c:
            return c.request("GET", url, [("Authorization", authorization)])

    def metric(self, gw, name, label):
        text = harness.http_get(gw.admin_port, "/metrics", timeout=2)[1].decode()
        found = re.search(r'^%s\{[^}]*="%s"\} (\S+)$' % (name, label), text, re.M)
        return float(found.group(1)) if found else 0

    def test_a_request_replayed_to_another_node_is_refused(self):
        nodes = self.cluster()
        url = "/v3/pay/transactions/id/replayed"
        authorization = self.signer.authorization(url)
        self.assertEqual(self.send(nodes[0], url, authorization).status, 200)
        for gw in nodes[1:] + nodes[:1]:
            r = self.send(gw, url, authorization)
            body = self.assertJsonError(r, 401, "SIGN_ERROR")
            self.assertIn("nonce_str already used", body["message"])
        self.assertEqual(len(self.b.requests), 1)
        self.assertEqual(self.metric(nodes[1], "paygate_shared_admission_total", "replay"), 1)
        # Every node admits fresh requests of the merchant.
        for i, gw in enumerate(nodes):
            u = "/v3/pay/transactions/id/fresh%d" % i
            self.assertEqual(self.send(gw, u, self.signer.authorization(u)).status, 200)

    def test_the_rate_limit_holds_across_the_nodes(self):
        rate, burst, seconds = 20, 5, 3.0
        nodes = self.cluster(rate_limit={"rate": rate, "burst": burst})
        # One client per node, each at 100 requests/s: 15 times the limit. Signed before the
        # clock starts, so that the pace is the client's.
        clients, pause = NODES, 0.01
        per_client = int(seconds / pause) + 20
        signed = []
        for c in range(clients):
            urls = ["/v3/pay/q/%d/%d" % (c, i) for i in range(per_client)]
            signed.append([(u, self.signer.authorization(u)) for u in urls])
        counts = {}
        lock = threading.Lock()
        start = time.monotonic()
        deadline = start + seconds

        def load(c):
            gw = nodes[c % NODES]
            statuses = []
            with gw.client() as client:
                for i, (url, authorization) in enumerate(signed[c]):
                    now = time.monotonic()
                    if now >= deadline:
                        break
                    time.sleep(max(0.0, start + i * pause - now))
                    statuses.append(client.request(
                        "GET", url, [("Authorization", authorization)]).status)
            with lock:
                for s in statuses:
                    counts[s] = counts.get(s, 0) + 1

        threads = [threading.Thread(target=load, args=(c,)) for c in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
        admitted = counts.get(200, 0)
        expected = burst + rate * elapsed
        print("\n  cluster limit: %d admitted in %.2f s over %d nodes, GCRA allows %.1f (%+.1f %%); %s"
              % (admitted, elapsed, NODES, expected, 100 * (admitted - expected) / expected,
                 counts))
        self.assertGreater(counts.get(429, 0), admitted, counts)  # the load was over the limit
        self.assertLessEqual(abs(admitted - expected), 0.1 * expected,
                             "admitted %d in %.2f s, expected %.0f (%s)" % (
                                 admitted, elapsed, expected, counts))
        self.assertEqual(set(counts), {200, 429}, counts)
        refused = sum(self.metric(gw, "paygate_rate_limited_total", MCHID) for gw in nodes)
        self.assertEqual(refused, counts[429])

    def test_redis_down_fails_closed_then_recovers_without_a_restart(self):
        gw = self.node("closed")
        url = "/v3/pay/transactions/id/before"
        self.assertEqual(self.send(gw, url, self.signer.authorization(url)).status, 200)
        self.redis.stop()
        for i in range(3):
            u = "/v3/pay/transactions/id/down%d" % i
            t0 = time.monotonic()
            r = self.send(gw, u, self.signer.authorization(u))
            self.assertLess(time.monotonic() - t0, 1.5)  # fails fast, never hangs
            body = self.assertJsonError(r, 503)
            self.assertIn("replay store is unavailable", body["message"])
        self.assertGreaterEqual(
            self.metric(gw, "paygate_shared_admission_fallbacks_total", "nonce_refused"), 3)
        self.redis.start()

        def passes():
            u = "/v3/pay/transactions/id/after%d" % time.monotonic_ns()
            return self.send(gw, u, self.signer.authorization(u)).status == 200
        harness.wait_until(passes, 5.0, interval=0.1, what="requests pass once Redis is back")
        self.assertTrue(gw.process.alive())

    def test_redis_down_with_the_local_policy_keeps_serving(self):
        gw = self.node("local", rate_limit={"rate": 1000, "burst": 100},
                       on_failure={"nonces": "local", "rate_limits": "local"})
        self.redis.stop()
        url = "/v3/pay/transactions/id/down"
        authorization = self.signer.authorization(url)
        self.assertEqual(self.send(gw, url, authorization).status, 200)
        self.assertEqual(self.send(gw, url, authorization).status, 401)  # the node's own guard
        self.assertGreaterEqual(
            self.metric(gw, "paygate_shared_admission_fallbacks_total", "nonce_local"), 1)
        self.assertGreaterEqual(
            self.metric(gw, "paygate_shared_admission_fallbacks_total", "rate_limit_local"), 1)


if __name__ == "__main__":
    unittest.main()
