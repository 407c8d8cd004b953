"""Deploy assets under deploy/: the systemd unit (systemd-analyze verify, the directives that
matter), the Prometheus rules (promtool check and promtool unit tests) and the Grafana dashboard
(structure, and every query parses). Every metric a rule or a panel names must be one paygate
declares in src/, a recording rule of paygate.rules.yml, or Prometheus' own `up`.

Needs promtool (Debian package prometheus) and systemd-analyze (systemd); scripts/deps.sh
installs both. PAYGATE_BIN is the built paygate: it stands in for /usr/local/bin/paygate when the
unit is verified. Standard library only, like tests/integration (the YAML files are read with a
few regular expressions, which is enough for files this test also keeps in shape)."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
RULES = DEPLOY / "prometheus" / "paygate.rules.yml"
RULE_TESTS = [DEPLOY / "prometheus" / "paygate.rules.test.yml",
              DEPLOY / "prometheus" / "paygate.rules.slow-burn.test.yml"]
DASHBOARD = DEPLOY / "grafana" / "paygate.json"
UNIT = DEPLOY / "systemd" / "paygate.service"
CLUSTER_UNIT = DEPLOY / "cluster" / "paygate-node.service"
CLUSTER_DOCUMENT = DEPLOY / "cluster" / "paygate-cluster.yaml"
PAYGATE_BIN = os.environ.get("PAYGATE_BIN", str(ROOT / "build" / "release" / "bin" / "paygate"))
INSTALLED_BIN = "/usr/local/bin/paygate"
SEVERITIES = {"page", "ticket"}


def tool(test, name, package):
    path = shutil.which(name)
    if not path:
        test.fail(f"{name} not found: run scripts/deps.sh (Debian package {package})")
    return path


def run(*argv, cwd=None):
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120)


# --- what paygate exports ------------------------------------------------------------------------

def declared_families():
    """{family: counter|gauge|histogram} from the declare_* calls in src/, names resolved through
    observe/metric_names.h where the call uses a constant."""
    constants = dict(re.findall(r'(k\w+)\s*=\s*"((?:paygate|process)_\w+)"',
                                (ROOT / "src/observe/metric_names.h").read_text()))
    declare = re.compile(r"declare_(counter|gauge|histogram)\(\s*(?:std::)?"
                         r'(?:string\(names::(k\w+)\)|"((?:paygate|process)_\w+)")')
    families = {}
    for path in sorted((ROOT / "src").rglob("*.cpp")):
        for kind, const, literal in declare.findall(path.read_text()):
            families[literal or constants[const]] = kind
    # An outbox's families (notify/metrics.cpp) are declared by their production name; the stress
    # outbox has each again as paygate_stress_notify_..., the callbacks outbox as
    # paygate_callbacks_...
    outbox = re.compile(r'families\.(counter|gauge|histogram)\(\s*"(paygate_notify_\w+)"')
    for kind, name in outbox.findall((ROOT / "src/notify/metrics.cpp").read_text()):
        families[name] = kind
        families[name.replace("paygate_", "paygate_stress_", 1)] = kind
        families[name.replace("paygate_notify_", "paygate_callbacks_", 1)] = kind
    return families


def exported_series(families):
    names = set()
    for family, kind in families.items():
        if kind == "histogram":
            names.update(family + suffix for suffix in ("_bucket", "_sum", "_count"))
        else:
            names.add(family)
    return names


_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
             "unless", "offset", "inf", "nan"}


def promql_metric_names(expr):
    """Metric names an expression selects: strings, label matchers, ranges, grouping label lists
    and function names taken out, what is left that looks like a name is a metric."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    e = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    names = set()
    for m in re.finditer(r"(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?", e):
        if m.group(2) or m.group(1) in _KEYWORDS:
            continue
        names.add(m.group(1))
    return names


# --- the rules file, read line by line ----------------------------------------------------------

def rule_entries(text):
    """[{kind, name, expr, body}] for each `- record:` / `- alert:` item, in file order."""
    entries, current, lines = [], None, text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"\s*- (record|alert|name):\s*(\S+)", line)
        if m:
            current = None
            if m.group(1) != "name":
                current = {"kind": m.group(1), "name": m.group(2), "body": [], "line": i}
                entries.append(current)
            continue
        if current is not None:
            current["body"].append(line)
    for entry in entries:
        entry["expr"] = block_value(entry["body"], "expr")
    return entries


