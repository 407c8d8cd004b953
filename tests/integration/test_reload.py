"""SIGHUP reload: under load with zero failed requests, a route added by the reload becomes
reachable, a bad file changes nothing and the log says why with file:line."""

import copy
import re
import threading
import time
import unittest

import harness
from harness import reply

LOAD_SECONDS = 3.0


class ReloadTest(harness.GatewayTestCase):
    def setUp(self):
        self.b = self.backend(lambda req, conn: reply(200, req.path))
        self.gw = self.gateway(clusters=[harness.cluster("b", self.b.port)],
                               routes=[harness.route("api", "/api/", "b")], workers=2)

    def config_with(self, *extra_routes):
        config = copy.deepcopy(self.gw.config)
        config["routes"] = config["routes"] + list(extra_routes)
        return config

    def test_reload_under_load_fails_no_request(self):
        stop = time.monotonic() + LOAD_SECONDS
        results = {"ok": 0, "failures": []}
        lock = threading.Lock()

        def load(worker):
            n = 0
            while time.monotonic() < stop:
                try:
                    with self.gw.client(timeout=5) as c:  # some new connections, mostly reuse
                        for _ in range(20):
                            if time.monotonic() >= stop:
                                break
                            path = "/api/w%d/%d" % (worker, n)
                            r = c.request("POST" if n % 2 else "GET", path, body=b"x" * (n % 7))
                            n += 1
                            if r.status != 200 or r.body != path.encode():
                                raise AssertionError("bad answer %r" % r)
                            with lock:
                                results["ok"] += 1
                except Exception as e:  # any failure at all is a test failure
                    with lock:
                        results["failures"].append("worker %d: %r" % (worker, e))
        threads = [threading.Thread(target=load, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        reloads = 0
        try:
            while time.monotonic() < stop - 0.3:
                time.sleep(0.25)
                reloads += 1
                self.gw.write_config(self.config_with(
                    harness.route("extra%d" % reloads, "/extra%d/" % reloads, "b")))
                self.gw.reload()
        finally:
            for t in threads:
                t.join(LOAD_SECONDS + 10)
        self.assertEqual(results["failures"], [])
        self.assertGreater(results["ok"], 100)
        self.assertGreaterEqual(reloads, 5)
        self.gw.wait_log(r"config generation %d loaded" % (reloads + 1))
        self.assertTrue(self.gw.process.alive())

    def test_route_added_by_reload_becomes_reachable(self):
        with self.gw.client() as c:
            self.assertJsonError(c.request("GET", "/new/x"), 404)
            self.gw.write_config(self.config_with(harness.route("new", "/new/", "b")))
            self.gw.reload()
            self.gw.wait_log(r"config generation 2 loaded")
            # The same keep-alive connection sees the new snapshot (workers adopt it by post()).
            r = harness.wait_until(lambda: (lambda r: r if r.status == 200 else None)(
                c.request("GET", "/new/x")), 3, 0.05, "the new route")
            self.assertEqual(r.body, b"/new/x")
            self.assertEqual(c.request("GET", "/api/y").status, 200)
        self.assertIn('"generation":2', harness.http_get(self.gw.admin_port, "/config")[1]
                      .decode().replace(" ", ""))

    def test_bad_config_on_reload_changes_nothing(self):
        good = harness.to_yaml(self.config_with(harness.route("new", "/new/", "b"))) + "\n"
        # The same file with an unknown cluster on the new route.
        lines = good.splitlines()
        bad_line = next(i for i, l in enumerate(lines) if '"new"' in l) + 1
        lines = [l.replace('"b"', '"nosuch"') if i >= bad_line - 1 else l
                 for i, l in enumerate(lines)]
        cluster_line = next(i for i, l in enumerate(lines) if '"nosuch"' in l) + 1
        self.gw.write_config(text="\n".join(lines) + "\n")
        self.gw.reload()
        m = self.gw.wait_log(r"reload rejected: (\S+):(\d+):\d+: (.*)")
        self.assertTrue(m.group(1).endswith("paygate.yaml"), m.group(0))
        self.assertEqual(int(m.group(2)), cluster_line, m.group(0))
        self.assertIn("nosuch", m.group(3))
        with self.gw.client() as c:
            self.assertEqual(c.request("GET", "/api/still").status, 200)
            self.assertJsonError(c.request("GET", "/new/x"), 404)
        self.assertIn('"generation":1', harness.http_get(self.gw.admin_port, "/config")[1]
                      .decode().replace(" ", ""))
        # A later good reload still works.
        self.gw.write_config(text=good)
        self.gw.reload()
        self.gw.wait_log(r"config generation 2 loaded")
        with self.gw.client() as c:
            harness.wait_until(lambda: c.request("GET", "/new/x").status == 200, 3, 0.05,
                               "the new route")

    def test_yaml_syntax_error_on_reload(self):
        self.gw.write_config(text="workers: 2\nlistener: [unclosed\n")
        self.gw.reload()
        m = self.gw.wait_log(r"reload rejected: \S+paygate\.yaml:(\d+):\d+")
        self.assertIn(int(m.group(1)), (2, 3))
        with self.gw.client() as c:
            self.assertEqual(c.request("GET", "/api/ok").status, 200)

    def test_reload_changes_limits_for_new_requests(self):
        with self.gw.client() as c:
            self.assertEqual(c.request("POST", "/api/b", body=b"x" * 3000).status, 200)
        config = self.config_with()
        config["listener"]["limits"] = {"max_body": "2KiB"}
        self.gw.write_config(config)
        self.gw.reload()
        self.gw.wait_log(r"config generation 2 loaded")

        def refused():
            with self.gw.client() as c:
                r = c.request("POST", "/api/b", body=b"x" * 3000)
                return r if r.status != 200 else None
        self.assertJsonError(harness.wait_until(refused, 3, 0.05, "the new limit"), 413)


if __name__ == "__main__":
    harness.main()
