"""Interop with a WeChat Pay v3 client written by others: tests/interop/interop.mjs drives the npm
package wechatpay-axios-plugin (pinned in tests/interop/package-lock.json) against mockpay behind
a gateway in platform mode (`verify: merchant`, `sign: platform` on /v3/). The library signs the
requests, verifies every reply's Wechatpay-* signature, downloads /v3/certificates and decrypts
them with the APIv3 key; its negative controls (tampered body, wrong platform key, unknown
merchant key) must be refused. The same library also stands as a merchant's notify_url
(tests/interop/notify_receiver.mjs): it verifies the Wechatpay-* signature of every notification
paygate delivers and decrypts its resource with the APIv3 key; against another platform
certificate it answers 401 and paygate keeps the event pending for a retry. Needs node and
`scripts/interop-deps.sh` (make test runs it); without them these tests fail, they do not skip."""

import json
import os
import re
import shutil
import subprocess
import sys

import harness

MCHID = "1230000109"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
INTEROP_DIR = os.path.join(ROOT, "tests", "interop")
SCRIPT = os.path.join(INTEROP_DIR, "interop.mjs")
RECEIVER = os.path.join(INTEROP_DIR, "notify_receiver.mjs")
INSTALL_HINT = "run scripts/interop-deps.sh (npm ci --prefix tests/interop; make test does it)"


def require_node(test):
    """The node binary; fails `test` (never skips) when node or the pinned library is missing."""
    node = shutil.which("node")
    test.assertIsNotNone(node, "node is not installed: " + INSTALL_HINT)
    library = os.path.join(INTEROP_DIR, "node_modules", "wechatpay-axios-plugin", "package.json")
    test.assertTrue(os.path.isfile(library),
                    "tests/interop/node_modules is missing wechatpay-axios-plugin: " + INSTALL_HINT)
    return node


class InteropTest(harness.GatewayTestCase):
    def setUp(self):
        self.node = require_node(self)
        self.keys = harness.PlatformKeys(self, MCHID)
        self.merchant_serial = self.keys.merchant_serial
        self.platform_serial = self.keys.platform_serial
        self.platform_cert = self.keys.platform_cert
        self.mock = self.mockpay()

    def start(self, listener=None):
        routes = [harness.route("pay", "/v3/", "mock", verify="merchant", sign="platform")]
        return self.gateway(clusters=[harness.cluster("mock", self.mock.port)], routes=routes,
                            extra=self.keys.config(), listener=listener)

    def run_interop(self, gw, scheme="http", **extra_env):
        env = dict(os.environ, **extra_env,
                   PAYGATE_URL="%s://%s:%d" % (scheme, harness.HOST, gw.port),
                   PAYGATE_MCHID=MCHID,
                   PAYGATE_MERCHANT_SERIAL=self.merchant_serial,
                   PAYGATE_MERCHANT_KEY=self.keys.merchant_key,
                   PAYGATE_PLATFORM_CERT=self.platform_cert,
                   PAYGATE_APIV3_KEY=self.keys.apiv3_key_file,
                   NO_PROXY="*", HTTP_PROXY="", HTTPS_PROXY="", http_proxy="", https_proxy="")
        return subprocess.run([self.node, SCRIPT], capture_output=True, text=True, timeout=60,
                              cwd=INTEROP_DIR, env=env, stdin=subprocess.DEVNULL)

    def test_npm_client_signs_verifies_and_decrypts(self):
        gw = self.start()
        self.assertInteropPasses(gw)

    def test_npm_client_over_the_tls_listener(self):
        # node verifies the gateway's certificate against the test CA (NODE_EXTRA_CA_CERTS).
        ca = harness.make_ca(self.tmpdir)
        leaf = harness.make_leaf(self.tmpdir, ca, "gateway", ["gw.test"])
        gw = self.start(listener={"tls": {"certificates": [
            {"certificate_file": leaf.cert_file, "key_file": leaf.key_file}]}})
        self.assertInteropPasses(gw, "https", NODE_EXTRA_CA_CERTS=ca.cert_file)
        text = harness.http_get(gw.admin_port, "/metrics", timeout=2)[1].decode()
        self.assertRegex(text, r'paygate_tls_handshakes_total\{result="full"\} [1-9]')

    def assertInteropPasses(self, gw, scheme="http", **extra_env):
        before = self.mock.stats()["requests"]
        p = self.run_interop(gw, scheme, **extra_env)
        out = p.stdout + p.stderr
        sys.stderr.write("----- interop.mjs -----\n" + out)
        self.assertEqual(p.returncode, 0, "interop.mjs failed:\n" + out)
        expected = [
            r"^interop: wechatpay-axios-plugin 0\.9\.6 ",
            r"^certificates: 1 listed, reply signature verified, decrypted PEM equals the platform "
            r"certificate \(serial %s\), wrong APIv3 key rejected$" % self.platform_serial,
            r"^jsapi: HTTP 200 prepay_id=wx\S+, reply signature verified$",
            r"^query: HTTP 200 trade_state=NOTPAY, reply signature verified$",
            r"^negative: tampered reply body rejected by the library "
            r"\(EV3_RES_HEADER_SIGNATURE_DIGEST\)$",
            r"^negative: reply checked with another platform key rejected "
            r"\(EV3_RES_HEADER_SIGNATURE_DIGEST\)$",
            r"^negative: request signed with an unknown merchant key refused "
            r"\(HTTP 401 SIGN_ERROR\)$",
            r"^interop: OK$",
        ]
        for pattern in expected:
            self.assertRegex(p.stdout, re.compile(pattern, re.M), out)
        # Through the gateway to mockpay: the order, the query and the two query controls (the
        # certificates are answered by the gateway, the unknown-key request never forwarded).
        self.assertEqual(self.mock.stats()["requests"] - before, 4 + 1, out)