def block_value(body, key):
    for i, line in enumerate(body):
        m = re.match(rf"(\s*){key}:\s*(.*)$", line)
        if not m:
            continue
        indent, value = len(m.group(1)), m.group(2).strip()
        if value not in ("|", ">", "|-", ">-"):
            return value.strip("'\"")
        block = []
        for more in body[i + 1:]:
            if more.strip() and len(more) - len(more.lstrip()) <= indent:
                break
            block.append(more.strip())
        return " ".join(block).strip()
    return None


def alert_tests(text):
    """[(alertname, fires)] for each alert_rule_test: fires is False for `exp_alerts: []`."""
    return [(name, empty != "[]")
            for name, empty in re.findall(r"alertname:\s*(\w+)\s*\n\s*exp_alerts:\s*(\[\])?", text)]


# --- durations as systemd and paygate write them -------------------------------------------------

def seconds(text):
    units = {"ms": 0.001, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
    total = 0.0
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)\s*(ms|sec|min|s|m|h)", text):
        total += float(number) * units[unit]
    return total


def unit_directives(text):
    """{key: [values]} of the unit file, comments and section headers skipped."""
    directives = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        directives.setdefault(key.strip(), []).append(value.strip())
    return directives


class PrometheusRulesTest(unittest.TestCase):
    def setUp(self):
        self.promtool = tool(self, "promtool", "prometheus")
        self.text = RULES.read_text()
        self.entries = rule_entries(self.text)

    def test_promtool_check_rules(self):
        p = run(self.promtool, "check", "rules", str(RULES))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_promtool_unit_tests(self):
        # The two files side by side: each takes a few seconds of promtool's evaluation.
        runs = [subprocess.Popen([self.promtool, "test", "rules", str(t)], cwd=RULES.parent,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                for t in RULE_TESTS]
        for path, p in zip(RULE_TESTS, runs):
            out, _ = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, f"{path.name}:\n{out}")

    def test_expressions_name_only_exported_metrics_or_earlier_records(self):
        families = declared_families()
        self.assertGreaterEqual(len(families), 20, "declare_* calls not found in src/")
        known = exported_series(families) | {"up"}
        self.assertGreater(len(self.entries), 20)
        for entry in self.entries:
            self.assertTrue(entry["expr"], entry["name"])
            unknown = promql_metric_names(entry["expr"]) - known
            self.assertFalse(unknown, f"{entry['name']}: neither exported nor recorded: {unknown}")
            if entry["kind"] == "record":
                known.add(entry["name"])

    def test_alerts_have_severity_annotations_tests_and_a_runbook_line(self):
        guide = (ROOT / "docs" / "operations.md").read_text()
        tests = [t for path in RULE_TESTS for t in alert_tests(path.read_text())]
        alerts = [e for e in self.entries if e["kind"] == "alert"]
        self.assertGreaterEqual(len(alerts), 9)
        for alert in alerts:
            body = "\n".join(alert["body"])
            name = alert["name"]
            self.assertRegex(body, r"\n\s*severity:\s*(page|ticket)\s*(\n|$)", name)
            for key in ("summary", "description", "runbook"):
                self.assertRegex(body, rf"\n\s*{key}:\s*\S", f"{name}: no {key} annotation")
            self.assertIn((name, True), tests, f"{name}: no test where it fires")
            self.assertIn((name, False), tests, f"{name}: no test where it stays quiet")
            self.assertTrue(f"`{name}`" in guide, f"{name}: missing from the alert table in docs/operations.md")

    def test_slo_objective_is_recorded_once(self):
        self.assertEqual(len(re.findall(r"0\.9995", self.text)), 1)
        burn = [e for e in self.entries if e["name"].startswith("job:paygate_slo_burn_rate:")]
        self.assertEqual(len(burn), 7)
        for entry in burn:
            self.assertIn("paygate:slo_availability:objective", entry["expr"])


