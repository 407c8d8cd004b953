"""Weighted splits on real processes: a route's `split` sends each version its share of the
traffic, a sticky key keeps one key on one version, the chosen version reaches the upstream as
X-Pay-Gateway-Version (the client's own is replaced), colouring routes (a header condition on the
same path) keep precedence, and the version is counted in paygate_version_requests_total and
written to the access log. A reload moves the weights."""

import json
import re

import harness

PREFIX = "/v3/pay/"


def version_reply(name):
    """A backend that answers which backend it is and the version header it was sent."""
    def handler(req, conn):
        del conn
        body = json.dumps({"backend": name,
                           "version": req.header("X-Pay-Gateway-Version")}).encode()
        return harness.reply(200, body, {"Content-Type": "application/json"})
    return handler


class SplitTest(harness.GatewayTestCase):
    def setUp(self):
        self.v1 = self.backend(version_reply("v1"), "v1")
        self.v2 = self.backend(version_reply("v2"), "v2")

    def config(self, weights=(90, 10), sticky=None):
        split = {"name": "pay", "prefix": PREFIX,
                 "split": [{"cluster": "v1", "weight": weights[0]},
                           {"cluster": "v2", "weight": weights[1], "version": "green"}],
                 "sticky": sticky or {"by": "header", "header": "X-Openid"}}
        coloured = {"name": "pay-green", "prefix": PREFIX, "cluster": "v2",
                    "headers": [{"name": "X-Pay-Gateway-Version", "value": "green"}]}
        return harness.gateway_config(self.port, self.admin_port,
                                      [harness.cluster("v1", self.v1.port),
                                       harness.cluster("v2", self.v2.port)],
                                      [coloured, split])

    def start(self, **kw):
        self.port, self.admin_port = harness.free_port(), harness.free_port()
        self.gw = harness.Gateway(self.tmpdir, self.config(**kw))
        self._track(self.gw.process)
        return self.gw.wait_ready()

    def get(self, client, headers):
        r = client.request("GET", PREFIX + "transactions/id/1", headers=headers)
        self.assertEqual(r.status, 200, r.body)
        return r.json()

    def metric(self, labels):
        text = harness.http_get(self.admin_port, "/metrics", timeout=2)[1].decode()
        m = re.search(r"^paygate_version_requests_total\{%s\} (\S+)" % re.escape(labels), text,
                      re.M)
        return float(m.group(1)) if m else 0

    def test_each_version_gets_its_share_and_is_told_its_name(self):
        self.start()
        counts = {"v1": 0, "v2": 0}
        with self.gw.client() as c:
            for i in range(2000):
                answer = self.get(c, {"X-Openid": "openid-%d" % i})
                counts[answer["backend"]] += 1
                # Each backend hears the version it is, never a name the client chose.
                self.assertEqual(answer["version"], "v1" if answer["backend"] == "v1" else "green")
        # 200 expected on v2; the binomial standard deviation is 13.4, so 150..250 is > 3.7 sigma.
        self.assertGreater(counts["v2"], 150, counts)
        self.assertLess(counts["v2"], 250, counts)
        harness.wait_until(lambda: self.metric('route="pay",version="green",code="200"') ==
                           counts["v2"], 5, what="version counter")
        self.assertEqual(self.metric('route="pay",version="v1",code="200"'), counts["v1"])
        self.gw.wait_log(r'"route":"pay".*"version":"green"')

    def test_a_sticky_key_stays_on_one_version_and_the_client_cannot_pick(self):
        self.start(weights=(50, 50))
        with self.gw.client() as c:
            for key in ("alice", "bob", "carol", "dave"):
                seen = {self.get(c, {"X-Openid": key})["backend"] for _ in range(20)}
                self.assertEqual(len(seen), 1, key)
            # A version the colouring routes do not know is replaced by the split's choice.
            answer = self.get(c, {"X-Openid": "alice", "X-Pay-Gateway-Version": "v9"})
            self.assertIn(answer["version"], ("v1", "green"))

    def test_colouring_header_pins_the_request_to_its_version(self):
        self.start(weights=(100, 0))
        with self.gw.client() as c:
            for i in range(50):
                answer = self.get(c, {"X-Openid": "k%d" % i, "X-Pay-Gateway-Version": "green"})
                self.assertEqual(answer["backend"], "v2")
            self.assertEqual(self.get(c, {"X-Openid": "k1"})["backend"], "v1")
        # Coloured requests took their own route: not counted as split choices.
        harness.wait_until(lambda: self.metric('route="pay",version="v1",code="200"') == 1, 5,
                           what="one split request")
        self.assertEqual(self.metric('route="pay",version="green",code="200"'), 0)

    def test_without_the_sticky_header_the_client_address_decides(self):
        self.start(weights=(50, 50))
        with self.gw.client() as c:
            seen = {self.get(c, {})["backend"] for _ in range(30)}
        self.assertEqual(len(seen), 1)

    def test_a_reload_moves_the_weights(self):
        self.start(weights=(100, 0))
        with self.gw.client() as c:
            self.assertEqual({self.get(c, {"X-Openid": "k%d" % i})["backend"]
                              for i in range(100)}, {"v1"})
        self.gw.write_config(self.config(weights=(0, 100)))
        self.gw.reload()
        self.gw.wait_log(r"config generation 2 loaded")
        with self.gw.client() as c:
            self.assertEqual({self.get(c, {"X-Openid": "k%d" % i})["backend"]
                              for i in range(100)}, {"v2"})
