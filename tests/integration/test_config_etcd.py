"""Configuration from etcd (`--config etcd://HOST:PORT/KEY`) against a real etcd: a change to the
key is served within a second (measured), a bad document is refused with URL:line and counted
while the old one serves, an etcd outage keeps the running config and the watch resumes after
it, a compacted revision is read again, `paygate check` reads etcd, a start with etcd down fails
clearly, and three nodes watching one key all apply a change within a second."""

import copy
import datetime
import re
import signal
import time
import unittest

import harness
from engine_etcd import EtcdCluster, EtcdServer
from harness import reply

KEY = "/paygate/config"
APPLY_LIMIT = 1.0  # seconds from the write to etcd to the node serving the new document


class EtcdGateway(harness.Gateway):
    """A paygate whose --config is an etcd URL: write_config() puts the document under the key."""

    def __init__(self, log_dir, etcd, config, name="paygate", key=KEY, write=True):
        self.etcd = etcd
        self.key = key
        self.write = write
        self.revision = 0
        super().__init__(log_dir, config, name)

    def argv(self):
        return [harness.PAYGATE_BIN, "run", "-c", self.etcd.url(self.key)]

    def write_config(self, config=None, text=None):
        if text is None:
            self.config = config
            text = harness.to_yaml(config) + "\n"
        if self.write:
            self.revision = self.etcd.put(self.key, text)


def log_time(line):
    """The wall-clock time of a paygate log line (`2026-12-07T20:53:47.294Z info ...`)."""
    stamp = datetime.datetime.strptime(line.split(" ", 1)[0], "%Y-%m-%dT%H:%M:%S.%fZ")
    return stamp.replace(tzinfo=datetime.timezone.utc).timestamp()


def reload_counter(admin_port, result):
    text = harness.http_get(admin_port, "/metrics")[1].decode()
    m = re.search(r'^paygate_config_reloads_total\{result="%s"\} (\d+)' % result, text, re.M)
    return int(m.group(1)) if m else 0


def metric(admin_port, name):
    text = harness.http_get(admin_port, "/metrics")[1].decode()
    m = re.search(r"^%s (\d+)" % re.escape(name), text, re.M)
    return int(m.group(1)) if m else 0


