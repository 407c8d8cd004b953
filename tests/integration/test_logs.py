"""Logs on a real paygate: the process log level changed through admin (/log/level) takes effect
at once and a reload restores log.level; access-log sampling drops 2xx lines but never a 5xx
one; a size-rotated access log keeps writing across rotations and keeps at most max_files
rotated files; an hourly access log is named by the hour."""

import copy
import glob
import json
import os
import re
import time

import harness

DEBUG_HEALTHZ = re.compile(r" debug \[\d+\] admin: GET /healthz 200")


class LogLevelTest(harness.GatewayTestCase):
    def setUp(self):
        self.b = self.backend(lambda req, conn: harness.reply(200, req.path))
        self.gw = self.gateway([harness.cluster("b", self.b.port)],
                               [harness.route("api", "/api/", "b")])

    def admin(self, method, path="/log/level", body=b""):
        headers = {"Content-Type": "application/json"} if body else None
        with harness.Client(self.gw.admin_port) as c:
            return c.request(method, path, headers, body=body)

    def level(self):
        r = self.admin("GET")
        self.assertEqual(r.status, 200, r)
        return r.json()["level"]

    def set_level(self, level, method="PUT"):
        return self.admin(method, body=json.dumps({"level": level}))

    def test_switching_to_debug_takes_effect_at_once(self):
        self.assertEqual(self.level(), "info")
        self.assertEqual(harness.http_get(self.gw.admin_port, "/healthz")[0], 200)
        r = self.set_level("debug")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"level": "debug"})
        self.gw.wait_log(r"admin: log level set to debug")
        self.assertEqual(self.level(), "debug")
        self.assertEqual(harness.http_get(self.gw.admin_port, "/healthz")[0], 200)
        self.gw.wait_log(DEBUG_HEALTHZ.pattern)
        # Only the /healthz after the switch was logged at debug.
        self.assertEqual(len(DEBUG_HEALTHZ.findall(self.gw.log())), 1, self.gw.log())

        r = self.set_level("warning", method="POST")  # an alias; the answer is canonical
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"level": "warn"})
        harness.http_get(self.gw.admin_port, "/healthz")
        self.gw.wait_log(r"admin: log level set to warn")
        time.sleep(1.2)  # past the once-a-second flush
        self.assertEqual(len(DEBUG_HEALTHZ.findall(self.gw.log())), 1, self.gw.log())

    def test_bad_level_is_400_naming_the_allowed_ones(self):
        for body in (b'{"level":"loud"}', b'{"level":"INFO"}', b'{"lvl":"debug"}', b"debug",
                     b'{"level":3}', b""):
            body_json = self.assertJsonError(self.admin("PUT", body=body), 400)
            self.assertIn("trace, debug, info, warn, error, critical, off", body_json["message"])
        self.assertEqual(self.level(), "info")

    def test_other_methods_and_paths_stay_refused(self):
        self.assertJsonError(self.admin("DELETE"), 405)
        self.assertJsonError(self.admin("PUT", "/config", body=b'{"level":"debug"}'), 405)
        self.assertJsonError(self.admin("POST", "/healthz"), 405)
        self.assertJsonError(self.admin("PUT", "/log/levels", body=b'{"level":"debug"}'), 404)
        self.assertEqual(self.level(), "info")

    def test_reload_restores_the_configured_level(self):
        self.assertEqual(self.set_level("debug").status, 200)
        self.gw.write_config(copy.deepcopy(self.gw.config))
        self.gw.reload()
        self.gw.wait_log(r"config generation 2 loaded")
        self.assertEqual(self.level(), "info")


class AccessLogFileTest(harness.GatewayTestCase):
    def setUp(self):
        def handler(req, conn):
            if req.path.startswith("/api/fail"):
                return harness.reply(503, b"busy", reason="Service Unavailable")
            return harness.reply(200, req.path)
        self.b = self.backend(handler)
        self.access_path = os.path.join(self.tmpdir, "access.log")

    def start(self, **log):
        settings = {"level": "info", "error_log": "stderr", "access_log": self.access_path}
        settings.update(log)
        # "down" points at a port nobody listens on: the gateway itself answers 502.
        clusters = [harness.cluster("b", self.b.port),
                    harness.cluster("down", harness.free_port(), connect_timeout="200ms")]
        routes = [harness.route("api", "/api/", "b"), harness.route("down", "/down/", "down")]
        self.gw = self.gateway(clusters, routes, extra={"log": settings})
        return self.gw

    def get(self, path, count=1):
        statuses = []
        with self.gw.client() as c:
            for i in range(count):
                target = path if count == 1 else "%s/%d" % (path, i)
                statuses.append(c.request("GET", target).status)
        return statuses

    @staticmethod
    def lines(path):
        try:
            with open(path) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def test_sample_zero_logs_server_errors_only(self):
        self.start(access_log_sample=0)
        config = json.loads(harness.http_get(self.gw.admin_port, "/config")[1])["config"]
        self.assertEqual(config["log"]["access_log_sample"], "0")
        self.assertEqual(set(self.get("/api/ok", 50)), {200})
        self.assertEqual(self.get("/api/fail"), [503])
        self.assertEqual(self.get("/down/x"), [502])
        lines = harness.wait_until(lambda: (lambda l: l if len(l) >= 2 else None)(
            self.lines(self.access_path)), 5, 0.05, "the 5xx access-log lines")
        time.sleep(1.2)  # a late 2xx line would be flushed by now
        lines = self.lines(self.access_path)
        self.assertEqual(sorted(l["status"] for l in lines), [502, 503], lines)
        self.assertEqual(sorted(l["path"] for l in lines), ["/api/fail", "/down/x"])

    def test_size_rotated_log_keeps_writing_and_keeps_max_files(self):
        self.start(access_log_max_size="1KiB", access_log_max_files=2)
        rotated = [os.path.join(self.tmpdir, n) for n in ("access.1.log", "access.2.log")]
        for batch in range(3):
            self.assertEqual(set(self.get("/api/batch%d" % batch, 40)), {200})
            last = "/api/batch%d/39" % batch
            harness.wait_until(lambda: any(l["path"] == last
                                           for l in self.lines(self.access_path)),
                               5, 0.05, "the last request of batch %d in access.log" % batch)
        names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(self.tmpdir, "access*")))
        self.assertEqual(names, ["access.1.log", "access.2.log", "access.log"])
        for path in [self.access_path] + rotated:
            self.assertLessEqual(os.path.getsize(path), 1024, path)
            for line in self.lines(path):  # whole JSON lines, none cut by a rotation
                self.assertTrue(line["path"].startswith("/api/batch2/"), line)

    def test_hourly_log_is_named_by_the_hour(self):
        before = time.strftime("access_%Y-%m-%d_%H.log")
        self.start(access_log_rotate="hourly", access_log_max_files=3)
        self.assertEqual(self.get("/api/hourly"), [200])
        after = time.strftime("access_%Y-%m-%d_%H.log")

        def written():
            for name in {before, after}:
                lines = self.lines(os.path.join(self.tmpdir, name))
                if any(l["path"] == "/api/hourly" for l in lines):
                    return name
            return None
        harness.wait_until(written, 5, 0.05, "a line in %s" % after)
        self.assertFalse(os.path.exists(self.access_path))


if __name__ == "__main__":
    harness.main()
