"""The merchant role on real processes: an app sends plain JSON, with its bearer token, to a
merchant-role paygate (`sign: merchant`, `verify: platform`), which signs each try as the
merchant and verifies the platform's reply before the app sees it; behind it a platform-role
paygate verifies the merchant's signature and forwards to mockpay. Also: the app's token never
leaves the merchant paygate, every retry is signed afresh (a replayed nonce would be refused by
the platform), and a reply tampered with on the way is refused 502 and counted."""

import base64
import hashlib
import json
import re
import time

import harness

MCHID = "1900000001"
TOKEN = "app-token-0123456789"


def counter(gw, name, **labels):
    """The value of the series of `name` with exactly `labels`, 0 when absent."""
    text = harness.http_get(gw.admin_port, "/metrics")[1].decode()
    want = ",".join('%s="%s"' % kv for kv in sorted(labels.items()))
    for line in text.splitlines():
        m = re.match(r'^(\w+)(?:\{(.*)\})? (\S+)$', line)
        if m and m.group(1) == name and ",".join(sorted((m.group(2) or "").split(","))) == want:
            return float(m.group(3))
    return 0.0


class MerchantRoleTest(harness.GatewayTestCase):
    def setUp(self):
        self.keys = harness.PlatformKeys(self, MCHID)
        self.mock = self.mockpay()
        self.platform = self.start_platform()

    def start_platform(self):
        config = harness.gateway_config(
            harness.free_port(), harness.free_port(),
            [harness.cluster("mock", self.mock.port)],
            [harness.route("v3", "/v3/", "mock", verify="merchant", sign="platform")],
            extra=self.keys.config())
        gw = harness.Gateway(self.tmpdir, config, name="platform")
        self._track(gw.process)
        return gw.wait_ready()

    def start_merchant(self, upstream_port, route=None, certificates=None, extra=None,
                       more_clusters=(), more_routes=(), **cluster):
        token_file = self.write_file("app.token", TOKEN + "\n")
        role = {
            "identities": [{"mchid": MCHID, "serial": self.keys.merchant_serial,
                            "private_key": self.keys.merchant_key,
                            "apiv3_key_file": self.keys.apiv3_key_file}],
            "platform_keys": [{"certificate": self.keys.platform_cert}],
            "apps": [{"name": "shop", "token_file": token_file, "mchids": [MCHID]}],
        }
        if certificates:
            role["certificates"] = certificates
        config = harness.gateway_config(
            harness.free_port(), harness.free_port(),
            [harness.cluster("platform", upstream_port, **cluster)] + list(more_clusters),
            list(more_routes) + [harness.route("egress", "/v3/", "platform",
                                               **(route or {"sign": "merchant",
                                                            "verify": "platform"}))],
            extra={"merchant": role, **(extra or {})})
        gw = harness.Gateway(self.tmpdir, config, name="merchant")
        self._track(gw.process)
        return gw.wait_ready()

    def call(self, gw, method, path, body=None, token=TOKEN, headers=None):
        fields = [("Content-Type", "application/json")] + list(headers or [])
        if token:
            fields.append(("Authorization", "Bearer " + token))
        data = json.dumps(body).encode() if body is not None else b""
        with gw.client() as c:
            return c.request(method, path, fields, body=data)

    def order(self, out_trade_no):
        return {"appid": "wxd678efh567hg6787", "mchid": MCHID, "description": "egress",
                "out_trade_no": out_trade_no, "notify_url": "https://merchant.test/notify",
                "amount": {"total": 100, "currency": "CNY"},
                "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}

    def test_an_app_calls_the_platform_through_both_gateways(self):
        gw = self.start_merchant(self.platform.port)
        created = self.call(gw, "POST", "/v3/pay/transactions/jsapi", self.order("EGRESS_1"))
        self.assertEqual(created.status, 200, created)
        self.assertIn("prepay_id", created.json())
        self.assertTrue(created.header("Wechatpay-Signature"), created)
        queried = self.call(gw, "GET", "/v3/pay/transactions/out-trade-no/EGRESS_1?mchid=" + MCHID)
        self.assertEqual(queried.status, 200, queried)
        self.assertEqual(queried.json()["out_trade_no"], "EGRESS_1")
        self.assertEqual(counter(gw, "paygate_egress_reply_verifications_total", result="ok"), 2)
        running = json.loads(harness.http_get(gw.admin_port, "/config")[1])["config"]["merchant"]
        self.assertEqual(running["apps"], [{"name": "shop", "token": "<redacted>",
                                            "mchids": [MCHID]}])
        self.assertNotIn(TOKEN, json.dumps(running))
        # The platform saw two requests whose signatures verified (it counts each just after its
        # answer went out, so the count may trail the app's answer by a moment).
        harness.wait_until(lambda: counter(self.platform, "paygate_http_requests_total",
                                           route="v3", code="200", protocol="http/1.1") == 2,
                           5, what="the platform's count of verified requests")

    def test_the_app_token_is_required_and_never_forwarded(self):
        seen = []

        def handler(req, conn):
            seen.append(req)
            return harness.reply(200, b"{}")
        b = self.backend(handler)
        gw = self.start_merchant(b.port)
        self.assertJsonError(self.call(gw, "GET", "/v3/certificates", token=None), 401,
                             "SIGN_ERROR")
        self.assertJsonError(self.call(gw, "GET", "/v3/certificates", token="nope"), 401)
        self.assertJsonError(self.call(gw, "GET", "/v3/certificates",
                                       headers=[("X-Pay-Mchid", "1900000009")]), 403, "NO_AUTH")
        self.assertEqual(seen, [])
        self.assertEqual(counter(gw, "paygate_egress_app_refusals_total", reason="unknown_app"), 1)
        # Signed, unsigned reply: refused, but the request went out signed and without the token.
        r = self.call(gw, "GET", "/v3/certificates", headers=[("X-Pay-Mchid", MCHID)])
        self.assertJsonError(r, 502)
        self.assertIn("signature", r.json()["message"])
        self.assertEqual(len(seen), 1)
        authorization = seen[0].header("Authorization")
        self.assertTrue(authorization.startswith("WECHATPAY2-SHA256-RSA2048 "), authorization)
        self.assertIn('mchid="%s"' % MCHID, authorization)
        self.assertIn('serial_no="%s"' % self.keys.merchant_serial, authorization)
        self.assertNotIn(TOKEN, seen[0].raw.decode("latin-1"))
        self.assertIsNone(seen[0].header("X-Pay-Mchid"))
        self.assertEqual(counter(gw, "paygate_egress_reply_verifications_total",
                                 result="missing_header"), 1)

    def test_a_reply_tampered_with_on_the_way_is_refused(self):
        def tamper(req, conn):
            headers = [(k, v) for k, v in req.headers if k.lower() not in ("host", "content-length")]
            with harness.Client(self.platform.port) as c:
                r = c.request(req.method, req.target, headers, body=req.body)
            body = r.body.replace(b"EGRESS_2", b"EGRESS_3")
            keep = [(k, v) for k, v in r.headers if k.lower().startswith("wechatpay-")]
            return harness.reply(r.status, body, keep)
        b = self.backend(tamper)
        gw = self.start_merchant(b.port)
        created = self.call(gw, "POST", "/v3/pay/transactions/jsapi", self.order("EGRESS_2"))
        self.assertEqual(created.status, 200, created)  # its body does not name the order
        r = self.call(gw, "GET", "/v3/pay/transactions/out-trade-no/EGRESS_2?mchid=" + MCHID)
        self.assertJsonError(r, 502)
        self.assertIn("sign not match", r.json()["message"])
        self.assertNotIn("EGRESS_3", r.body.decode())
        self.assertEqual(counter(gw, "paygate_egress_reply_verifications_total", result="ok"), 1)
        self.assertEqual(counter(gw, "paygate_egress_reply_verifications_total",
                                 result="bad_signature"), 1)

    def test_every_retry_is_signed_afresh(self):
        nonces = []

        def flaky(req, conn):
            nonces.append(re.search(r'nonce_str="([^"]+)"', req.header("Authorization")).group(1))
            if req.method == "GET" and len(nonces) == 1:  # the query's first try only
                return harness.reply(503, b'{"code":"SYSTEM_ERROR","message":"busy"}')
            headers = [(k, v) for k, v in req.headers if k.lower() not in ("host", "content-length")]
            with harness.Client(self.platform.port) as c:
                r = c.request(req.method, req.target, headers, body=req.body)
            return harness.reply(r.status, r.body, [(k, v) for k, v in r.headers
                                                    if k.lower().startswith("wechatpay-")])
        b = self.backend(flaky)
        gw = self.start_merchant(b.port, retry={"retry_on": ["5xx"], "max_retries": 2,
                                                "backoff": {"base": "10ms", "max": "20ms"}})
        self.call(gw, "POST", "/v3/pay/transactions/jsapi", self.order("EGRESS_4"))
        nonces.clear()
        r = self.call(gw, "GET", "/v3/pay/transactions/out-trade-no/EGRESS_4?mchid=" + MCHID)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(nonces), 2)
        self.assertNotEqual(nonces[0], nonces[1])

    def test_the_retry_matrix(self):
        """5xx retried with backoff for GETs and for POSTs naming their business key, with the
        same body and a fresh signature each try; other POSTs and every 4xx never."""
        tries = []
        answers = {}

        def backend(req, conn):
            tries.append((req.method, req.path, req.body, req.header("Authorization")))
            script = answers.get(req.path, [200])
            status = script.pop(0) if len(script) > 1 else script[0]
            return harness.reply(status, b'{"code":"X","message":"scripted"}')
        b = self.backend(backend)
        gw = self.start_merchant(
            b.port, route={"sign": "merchant", "idempotent_by": ["out_trade_no", "out_refund_no"]},
            retry={"retry_on": ["5xx", "reset", "timeout", "connect-failure"], "max_retries": 3,
                   "backoff": {"base": "100ms", "max": "500ms", "multiplier": 1.5}})

        answers["/v3/pay/transactions/jsapi"] = [503, 502, 200]
        started = time.monotonic()
        r = self.call(gw, "POST", "/v3/pay/transactions/jsapi", self.order("RETRY_1"))
        self.assertEqual(r.status, 200, r)
        self.assertLess(time.monotonic() - started, 1.5)  # two pauses of at most 100 and 150 ms
        self.assertEqual(len(tries), 3)
        self.assertEqual({t[2] for t in tries}, {json.dumps(self.order("RETRY_1")).encode()})
        self.assertEqual(len({t[3] for t in tries}), 3)  # each try signed afresh
        gw.wait_log('"route":"egress".*"status":200,.*"app":"shop","tries":3')

        tries.clear()
        answers["/v3/marketing/favor/stocks"] = [503, 200]
        r = self.call(gw, "POST", "/v3/marketing/favor/stocks", {"stock_name": "no key"})
        self.assertEqual(r.status, 503, r)
        self.assertEqual(len(tries), 1)  # no business key: sent once

        tries.clear()
        answers["/v3/refund/domestic/refunds"] = [400]
        r = self.call(gw, "POST", "/v3/refund/domestic/refunds", {"out_refund_no": "R1"})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(len(tries), 1)  # a 4xx is an answer, never retried
        self.assertEqual(counter(gw, "paygate_upstream_retries_total", cluster="platform",
                                 reason="5xx"), 2)
        self.assertEqual(counter(gw, "paygate_upstream_retries_refused_total", cluster="platform",
                                 reason="5xx", why="not_idempotent"), 1)

    def test_a_platform_certificate_rotation_is_picked_up_without_a_restart(self):
        gw = self.start_merchant(self.platform.port, certificates={"cluster": "platform"})
        downloads = lambda: counter(gw, "paygate_egress_certificate_downloads_total", result="ok")
        harness.wait_until(lambda: downloads() >= 1, 10, what="the first download")
        self.assertEqual(self.call(gw, "GET", "/v3/certificates").status, 200)

        # The platform rotates: a new key B signs from now on, the old one A stays listed.
        new_dir = self.tmpdir + "/rotated"
        made = self.run_paygate("keys", "new", "--dir", new_dir, "--mchid", "platform",
                                "--role", "platform", timeout=60)
        self.assertEqual(made.returncode, 0, made.stderr)
        new_serial = re.search(r"^serial: ([0-9A-F]+)$", made.stdout, re.M).group(1)
        config = dict(self.platform.config)
        config["platform"] = {"keys": [
            {"private_key": new_dir + "/platform_platform.key.pem",
             "certificate": new_dir + "/platform_platform.cert.pem"},
            {"private_key": self.keys.platform_key, "certificate": self.keys.platform_cert}]}
        self.platform.write_config(config)
        self.platform.reload()
        self.platform.wait_log("config generation 2 loaded")

        # The first reply signed by B names a serial the merchant gateway does not know yet: it
        # is refused, and a download (signed by A, which it trusts) brings B.
        first = self.call(gw, "GET", "/v3/certificates")
        self.assertJsonError(first, 502)
        self.assertIn("no key for this serial", first.json()["message"])
        harness.wait_until(lambda: downloads() >= 2, 15, what="the download after the rotation")
        gw.wait_log("trusting %s" % new_serial)
        again = self.call(gw, "GET", "/v3/certificates")
        self.assertEqual(again.status, 200, again)
        self.assertEqual(again.header("Wechatpay-Serial"), new_serial)
        expiry = harness.http_get(gw.admin_port, "/metrics")[1].decode()
        self.assertIn('role="platform_trust"', expiry)
        self.assertIn(new_serial, expiry)

    def test_sensitive_fields_are_encrypted_to_the_platform_key(self):
        seen = []

        def handler(req, conn):
            seen.append(req)
            return harness.reply(200, b"{}")
        b = self.backend(handler)
        gw = self.start_merchant(b.port, route={"sign": "merchant",
                                                "encrypt": ["/payee/name", "/payee/phone"]})
        transfer = {"out_batch_no": "B1", "payee": {"name": "张三", "phone": "13800000000"},
                    "amount": 100}
        r = self.call(gw, "POST", "/v3/transfer/batches", transfer,
                      headers=[("Wechatpay-Serial", "SOMETHING-ELSE")])
        self.assertEqual(r.status, 200, r)
        sent = json.loads(seen[0].body)
        self.assertEqual(sent["amount"], 100)
        self.assertEqual(seen[0].header_all("Wechatpay-Serial"), [self.keys.platform_serial])
        for field, plain in (("name", "张三"), ("phone", "13800000000")):
            self.assertNotEqual(sent["payee"][field], plain)
            p = self.run_paygate("decrypt", "--key", self.keys.platform_key,
                                 sent["payee"][field])
            self.assertEqual((p.returncode, p.stdout.strip()), (0, plain), p.stderr)
        self.assertEqual(counter(gw, "paygate_egress_fields_encrypted_total", route="egress"), 2)
        bad = self.call(gw, "POST", "/v3/transfer/batches", {"payee": {"name": 7}})
        self.assertJsonError(bad, 400, "PARAM_ERROR")
        self.assertEqual(len(seen), 1)

    def test_stress_traffic_goes_signed_to_the_sandbox_only(self):
        production, sandbox = [], []
        prod = self.backend(lambda req, conn: production.append(req) or harness.reply(200, b"{}"))
        sand = self.backend(lambda req, conn: sandbox.append(req) or harness.reply(200, b"{}"),
                            "sandbox")
        gw = self.start_merchant(
            prod.port, route={"sign": "merchant", "stress_cluster": "sandbox"},
            more_clusters=[harness.cluster("sandbox", sand.port)],
            extra={"stress": {"value": "stress", "allowed_merchants": [MCHID]}})
        r = self.call(gw, "GET", "/v3/pay/transactions/id/1",
                      headers=[("X-Test-Env", "stress"), ("X-Trace-ID", "4bf92f3577b34da6a3ce929d0e0e4736")])
        self.assertEqual(r.status, 200, r)
        self.assertEqual((len(production), len(sandbox)), (0, 1))
        self.assertIn('mchid="%s"' % MCHID, sandbox[0].header("Authorization"))
        self.assertEqual(sandbox[0].header("X-Test-Env"), "stress")
        self.assertEqual(sandbox[0].header("X-Trace-ID"), "4bf92f3577b34da6a3ce929d0e0e4736")
        self.assertEqual(self.call(gw, "GET", "/v3/pay/transactions/id/2").status, 200)
        self.assertEqual((len(production), len(sandbox)), (1, 1))

    def test_a_bill_download_is_checked_against_its_hash(self):
        """The app asks for the bill (a signed, verified reply naming hash_value and
        download_url), then downloads the file through its gateway with that hash: the right
        file arrives whole; with another hash it is cut short, so the app never holds it whole."""
        bill_route = {"name": "bill", "path": "/v3/billdownload/file", "cluster": "platform",
                      "sign": "merchant", "verify": "bill_hash"}
        gw = self.start_merchant(self.platform.port, more_routes=[bill_route])
        self.call(gw, "POST", "/v3/pay/transactions/jsapi", self.order("BILL_1"))
        day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
        r = self.call(gw, "GET", "/v3/bill/tradebill?bill_date=%s&bill_type=ALL" % day)
        self.assertEqual(r.status, 200, r)
        bill = r.json()
        self.assertEqual(bill["hash_type"], "SHA1")
        target = bill["download_url"][bill["download_url"].index("/v3/"):]
        hash_field = ("X-Pay-Bill-Hash", "%s %s" % (bill["hash_type"], bill["hash_value"]))

        downloaded = self.call(gw, "GET", target, headers=[hash_field])
        self.assertEqual(downloaded.status, 200, downloaded)
        self.assertEqual(hashlib.sha1(downloaded.body).hexdigest(), bill["hash_value"])
        self.assertTrue(downloaded.body.startswith("交易时间".encode()), downloaded.body[:100])

        wrong = "%s %s" % (bill["hash_type"], "0" * 40)
        with self.assertRaises(harness.IncompleteResponse) as cut:
            self.call(gw, "GET", target, headers=[("X-Pay-Bill-Hash", wrong)])
        self.assertLess(len(cut.exception.partial), len(downloaded.raw))
        self.assertJsonError(self.call(gw, "GET", target), 400, "PARAM_ERROR")
        harness.wait_until(lambda: counter(gw, "paygate_egress_bill_downloads_total",
                                           result="hash_mismatch") == 1, 5, what="the mismatch")
        self.assertEqual(counter(gw, "paygate_egress_bill_downloads_total", result="ok"), 1)

    def test_config_names_what_the_merchant_role_lacks(self):
        config = harness.gateway_config(
            harness.free_port(), harness.free_port(), [harness.cluster("p", 1)],
            [harness.route("egress", "/v3/", "p", sign="merchant", verify="platform")])
        path = self.write_file("bad.yaml", harness.to_yaml(config))
        p = self.run_paygate("check", "-c", path)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("'sign: merchant' needs the 'merchant' section", p.stderr + p.stdout)
        self.assertIn("'verify: platform' needs the 'merchant' section", p.stderr + p.stdout)


if __name__ == "__main__":
    harness.main()