class EtcdConfigTest(harness.GatewayTestCase):
    def setUp(self):
        self.etcd = EtcdServer(self.tmpdir)
        self.addCleanup(self.etcd.close)
        self.b = self.backend(lambda req, conn: reply(200, req.path))

    def config(self, *routes, port=None, admin_port=None):
        return harness.gateway_config(port or harness.free_port(),
                                      admin_port or harness.free_port(),
                                      [harness.cluster("b", self.b.port)],
                                      [harness.route("v1", "/v1/", "b")] + list(routes))

    def start_node(self, config, name="paygate", write=True):
        gw = EtcdGateway(self.tmpdir, self.etcd, config, name, write=write)
        self._track(gw.process)
        return gw

    def with_route(self, gw, *routes):
        config = copy.deepcopy(gw.config)
        config["routes"] = config["routes"] + list(routes)
        return config

    def status(self, gw, path):
        with gw.client(timeout=2) as c:
            return c.request("GET", path).status

    def assert_applies_within_limit(self, gw, config, path):
        """Writes `config` and measures until `path` answers 200; returns the seconds taken."""
        written = time.monotonic()
        gw.write_config(config)
        harness.wait_until(lambda: self.status(gw, path) == 200, 5, 0.005, path)
        elapsed = time.monotonic() - written
        print("\n  etcd change -> served on 1 node: %.0f ms" % (elapsed * 1000))
        self.assertLess(elapsed, APPLY_LIMIT)
        return elapsed

    # -- start, change, admin

    def test_change_is_served_within_a_second(self):
        gw = self.start_node(self.config()).wait_ready()
        self.assertEqual(self.status(gw, "/v1/a"), 200)
        self.assertEqual(self.status(gw, "/v2/a"), 404)
        self.assert_applies_within_limit(gw, self.with_route(gw, harness.route("v2", "/v2/", "b")),
                                         "/v2/a")
        shown = harness.http_get(gw.admin_port, "/config")[1].decode().replace(" ", "")
        self.assertIn('"source":"%s"' % self.etcd.url(KEY), shown)
        self.assertIn('"revision":%d' % gw.revision, shown)
        self.assertIn('"generation":2', shown)
        self.assertEqual(reload_counter(gw.admin_port, "success"), 1)

    def test_sighup_reads_etcd_again(self):
        gw = self.start_node(self.config()).wait_ready()
        gw.reload()
        gw.wait_log(r"config generation 2 loaded from etcd://")
        self.assertIn("(SIGHUP, read at etcd revision", gw.log())

    # -- refusals

    def test_bad_document_is_refused_and_the_old_one_serves(self):
        gw = self.start_node(self.config()).wait_ready()
        good = self.with_route(gw, harness.route("v2", "/v2/", "b"))
        lines = (harness.to_yaml(good) + "\n").splitlines()
        new_route = next(i for i, l in enumerate(lines) if '"v2"' in l)
        lines = [l.replace('"b"', '"nosuch"') if i >= new_route else l
                 for i, l in enumerate(lines)]
        bad_line = next(i for i, l in enumerate(lines) if '"nosuch"' in l) + 1
        gw.write_config(text="\n".join(lines) + "\n")
        m = gw.wait_log(r"reload rejected: (\S+):(\d+):\d+: (routes\[1\]\.cluster: .*)")
        self.assertEqual(m.group(1), self.etcd.url(KEY))
        self.assertEqual(int(m.group(2)), bad_line)
        self.assertIn("nosuch", m.group(3))
        self.assertEqual(reload_counter(gw.admin_port, "failure"), 1)
        self.assertEqual(self.status(gw, "/v1/still"), 200)
        self.assertEqual(self.status(gw, "/v2/a"), 404)
        # A deleted key is refused the same way; a later good document still applies.
        self.etcd.delete(KEY)
        gw.wait_log(r"reload rejected: \S+: the key /paygate/config does not exist")
        self.assertEqual(self.status(gw, "/v1/still"), 200)
        self.assert_applies_within_limit(gw, good, "/v2/a")

    # -- failures of etcd

    def test_etcd_outage_keeps_serving_and_the_watch_resumes(self):
        gw = self.start_node(self.config()).wait_ready()
        self.etcd.stop()
        gw.wait_log(r"config watch on \S+ broken")
        time.sleep(3)  # several retries: still one line for the outage
        self.assertEqual(len(re.findall(r"config watch on \S+ broken", gw.log())), 1)
        self.assertEqual(self.status(gw, "/v1/during"), 200)
        self.etcd.start()
        config = self.with_route(gw, harness.route("v2", "/v2/", "b"))
        gw.write_config(config)
        # The retry waits at most 5 s (the backoff's bound), then the change applies.
        harness.wait_until(lambda: self.status(gw, "/v2/a") == 200, 8, 0.05, "the new route")
        gw.wait_log(r"config watch on \S+ restored")
        self.assertGreater(metric(gw.admin_port, "paygate_config_watch_reconnects_total"), 0)
        self.assertTrue(gw.process.alive())

    def test_compacted_revision_is_read_again(self):
        gw = self.start_node(self.config()).wait_ready()
        self.etcd.stop()
        gw.wait_log(r"config watch on \S+ broken")
        # Frozen while etcd moves on and forgets the history after the revision it saw.
        gw.process.signal(signal.SIGSTOP)
        try:
            self.etcd.start()
            first = self.with_route(gw, harness.route("v3", "/v3/", "b"))
            latest = self.with_route(gw, harness.route("v2", "/v2/", "b"))
            gw.write_config(first)
            gw.write_config(latest)
            self.etcd.compact()
        finally:
            gw.process.signal(signal.SIGCONT)
        harness.wait_until(lambda: self.status(gw, "/v2/a") == 200, 8, 0.05, "the new route")
        self.assertIn("was compacted", gw.log())
        self.assertEqual(self.status(gw, "/v3/a"), 404)  # only the latest document is applied

    def test_start_with_etcd_down_fails_clearly(self):
        self.etcd.stop()
        started = time.monotonic()
        gw = self.start_node(self.config(), write=False)
        code = gw.process.wait(timeout=10)
        self.assertEqual(code, 2)
        self.assertLess(time.monotonic() - started, 5)
        self.assertRegex(gw.log(), r"etcd://127\.0\.0\.1:\d+/paygate/config: cannot read the key: "
                                   r"etcd 127\.0\.0\.1:\d+: connect: Connection refused")

    def test_start_with_missing_key_fails_clearly(self):
        gw = self.start_node(self.config(), write=False)
        self.assertEqual(gw.process.wait(timeout=10), 2)
        self.assertIn("the key /paygate/config does not exist in etcd", gw.log())

    # -- paygate check

    def test_check_reads_etcd(self):
        self.etcd.put(KEY, harness.to_yaml(self.config()) + "\n")
        r = self.run_paygate("check", "-c", self.etcd.url(KEY))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(self.etcd.url(KEY) + ": ok (1 routes, 1 clusters)", r.stdout)
        r = self.run_paygate("check", self.etcd.url(KEY))  # the URL as a positional argument
        self.assertEqual(r.returncode, 0, r.stderr)
        self.etcd.put(KEY, "workers: 1\nlistener: [unclosed\n")
        r = self.run_paygate("check", "-c", self.etcd.url(KEY))
        self.assertEqual(r.returncode, 2)
        self.assertRegex(r.stderr, re.escape(self.etcd.url(KEY)) + r":[23]:\d+: YAML syntax")
        r = self.run_paygate("check", "-c", "etcd://127.0.0.1:notaport/k")
        self.assertEqual(r.returncode, 2)
        self.assertIn("is not an etcd URL (etcd://HOST:PORT/KEY)", r.stderr)
        self.etcd.stop()
        r = self.run_paygate("check", "-c", self.etcd.url(KEY))
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot read the key", r.stderr)

    # -- a cluster of nodes

    def test_three_nodes_apply_a_change_within_a_second(self):
        # One document for all: the nodes share its ports through SO_REUSEPORT (paygate binds
        # every listener so), and each tells its own story in its log.
        config = self.config()
        nodes = [self.start_node(config, "paygate-%d" % i, write=(i == 0)) for i in range(3)]
        for node in nodes:
            node.wait_log(r"listening on", timeout=harness.START_TIMEOUT)
        written = time.time()
        nodes[0].write_config(self.with_route(nodes[0], harness.route("v2", "/v2/", "b")))
        latencies = []
        for node in nodes:
            m = node.wait_log(r"(\S+) info \[\d+\] config generation 2 loaded", timeout=3)
            latencies.append(log_time(m.group(0)) - written)
        print("\n  etcd change -> applied on 3 nodes: %s ms" %
              ", ".join("%.0f" % (t * 1000) for t in latencies))
        self.assertLess(max(latencies), APPLY_LIMIT)
        for _ in range(30):  # whichever node the kernel picks serves the new route
            self.assertEqual(self.status(nodes[0], "/v2/x"), 200)

    def test_fails_over_between_etcd_members(self):
        cluster = EtcdCluster(self.tmpdir, 3)
        self.addCleanup(cluster.close)
        gw = EtcdGateway(self.tmpdir, cluster, self.config())
        self._track(gw.process)
        gw.wait_ready()
        cluster.members[0].stop()  # the member the node watches through: the first of the URL
        written = time.monotonic()
        gw.write_config(self.with_route(gw, harness.route("v2", "/v2/", "b")))
        harness.wait_until(lambda: self.status(gw, "/v2/a") == 200, 5, 0.01, "the new route")
        print("\n  etcd change -> served after the watched member stopped: %.0f ms"
              % ((time.monotonic() - written) * 1000))
        self.assertIn("config watch on %s restored" % cluster.url(KEY), gw.log())


if __name__ == "__main__":
    unittest.main()