class GrafanaDashboardTest(unittest.TestCase):
    def setUp(self):
        p = run(sys.executable, "-m", "json.tool", str(DASHBOARD))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.dashboard = json.loads(DASHBOARD.read_text())
        self.panels = []
        for panel in self.dashboard["panels"]:
            self.panels.append(panel)
            self.panels.extend(panel.get("panels", []))

    def queries(self):
        for panel in self.panels:
            for target in panel.get("targets", []):
                yield panel["title"], target["expr"]

    def template_queries(self):
        for var in self.dashboard["templating"]["list"]:
            query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
            m = re.fullmatch(r"label_values\((.*),\s*\w+\)", query)
            self.assertTrue(m, f"variable {var['name']}: {query}")
            yield f"variable {var['name']}", m.group(1)

    def test_structure(self):
        d = self.dashboard
        self.assertGreaterEqual(d["schemaVersion"], 36)
        self.assertIn("DS_PROMETHEUS", [i["name"] for i in d["__inputs"]])
        ids = [p["id"] for p in self.panels]
        self.assertEqual(len(ids), len(set(ids)), "panel ids repeat")
        ds = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
        for panel in self.panels:
            self.assertIn("gridPos", panel, panel["title"])
            if panel["type"] == "row":
                continue
            self.assertEqual(panel.get("datasource"), ds, panel["title"])
            self.assertTrue(panel["targets"], panel["title"])
            for target in panel["targets"]:
                self.assertEqual(target.get("datasource"), ds, panel["title"])
                self.assertTrue(target.get("expr"), panel["title"])
        for var in d["templating"]["list"]:
            self.assertEqual(var["datasource"], ds, var["name"])

    def test_queries_name_exported_metrics_or_recording_rules(self):
        known = exported_series(declared_families())
        records = {e["name"] for e in rule_entries(RULES.read_text()) if e["kind"] == "record"}
        used = set()
        for where, expr in list(self.queries()) + list(self.template_queries()):
            names = promql_metric_names(expr)
            self.assertFalse(names - known - records, f"{where}: unknown metric in {expr}")
            used |= names
        # What the dashboard is for: each of these has a panel.
        for name in ("paygate_http_requests_total", "paygate_http_request_duration_seconds_bucket",
                     "job:paygate_slo_burn_rate:1h", "paygate_signature_failures_total",
                     "paygate_upstream_connect_errors_total", "paygate_notify_due",
                     "paygate_notify_pending", "paygate_notify_oldest_due_seconds",
                     "paygate_notify_delivered_total", "paygate_notify_dead_letters_total",
                     "paygate_http_active_connections", "paygate_build_info"):
            self.assertIn(name, used)

    def test_queries_parse(self):
        # promtool parses every query as a recording rule; Grafana's interval variables become
        # a plain duration first.
        promtool = tool(self, "promtool", "prometheus")
        lines = ["groups:", "  - name: dashboard", "    rules:"]
        for i, (_, expr) in enumerate(self.queries()):
            expr = expr.replace("$__rate_interval", "5m").replace("$__interval", "1m")
            lines += [f"      - record: dashboard:query_{i}", f"        expr: {json.dumps(expr)}"]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "dashboard.rules.yml"
            path.write_text("\n".join(lines) + "\n")
            p = run(promtool, "check", "rules", str(path))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


