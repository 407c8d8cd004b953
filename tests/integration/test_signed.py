"""The platform side of the protocol on real processes: `verify: merchant` lets signed requests
through with X-Pay-Mchid set from the verified header, refuses tampered, unknown and replayed
ones with a signed 401 SIGN_ERROR (nothing reaches the backend), `sign: platform` signs every
reply so that `paygate verify` accepts it with the platform certificate, GET /v3/certificates
is answered by the gateway, and concurrent replays across workers are all refused but one."""

import datetime
import json
import os
import re
import secrets
import subprocess
import threading
import time
import unittest

import harness
from harness import reply

MCHID = "1230000109"
BODY = '{"mchid":"1230000109","out_trade_no":"signed_0001"}'


class SignedPathTest(harness.GatewayTestCase):
    def setUp(self):
        self.keys = harness.PlatformKeys(self, MCHID)
        self.merchant_serial = self.keys.merchant_serial
        self.platform_serial = self.keys.platform_serial
        self.merchant_key = self.keys.merchant_key
        self.platform_cert = self.keys.platform_cert
        self.b = self.backend(lambda req, conn: reply(200, b'{"ok":true}',
                                                      [("Content-Type", "application/json")]))

    def start(self, workers=1, extra=None):
        routes = [harness.route("pay", "/v3/", "b", verify="merchant", sign="platform"),
                  harness.route("refund", "/v3/refund/", "b", verify="merchant", sign="platform"),
                  harness.route("open", "/open/", "b")]
        return self.gateway(clusters=[harness.cluster("b", self.b.port)], routes=routes,
                            workers=workers, extra=extra or self.keys.config())

    def authorization(self, method, url, body="", mchid=MCHID, serial=None):
        p = self.run_paygate("sign", "--mchid", mchid, "--serial", serial or self.merchant_serial,
                             "--key", self.merchant_key, "--method", method, "--url", url,
                             "--body", body)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip()

    def assertSignedByPlatform(self, r):
        self.assertEqual(r.header("Wechatpay-Serial"), self.platform_serial, r)
        p = self.run_paygate("verify", "--cert", self.platform_cert,
                             "--timestamp", r.header("Wechatpay-Timestamp"),
                             "--nonce", r.header("Wechatpay-Nonce"),
                             "--signature", r.header("Wechatpay-Signature"),
                             "--body", r.body.decode())
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def metrics(self, gw):
        return harness.http_get(gw.admin_port, "/metrics", timeout=2)[1].decode()

    def test_signed_request_passes_with_verified_mchid_and_signed_reply(self):
        gw = self.start()
        url = "/v3/pay/transactions/jsapi"
        auth = self.authorization("POST", url, BODY)
        with gw.client() as c:
            r = c.request("POST", url, [("Authorization", auth), ("X-Pay-Mchid", "forged"),
                                        ("Content-Type", "application/json")], body=BODY)
        self.assertEqual(r.status, 200, r)
        self.assertSignedByPlatform(r)
        req = self.b.requests[0]
        self.assertEqual(req.header_all("X-Pay-Mchid"), [MCHID])
        self.assertEqual(req.body, BODY.encode())

    def test_identity_and_signature_fields_come_only_from_the_gateway(self):
        # A backend behind CGI or WSGI reads X_Pay_Mchid as X-Pay-Mchid; a client that reads the
        # first Wechatpay-Signature must get the gateway's, so the upstream's never pass.
        self.b = self.backend(lambda req, conn: reply(200, b'{"ok":true}', [
            ("Content-Type", "application/json"), ("Wechatpay-Signature", "upstream-sig"),
            ("wechatpay_serial", "UPSTREAMSERIAL"), ("WECHATPAY-NONCE", "upstream-nonce")]))
        gw = self.start()
        url = "/v3/pay/transactions/jsapi"
        auth = self.authorization("POST", url, BODY)
        with gw.client() as c:
            r = c.request("POST", url, [("Authorization", auth), ("X_Pay_Mchid", "forged1"),
                                        ("x-pay-MCHID", "forged2"),
                                        ("Content-Type", "application/json")], body=BODY)
        self.assertEqual(r.status, 200, r)
        req = self.b.requests[0]
        self.assertEqual([(k, v) for k, v in req.headers
                          if k.lower().replace("_", "-") == "x-pay-mchid"],
                         [("X-Pay-Mchid", MCHID)])
        self.assertNotIn(b"forged", req.raw)
        wechatpay = [(k, v) for k, v in r.headers
                     if k.lower().replace("_", "-").startswith("wechatpay-")]
        self.assertEqual(sorted(k for k, _ in wechatpay),
                         ["Wechatpay-Nonce", "Wechatpay-Serial", "Wechatpay-Signature",
                          "Wechatpay-Signature-Type", "Wechatpay-Timestamp"], r)
        self.assertNotIn(b"upstream-", r.raw)
        self.assertSignedByPlatform(r)

    def test_tampered_requests_are_refused_and_never_forwarded(self):
        gw = self.start()
        auth = self.authorization("POST", "/v3/a?x=1", BODY)
        cases = [("POST", "/v3/a?x=1", BODY.replace("0001", "0002")),  # body byte
                 ("POST", "/v3/a?x=2", BODY),                           # query
                 ("PUT", "/v3/a?x=1", BODY)]                            # method
        with gw.client() as c:
            for method, url, body in cases:
                r = c.request(method, url, [("Authorization", auth)], body=body)
                body_json = self.assertJsonError(r, 401, "SIGN_ERROR")
                self.assertIn("sign", body_json["message"])
                self.assertSignedByPlatform(r)
            r = c.request("GET", "/v3/a")
            self.assertJsonError(r, 401, "SIGN_ERROR")
            r = c.request("GET", "/v3/a", [("Authorization", self.authorization(
                "GET", "/v3/a", mchid="1999999999"))])
            self.assertJsonError(r, 401, "SIGN_ERROR")
        self.assertEqual(self.b.request_count(), 0)
        text = self.metrics(gw)
        self.assertIn('paygate_signature_failures_total{reason="bad_signature"} 3', text)
        self.assertIn('paygate_signature_failures_total{reason="missing_authorization"} 1', text)
        self.assertIn('paygate_signature_failures_total{reason="unknown_merchant"} 1', text)

    def test_unverified_callers_get_one_message_and_the_log_says_why(self):
        config = self.keys.config()
        config["merchants"][0]["allowed_routes"] = ["pay"]
        gw = self.start(extra=config)
        cases = {"unknown_merchant": ("/v3/a", {"mchid": "1999999999"}),
                 "unknown_serial": ("/v3/a", {"serial": "0123ABCD"}),
                 "route_not_allowed": ("/v3/refund/r1", {}),
                 "bad_signature": ("/v3/a?tampered", {})}
        messages = set()
        with gw.client() as c:
            for reason, (url, who) in cases.items():
                auth = self.authorization("GET", url.split("?")[0], **who)
                r = c.request("GET", url, [("Authorization", auth)])
                messages.add(self.assertJsonError(r, 401, "SIGN_ERROR")["message"])
                self.assertSignedByPlatform(r)
        self.assertEqual(messages, {"signature verification failed"})
        self.assertEqual(self.b.request_count(), 0)
        text = self.metrics(gw)
        for reason in cases:
            self.assertIn('paygate_signature_failures_total{reason="%s"} 1' % reason, text)
            gw.wait_log('"status":401,.*"reason":"%s"' % reason)

    def short_lived_certificate(self, seconds):
        """A certificate for the merchant's key that expires `seconds` from now (paygate refuses
        to load an expired one, so it must expire while running); returns (file, serial)."""
        work = os.path.join(self.tmpdir, "short-ca")
        os.makedirs(work)
        serial = "5A" + secrets.token_hex(19).upper()
        with open(os.path.join(work, "serial"), "w") as f:
            f.write(serial + "\n")
        open(os.path.join(work, "index.txt"), "w").close()
        with open(os.path.join(work, "ca.cnf"), "w") as f:
            f.write("[ca]\ndefault_ca = short\n[short]\ndatabase = index.txt\n"
                    "new_certs_dir = .\nserial = serial\ndefault_md = sha256\npolicy = any\n"
                    "[any]\ncommonName = supplied\n")
        now = datetime.datetime.now(datetime.timezone.utc)
        stamp = lambda t: t.strftime("%Y%m%d%H%M%SZ")
        for argv in (["req", "-new", "-key", self.merchant_key, "-subj", "/CN=" + MCHID,
                      "-out", "c.csr"],
                     ["ca", "-batch", "-config", "ca.cnf", "-selfsign", "-keyfile",
                      self.merchant_key, "-in", "c.csr", "-out", "cert.pem", "-notext",
                      "-startdate", stamp(now - datetime.timedelta(minutes=1)),
                      "-enddate", stamp(now + datetime.timedelta(seconds=seconds))]):
            p = subprocess.run(["openssl"] + argv, cwd=work, capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
        return os.path.join(work, "cert.pem"), serial, now.timestamp() + seconds

    def test_a_merchant_certificate_stops_verifying_when_it_expires(self):
        cert, serial, not_after = self.short_lived_certificate(seconds=12)
        config = self.keys.config()
        config["merchants"][0]["keys"] = [{"certificate": cert}]
        gw = self.start(extra=config)
        with gw.client() as c:
            r = c.request("GET", "/v3/a", [("Authorization", self.authorization(
                "GET", "/v3/a", serial=serial))])
            self.assertEqual(r.status, 200, r)
            time.sleep(max(0.0, not_after + 1.5 - time.time()))  # X.509 times are inclusive
            for _ in range(3):
                r = c.request("GET", "/v3/a", [("Authorization", self.authorization(
                    "GET", "/v3/a", serial=serial))])
                body = self.assertJsonError(r, 401, "SIGN_ERROR")
                self.assertEqual(body["message"], "the merchant certificate has expired")
        self.assertEqual(self.b.request_count(), 1)
        self.assertIn('paygate_signature_failures_total{reason="certificate_expired"} 3',
                      self.metrics(gw))
        gw.wait_log('"status":401,.*"reason":"certificate_expired"')
        self.assertEqual(len(re.findall("certificate %s expired at" % serial, gw.log())), 1,
                         gw.log())

    def test_a_repeated_authorization_is_refused_and_never_forwarded(self):
        gw = self.start()
        auth = self.authorization("GET", "/v3/a")
        other = self.authorization("GET", "/v3/a", mchid="1999999999")
        with gw.client() as c:
            for second in (other, auth):
                r = c.request("GET", "/v3/a", [("Authorization", auth), ("authorization", second)])
                body = self.assertJsonError(r, 401, "SIGN_ERROR")
                self.assertEqual(body["message"], "more than one Authorization header")
            self.assertEqual(c.request("GET", "/v3/a", [("Authorization", auth)]).status, 200)
        self.assertEqual(len(self.b.requests), 1)
        self.assertEqual(self.b.requests[0].header_all("Authorization"), [auth])
        self.assertIn('paygate_signature_failures_total{reason="duplicate_authorization"} 2',
                      self.metrics(gw))

    def test_replay_is_refused(self):
        gw = self.start()
        auth = self.authorization("GET", "/v3/order")
        with gw.client() as c:
            self.assertEqual(c.request("GET", "/v3/order", [("Authorization", auth)]).status, 200)
            r = c.request("GET", "/v3/order", [("Authorization", auth)])
            self.assertJsonError(r, 401, "SIGN_ERROR")
        self.assertEqual(self.b.request_count(), 1)
        self.assertIn('paygate_signature_failures_total{reason="replay"} 1', self.metrics(gw))

    def test_concurrent_replays_across_workers_all_refused_but_one(self):
        gw = self.start(workers=2)
        auth = self.authorization("GET", "/v3/race")
        statuses = []
        barrier = threading.Barrier(8)

        def attempt():
            with gw.client() as c:
                barrier.wait(timeout=10)
                statuses.append(c.request("GET", "/v3/race", [("Authorization", auth)]).status)

        threads = [threading.Thread(target=attempt) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        self.assertEqual(sorted(statuses), [200] + [401] * 7)
        self.assertEqual(self.b.request_count(), 1)

    def test_unsigned_route_is_untouched(self):
        gw = self.start()
        with gw.client() as c:
            r = c.request("GET", "/open/x", [("X-Pay-Mchid", "forged")])
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.header("Wechatpay-Signature"))
        self.assertFalse(self.b.requests[0].has_header("X-Pay-Mchid"))

    def test_a_signed_path_the_gateway_would_rewrite_is_refused(self):
        # The signature covers the path as sent; its normal form is what would be routed and
        # forwarded. When the two differ the request is refused, whatever the signature says.
        gw = self.start()
        with gw.client() as c:
            for url in ["/v3/pay//transactions", "/v3/pay/./transactions", "/%76%33/pay",
                        "/open/../v3/pay/transactions"]:
                with self.subTest(url=url):
                    r = c.request("GET", url, [("Authorization", self.authorization("GET", url))])
                    self.assertJsonError(r, 400, "PARAM_ERROR")
                    self.assertIn("normal form", r.json()["message"])
                    self.assertSignedByPlatform(r)
        self.assertEqual(self.b.request_count(), 0)

    def test_certificates_are_served_by_the_gateway(self):
        gw = self.start()
        with gw.client() as c:
            r = c.request("GET", "/v3/certificates",
                          [("Authorization", self.authorization("GET", "/v3/certificates"))])
            self.assertEqual(r.status, 200, r)
            self.assertSignedByPlatform(r)
            doc = json.loads(r.body)
            self.assertEqual(len(doc["data"]), 1)
            item = doc["data"][0]
            self.assertEqual(item["serial_no"], self.platform_serial)
            enc = item["encrypt_certificate"]
            self.assertEqual((enc["algorithm"], enc["associated_data"]),
                             ("AEAD_AES_256_GCM", "certificate"))
            unsigned = c.request("GET", "/v3/certificates")
            self.assertJsonError(unsigned, 401, "SIGN_ERROR")
        self.assertEqual(self.b.request_count(), 0)

    def test_paygate_call_verifies_the_signed_reply(self):
        gw = self.start()
        p = self.run_paygate("call", "--url", "http://127.0.0.1:%d/v3/certificates" % gw.port,
                             "--mchid", MCHID, "--serial", self.merchant_serial,
                             "--key", self.merchant_key, "--platform-cert", self.platform_cert,
                             timeout=30)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("signature: ok", p.stdout)


if __name__ == "__main__":
    harness.main()