class NodeReceiver:
    """tests/interop/notify_receiver.mjs as a child process (log: NAME.log in the test's dir): a
    notify_url whose checks are the library's. lines() are the JSON lines it printed so far."""

    def __init__(self, test, node, platform_cert, name="notify_receiver"):
        argv = ["env", "PAYGATE_RECEIVER_PORT=0", "PAYGATE_PLATFORM_CERT=" + platform_cert,
                "PAYGATE_APIV3_KEY=" + test.keys.apiv3_key_file, node, RECEIVER]
        self.process = harness.Process(name, argv, test.tmpdir)
        test._track(self.process)
        self.port = int(harness.wait_until(self._listening, harness.START_TIMEOUT,
                                           what=name + " to listen"))

    def _listening(self):
        m = re.search(r"^listening (\d+)$", self.process.output(), re.M)
        if m is None and not self.process.alive():
            raise AssertionError("notify_receiver.mjs exited:\n" + self.process.output())
        return m and m.group(1)

    def url(self, path="/notify"):
        return "http://%s:%d%s" % (harness.HOST, self.port, path)

    def lines(self):
        return [json.loads(line) for line in self.process.output().splitlines()
                if line.startswith("{")]


class NotifyInteropTest(harness.GatewayTestCase):
    def setUp(self):
        self.node = require_node(self)
        self.keys = harness.PlatformKeys(self, MCHID)

    def start(self, receiver):
        section = {"store": os.path.join(self.tmpdir, "outbox.db"), "address": harness.HOST,
                   "port": harness.free_port(), "schedule": ["1s"] * 5, "jitter_percent": 0,
                   "attempt_timeout": "2s", "lease": "5s"}
        extra = self.keys.config()
        extra["merchants"][0]["notify_urls"] = [receiver.url("/")]
        extra["notifications"] = section
        # A route is needed by the schema; nothing is sent through it here.
        gw = self.gateway(clusters=[harness.cluster("b", harness.free_port())],
                          routes=[harness.route("all", "/", "b")], extra=extra)
        gw.notify_port = section["port"]
        return gw

    def call(self, gw, method, path, body=None):
        headers, data = [], b""
        if body is not None:
            headers, data = [("Content-Type", "application/json")], json.dumps(body)
        with harness.Client(gw.notify_port) as c:
            return c.request(method, path, headers, body=data)

    def intake(self, gw, receiver, key, resource):
        event = {"mchid": MCHID, "notify_url": receiver.url(), "event_type": "TRANSACTION.SUCCESS",
                 "resource_type": "transaction", "summary": "payment succeeded " + key,
                 "resource": resource, "idempotency_key": key}
        r = self.call(gw, "POST", "/internal/notifications", event)
        self.assertEqual(r.status, 201, r)
        return r.json()["id"]

    def status(self, gw, event_id):
        r = self.call(gw, "GET", "/internal/notifications/" + event_id)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def test_npm_library_verifies_and_decrypts_notifications(self):
        receiver = NodeReceiver(self, self.node, self.keys.platform_cert)
        gw = self.start(receiver)
        posted = {}
        for n in range(3):
            resource = {"mchid": MCHID, "out_trade_no": "interop-%d" % n, "trade_state": "SUCCESS",
                        "amount": {"total": 100 + n, "currency": "CNY"},
                        "attach": "支付 %d" % n}  # non-ASCII: signed and encrypted as UTF-8
            posted[self.intake(gw, receiver, "interop-%d" % n, resource)] = resource
        lines = harness.wait_until(lambda: (lambda ls: ls if len(ls) >= 3 else None)(
            receiver.lines()), 20, 0.05, "3 notifications at the receiver")
        out = receiver.process.output()
        self.assertEqual([line for line in lines if "error" in line], [], out)
        self.assertEqual(sorted(line["id"] for line in lines), sorted(posted), out)
        for line in lines:
            self.assertIs(line["verified"], True, out)
            self.assertEqual(line["event_type"], "TRANSACTION.SUCCESS", out)
            self.assertEqual(line["resource"], posted[line["id"]], out)
            self.assertEqual(line["summary"],
                             "payment succeeded " + posted[line["id"]]["out_trade_no"], out)
        # The receiver's 204 counts as delivered, once each.
        for event_id in posted:
            status = harness.wait_until(
                lambda: (lambda s: s if s["state"] == "delivered" else None)(
                    self.status(gw, event_id)), 5, 0.05, event_id + " to be delivered")
            self.assertEqual(status["attempts"], 1, status)

    def test_npm_library_rejects_another_platform_certificate(self):
        other = os.path.join(self.tmpdir, "other-keys")
        p = self.run_paygate("keys", "new", "--dir", other, "--mchid", "platform",
                             "--role", "platform", timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        receiver = NodeReceiver(self, self.node, os.path.join(other, "platform_platform.cert.pem"))
        gw = self.start(receiver)
        resource = {"mchid": MCHID, "out_trade_no": "interop-bad", "trade_state": "SUCCESS"}
        event_id = self.intake(gw, receiver, "interop-bad", resource)
        # Refused by the library's Rsa.verify, answered 401, retried by paygate after 1 s.
        status = harness.wait_until(
            lambda: (lambda s: s if s["attempts"] >= 2 else None)(self.status(gw, event_id)),
            10, 0.05, event_id + " to be retried")
        out = receiver.process.output()
        self.assertEqual(status["state"], "pending", status)
        self.assertIn("401", status.get("last_error", ""), status)
        lines = receiver.lines()
        self.assertGreaterEqual(len(lines), 2, out)
        for line in lines:
            self.assertNotIn("verified", line, out)
            self.assertEqual(line["id"], event_id, out)
            self.assertIn("signature", line["failed"], out)
            self.assertIn("Rsa.verify", line["error"], out)


if __name__ == "__main__":
    harness.main()