class SystemdUnitTest(unittest.TestCase):
    def setUp(self):
        self.text = UNIT.read_text()
        self.unit = unit_directives(self.text)

    def one(self, key):
        values = self.unit.get(key, [])
        self.assertEqual(len(values), 1, f"{key}: {values}")
        return values[0]

    def test_systemd_analyze_verify(self):
        analyze = tool(self, "systemd-analyze", "systemd")
        self.assertTrue(os.access(PAYGATE_BIN, os.X_OK), f"PAYGATE_BIN={PAYGATE_BIN}")
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "paygate.service"
            copy.write_text(self.text.replace(INSTALLED_BIN, str(Path(PAYGATE_BIN).resolve())))
            p = run(analyze, "verify", str(copy), cwd=tmp)
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, 0, out)
        # Unknown keys and bad values are warnings with exit 0: none may name this unit.
        self.assertNotIn("paygate.service", out)

    def test_commands(self):
        config = "-c /etc/paygate/paygate.yaml"
        self.assertEqual(self.one("ExecStart"), f"{INSTALLED_BIN} run {config}")
        self.assertEqual(self.one("ExecStartPre"), f"{INSTALLED_BIN} check {config}")
        self.assertIn("/bin/kill -HUP $MAINPID", self.unit["ExecReload"])
        # The ExecStartPre form works: `paygate check -c FILE` exits 0 on a good file.
        p = run(PAYGATE_BIN, "check", "-c", str(ROOT / "examples" / "demo.yaml"))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_limits_restart_and_hardening(self):
        expected = {
            "User": "paygate", "Restart": "on-failure", "StateDirectory": "paygate",
            "LogsDirectory": "paygate", "LimitNOFILE": "1048576", "NoNewPrivileges": "yes",
            "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
            "PrivateDevices": "yes", "ProtectKernelTunables": "yes", "ProtectControlGroups": "yes",
            "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "CapabilityBoundingSet": "",
        }
        for key, value in expected.items():
            self.assertEqual(self.one(key), value, key)
        for key in ("MemoryMax", "CPUQuota", "RestartSec", "ReadWritePaths"):
            self.assertTrue(self.one(key), key)
        self.assertIn("/var/lib/paygate", self.one("ReadWritePaths").split())
        self.assertIn("@system-service", self.unit["SystemCallFilter"])

    def test_stop_timeout_outlasts_the_drain(self):
        # SIGTERM drains for drain_timeout, then the notification intake gets 2 s more; systemd
        # must not SIGKILL before that (5 s of margin), with the default or any example's value.
        docs = (ROOT / "docs" / "config.md").read_text()
        default = re.search(r"\| `drain_timeout` \| duration \| `([^`]+)`", docs).group(1)
        drains = [seconds(default)]
        for example in sorted((ROOT / "examples").glob("*.yaml")):
            m = re.search(r"^drain_timeout:\s*(\S+)", example.read_text(), re.M)
            if m:
                drains.append(seconds(m.group(1)))
        stop = seconds(self.one("TimeoutStopSec"))
        self.assertGreaterEqual(stop, max(drains) + 5, f"drain_timeout values {drains}")


class ClusterExampleTest(unittest.TestCase):
    """deploy/cluster: the node unit verifies like the single-node one and reads its document
    from etcd; the document validates (with keys made here in place of /etc/paygate's) and
    names every engine of docs/scale-out.md."""

    def test_node_unit_verifies_and_reads_etcd(self):
        analyze = tool(self, "systemd-analyze", "systemd")
        text = CLUSTER_UNIT.read_text()
        unit = unit_directives(text)
        url = re.search(r"PAYGATE_CONFIG=(\S+)", text).group(1)
        self.assertRegex(url, r"^etcd://[^/]+,[^/]+,[^/]+/paygate/config$")
        self.assertEqual(unit["ExecStart"], [f"{INSTALLED_BIN} run -c ${{PAYGATE_CONFIG}}"])
        self.assertEqual(unit["ExecStartPre"], [f"{INSTALLED_BIN} check -c ${{PAYGATE_CONFIG}}"])
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "paygate-node.service"
            copy.write_text(text.replace(INSTALLED_BIN, str(Path(PAYGATE_BIN).resolve())))
            p = run(analyze, "verify", str(copy), cwd=tmp)
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, 0, out)
        self.assertNotIn("paygate-node.service", out)

    def test_document_validates_and_names_the_engines(self):
        text = CLUSTER_DOCUMENT.read_text()
        self.assertRegex(text, r"(?m)^  store: postgresql://")
        self.assertRegex(text, r"(?m)^redis:\n  address: ")
        with tempfile.TemporaryDirectory() as tmp:
            for args in (["--mchid", "1230000109"], ["--mchid", "platform", "--role", "platform"]):
                p = run(PAYGATE_BIN, "keys", "new", "--dir", tmp, *args)
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            for name in ("admin.token", "intake.token", "redis.password", "pgpass"):
                (Path(tmp) / name).write_text("s3cret-for-the-test-only-0123456789\n")
            renamed = {"keys/platform.key.pem": "platform_platform.key.pem",
                       "keys/platform.cert.pem": "platform_platform.cert.pem",
                       "keys/1230000109.apiv3": "1230000109.apiv3",
                       "keys/1230000109.cert.pem": "1230000109_merchant.cert.pem"}
            for installed, made in renamed.items():
                text = text.replace("/etc/paygate/" + installed, f"{tmp}/{made}")
            copy = Path(tmp) / "paygate-cluster.yaml"
            copy.write_text(text.replace("/etc/paygate/", tmp + "/"))
            p = run(PAYGATE_BIN, "check", "-c", str(copy))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
