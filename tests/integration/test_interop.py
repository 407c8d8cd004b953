"""Interop with a WeChat Pay v3 client written by others: tests/interop/interop.mjs drives the npm
package wechatpay-axios-plugin (pinned in tests/interop/package-lock.json) against mockpay behind
a gateway in platform mode (`verify: merchant`, `sign: platform` on /v3/). The library signs the
requests, verifies every reply's Wechatpay-* signature, downloads /v3/certificates and decrypts
them with the APIv3 key; its negative controls (tampered body, wrong platform key, unknown
merchant key) must be refused. Needs node and `scripts/interop-deps.sh` (make test runs it);
without them this test fails, it does not skip."""

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
INSTALL_HINT = "run scripts/interop-deps.sh (npm ci --prefix tests/interop; make test does it)"


class InteropTest(harness.GatewayTestCase):
    def setUp(self):
        self.node = shutil.which("node")
        self.assertIsNotNone(self.node, "node is not installed: " + INSTALL_HINT)
        library = os.path.join(INTEROP_DIR, "node_modules", "wechatpay-axios-plugin",
                               "package.json")
        self.assertTrue(os.path.isfile(library),
                        "tests/interop/node_modules is missing wechatpay-axios-plugin: "
                        + INSTALL_HINT)
        self.keys = harness.PlatformKeys(self, MCHID)
        self.merchant_serial = self.keys.merchant_serial
        self.platform_serial = self.keys.platform_serial
        self.platform_cert = self.keys.platform_cert
        self.mock = self.mockpay()

    def start(self):
        routes = [harness.route("pay", "/v3/", "mock", verify="merchant", sign="platform")]
        return self.gateway(clusters=[harness.cluster("mock", self.mock.port)], routes=routes,
                            extra=self.keys.config())

    def run_interop(self, gw):
        env = dict(os.environ,
                   PAYGATE_URL="http://%s:%d" % (harness.HOST, gw.port),
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
        before = self.mock.stats()["requests"]
        p = self.run_interop(gw)
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


if __name__ == "__main__":
    harness.main()
