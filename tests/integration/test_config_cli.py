"""The command line and bad configuration: `paygate check` says ok (exit 0) or lists every
problem as file:line:column (exit non-zero); `paygate run` with a bad file exits non-zero with
the same message and never starts listening."""

import re
import socket

import harness

GOOD = """\
workers: 1
listener:
  address: 127.0.0.1
  port: {port}
admin:
  address: 127.0.0.1
  port: {admin}
clusters:
  - name: pay
    endpoints: [127.0.0.1:{dead}]
routes:
  - name: all
    prefix: /
    cluster: pay
"""


class ConfigCliTest(harness.GatewayTestCase):
    def good_text(self):
        return GOOD.format(port=harness.free_port(), admin=harness.free_port(),
                           dead=harness.free_port())

    def test_check_good_file(self):
        path = self.write_file("good.yaml", self.good_text())
        p = self.run_paygate("check", "-c", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("ok", p.stdout)

    def test_check_reports_file_line_of_each_problem(self):
        text = self.good_text()
        text = text.replace("    cluster: pay", "    cluster: nosuch")  # line 14
        text = text.replace("workers: 1", "workerz: 1")                    # line 1
        path = self.write_file("bad.yaml", text)
        p = self.run_paygate("check", "-c", path)
        self.assertNotEqual(p.returncode, 0)
        out = p.stderr + p.stdout
        lines = {int(m.group(1)): m.group(0)
                 for m in re.finditer(r"bad\.yaml:(\d+):\d+: .*", out)}
        self.assertIn(1, lines, out)
        self.assertIn("workerz", lines[1])
        self.assertIn(14, lines, out)
        self.assertIn("nosuch", lines[14])

    def test_check_bad_value_and_yaml_syntax(self):
        text = self.good_text().replace("port: ", "port: 70000 # ", 1)
        path = self.write_file("range.yaml", text)
        p = self.run_paygate("check", "-c", path)
        self.assertNotEqual(p.returncode, 0)
        self.assertRegex(p.stderr + p.stdout, r"range\.yaml:4:\d+: .*port")
        path = self.write_file("syntax.yaml", "listener:\n  port: [1, 2\nroutes: {\n")
        p = self.run_paygate("check", "-c", path)
        self.assertNotEqual(p.returncode, 0)
        self.assertRegex(p.stderr + p.stdout, r"syntax\.yaml:\d+:\d+: ")

    def test_check_missing_file(self):
        p = self.run_paygate("check", "-c", self.tmpdir + "/does-not-exist.yaml")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("does-not-exist.yaml", p.stderr + p.stdout)

    def test_run_with_bad_config_exits_with_the_message(self):
        port = harness.free_port()
        text = GOOD.format(port=port, admin=harness.free_port(), dead=harness.free_port())
        text = text.replace("    prefix: /", "    prefix: no-slash")  # line 13
        path = self.write_file("bad-run.yaml", text)
        p = self.run_paygate("run", "-c", path)
        self.assertNotEqual(p.returncode, 0)
        self.assertRegex(p.stderr + p.stdout, r"bad-run\.yaml:13:\d+: .*prefix")
        with self.assertRaises(OSError):  # and nothing was left listening
            socket.create_connection((harness.HOST, port), timeout=1).close()

    def test_run_with_good_config_starts(self):
        text = self.good_text()
        path = self.write_file("paygate.yaml", text)
        port = int(re.search(r"port: (\d+)", text).group(1))
        admin = int(re.findall(r"port: (\d+)", text)[1])
        proc = harness.Process("paygate-run", [harness.PAYGATE_BIN, "-c", path], self.tmpdir)
        self._track(proc)
        harness.wait_until(lambda: self._ready(admin), 10, 0.05, "readyz")
        with harness.Client(port) as c:
            r = c.request("GET", "/x")
            self.assertJsonError(r, 502)  # nothing listens on the endpoint: upstream down

    @staticmethod
    def _ready(admin):
        try:
            return harness.http_get(admin, "/readyz", timeout=1)[0] == 200
        except OSError:
            return False


if __name__ == "__main__":
    harness.main()
