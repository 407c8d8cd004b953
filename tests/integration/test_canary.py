"""Self-driving canaries on real processes (routes[].canary, short intervals): a healthy canary
climbs its steps to complete; one whose cluster starts answering 5 % 500s is rolled back to 0 %
within two intervals, says why, and gets no traffic after; an operator pauses (a paused canary
never climbs), resumes, promotes and aborts through the admin API; progress survives a reload
and a restart (the state file), and a new canary version starts a new roll-out."""

import json
import re
import threading
import time

import harness

PREFIX = "/v3/pay/"


class Versioned:
    """A backend handler: 200 {"backend": name}; with fail_every = n, every n-th answer is a 500."""

    def __init__(self, name):
        self.name = name
        self.fail_every = 0
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, req, conn):
        del req, conn
        with self.lock:
            self.count += 1
            fail = self.fail_every and self.count % self.fail_every == 0
        if fail:
            return harness.reply(500, b'{"code":"SYSTEM_ERROR","message":"canary bug"}',
                                 {"Content-Type": "application/json"})
        return harness.reply(200, json.dumps({"backend": self.name}).encode(),
                             {"Content-Type": "application/json"})


class CanaryTest(harness.GatewayTestCase):
    def setUp(self):
        self.v1 = Versioned("v1")
        self.v2 = Versioned("v2")
        self.b1 = self.backend(self.v1, "v1")
        self.b2 = self.backend(self.v2, "v2")
        self.port, self.admin_port = harness.free_port(), harness.free_port()

    def config(self, interval="1s", steps=("10%", "50%", "100%"), version=None, min_requests=20):
        canary = {"cluster": "v2", "steps": list(steps), "interval": interval,
                  "guard": {"max_error_ratio": "1%", "min_requests": min_requests}}
        if version:
            canary["version"] = version
        route = {"name": "pay", "prefix": PREFIX, "cluster": "v1", "canary": canary,
                 "sticky": {"by": "header", "header": "X-Openid"}}
        return harness.gateway_config(
            self.port, self.admin_port,
            [harness.cluster("v1", self.b1.port), harness.cluster("v2", self.b2.port)], [route],
            extra={"state_file": self.tmpdir + "/state.db"})

    def start(self, **kw):
        self.gw = harness.Gateway(self.tmpdir, self.config(**kw))
        self._track(self.gw.process)
        return self.gw.wait_ready()

    def canary(self):
        status, body = harness.http_get(self.admin_port, "/canary", timeout=2)
        self.assertEqual(status, 200)
        return json.loads(body)["canaries"][0]

    def command(self, name):
        with harness.Client(self.admin_port) as c:
            return c.request("POST", "/canary/pay/" + name)

    def drive(self, seconds, until=None):
        """Sends requests with fresh sticky keys for `seconds` (or until until() holds);
        returns how many each backend answered."""
        seen = {"v1": 0, "v2": 0, "500": 0}
        deadline = time.monotonic() + seconds
        i = 0
        with self.gw.client() as c:
            while time.monotonic() < deadline and not (until and until()):
                for _ in range(20):
                    i += 1
                    r = c.request("GET", PREFIX + "x", headers={"X-Openid": "o-%d-%f" % (i, deadline)})
                    if r.status == 500:
                        seen["500"] += 1
                    else:
                        self.assertEqual(r.status, 200, r.body)
                        seen[r.json()["backend"]] += 1
        return seen

    def transitions(self, to, reason):
        text = harness.http_get(self.admin_port, "/metrics", timeout=2)[1].decode()
        m = re.search(r'^paygate_canary_transitions_total\{route="pay",to="%s",reason="%s"\} (\S+)'
                      % (re.escape(to), reason), text, re.M)
        return float(m.group(1)) if m else 0

    def test_a_healthy_canary_climbs_to_complete(self):
        self.start(interval="500ms", min_requests=10)
        self.assertEqual(self.canary()["weight_percent"], 10)
        self.drive(15, until=lambda: self.canary()["phase"] == "complete")
        state = self.canary()
        self.assertEqual((state["phase"], state["weight_percent"]), ("complete", 100), state)
        self.assertEqual(self.transitions("50", "advance"), 1)
        self.assertEqual(self.transitions("100", "advance"), 1)
        self.assertEqual(self.transitions("100", "complete"), 1)
        # At 100 % every request goes to the canary.
        self.assertEqual(self.drive(0.5)["v1"], 0)

    def test_a_canary_answering_five_percent_500s_is_rolled_back_within_two_intervals(self):
        self.start(interval="1s")
        self.v2.fail_every = 20
        started = time.monotonic()
        self.drive(10, until=lambda: self.canary()["phase"] == "rolled_back")
        state = self.canary()
        self.assertEqual((state["phase"], state["weight_percent"]), ("rolled_back", 0), state)
        self.assertLess(time.monotonic() - started, 2.0 + 0.5)
        self.assertIn("error_ratio", state["reason"])
        self.assertEqual(self.transitions("0", "error_ratio"), 1)
        self.gw.wait_log(r"canary pay: rolled_back -> 0% \(v2\): error_ratio: 5xx")
        # Rolled back: the canary gets nothing, and never climbs again by itself.
        before = self.b2.request_count()
        seen = self.drive(2.5)
        self.assertEqual(seen["v2"] + seen["500"], 0, seen)
        self.assertEqual(self.b2.request_count(), before)
        self.assertEqual(self.canary()["phase"], "rolled_back")

    def test_operator_commands(self):
        self.start(interval="300ms", min_requests=5)
        self.assertEqual(self.command("pause").status, 200)
        self.drive(1.5)
        state = self.canary()
        self.assertEqual((state["phase"], state["step"], state["weight_percent"]),
                         ("paused", 1, 10), state)
        self.assertEqual(self.command("pause").status, 422)
        self.assertEqual(self.command("resume").status, 200)
        self.drive(5, until=lambda: self.canary()["step"] >= 2)
        self.assertEqual(self.command("promote").status, 200)
        self.assertEqual(self.canary()["weight_percent"], 100)
        self.assertEqual(self.command("abort").status, 200)
        state = self.canary()
        self.assertEqual((state["phase"], state["weight_percent"]), ("aborted", 0), state)
        self.assertEqual(self.drive(0.5)["v2"], 0)
        self.assertEqual(self.command("resume").status, 200)  # a new start from the first step
        self.assertEqual(self.canary()["weight_percent"], 10)
        r = self.command("explode")
        self.assertEqual(r.status, 404)
        self.assertIn("pause, resume, promote or abort", r.json()["message"])
        with harness.Client(self.admin_port) as c:
            self.assertEqual(c.request("POST", "/canary/nope/pause").status, 404)

    def test_progress_survives_reload_and_restart_and_a_new_version_starts_over(self):
        self.start(interval="300ms", min_requests=5)
        self.drive(5, until=lambda: self.canary()["step"] >= 2)
        self.assertEqual(self.command("pause").status, 200)
        step = self.canary()["step"]
        self.gw.reload()
        self.gw.wait_log(r"config generation 2 loaded")
        self.assertEqual((self.canary()["phase"], self.canary()["step"]), ("paused", step))
        self.gw.process.kill()
        self.restart_gateway(self.gw)
        state = self.canary()
        self.assertEqual((state["phase"], state["step"]), ("paused", step), state)
        self.gw.wait_log(r"canary pay: restored: paused at step %d" % step)
        # A new version is a new roll-out.
        self.gw.write_config(self.config(interval="300ms", min_requests=5, version="v2-1"))
        self.gw.reload()
        self.gw.wait_log(r"config generation 2 loaded")
        state = self.canary()
        self.assertEqual((state["phase"], state["step"], state["version"]),
                         ("running", 1, "v2-1"), state)
