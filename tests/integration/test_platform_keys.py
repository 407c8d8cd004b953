"""Which platform key signs a reply, on real processes (docs/protocol.md §2).

With two platform keys configured, a request whose Wechatpay-Serial names the second key gets a
reply signed with it (the gateway's own errors too); without the header, or with a serial no key
has, the first key signs. A platform key in public-key mode (`public_key` + `serial:
PUB_KEY_ID_...`, no certificate) signs with its id, is not listed by GET /v3/certificates, and
`paygate call --platform-public-key ... --platform-public-key-id ...` verifies its replies."""

import os
import re
import unittest

import harness
from harness import reply

MCHID = "1230000109"
PUB_KEY_ID = "PUB_KEY_ID_0114232134912410000000000000000001"


class PlatformKeyTestCase(harness.GatewayTestCase):
    def setUp(self):
        self.keys = harness.PlatformKeys(self, MCHID)
        self.b = self.backend(lambda req, conn: reply(200, b'{"ok":true}',
                                                      [("Content-Type", "application/json")]))

    def second_platform_key(self):
        """Another platform key pair: (serial, key, certificate, public key) file paths."""
        d = os.path.join(self.tmpdir, "second")
        p = self.run_paygate("keys", "new", "--dir", d, "--mchid", "platform2", "--role",
                             "platform", timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        serial = re.search(r"^serial: ([0-9A-F]+)$", p.stdout, re.M).group(1)
        base = os.path.join(d, "platform2_platform")
        return serial, base + ".key.pem", base + ".cert.pem", base + ".pub.pem"

    def start(self, platform_keys):
        config = self.keys.config()
        config["platform"] = {"keys": platform_keys}
        routes = [harness.route("pay", "/v3/", "b", verify="merchant", sign="platform")]
        return self.gateway(clusters=[harness.cluster("b", self.b.port)], routes=routes,
                            extra=config)

    def authorization(self, method, url, body=""):
        p = self.run_paygate("sign", "--mchid", MCHID, "--serial", self.keys.merchant_serial,
                             "--key", self.keys.merchant_key, "--method", method, "--url", url,
                             "--body", body)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip()

    def assertSignedWith(self, r, serial, verify_option, verify_file):
        """The reply names `serial` and its signature verifies with that key (and only that)."""
        self.assertEqual(r.header("Wechatpay-Serial"), serial, r)
        p = self.run_paygate("verify", verify_option, verify_file,
                             "--timestamp", r.header("Wechatpay-Timestamp"),
                             "--nonce", r.header("Wechatpay-Nonce"),
                             "--signature", r.header("Wechatpay-Signature"),
                             "--body", r.body.decode())
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


class ReplyKeyByRequestSerialTest(PlatformKeyTestCase):
    def setUp(self):
        super().setUp()
        self.second_serial, key, self.second_cert, _ = self.second_platform_key()
        self.gw = self.start([{"private_key": self.keys.platform_key,
                               "certificate": self.keys.platform_cert},
                              {"private_key": key, "certificate": self.second_cert}])

    def get(self, c, path, serial=None, signed=True):
        headers = [("Authorization", self.authorization("GET", path))] if signed else []
        if serial is not None:
            headers.append(("Wechatpay-Serial", serial))
        return c.request("GET", path, headers)

    def test_the_named_key_signs_the_reply(self):
        with self.gw.client() as c:
            r = self.get(c, "/v3/a", self.second_serial)
            self.assertEqual(r.status, 200, r)
            self.assertSignedWith(r, self.second_serial, "--cert", self.second_cert)
            # Serials match ignoring case and leading zeros (Go and Java print them differently).
            r = self.get(c, "/v3/b", "00" + self.second_serial.lower())
            self.assertSignedWith(r, self.second_serial, "--cert", self.second_cert)
            r = self.get(c, "/v3/c", self.keys.platform_serial)
            self.assertSignedWith(r, self.keys.platform_serial, "--cert", self.keys.platform_cert)
        self.assertEqual(self.b.requests[0].header("Wechatpay-Serial"), self.second_serial)

    def test_without_the_header_or_with_an_unknown_serial_the_first_key_signs(self):
        with self.gw.client() as c:
            for serial in (None, "5157F09EFDC096DE15EBE81A47057A7232F1B8E1", PUB_KEY_ID, ""):
                r = self.get(c, "/v3/x", serial)
                self.assertEqual(r.status, 200, r)
                self.assertSignedWith(r, self.keys.platform_serial, "--cert",
                                      self.keys.platform_cert)

    def test_gateway_errors_follow_the_same_rule(self):
        with self.gw.client() as c:
            r = self.get(c, "/v3/refused", self.second_serial, signed=False)
            self.assertJsonError(r, 401, "SIGN_ERROR")
            self.assertSignedWith(r, self.second_serial, "--cert", self.second_cert)
            r = self.get(c, "/v3/refused", "ABCDEF", signed=False)
            self.assertJsonError(r, 401, "SIGN_ERROR")
            self.assertSignedWith(r, self.keys.platform_serial, "--cert", self.keys.platform_cert)
            r = self.get(c, "/v3/certificates", self.second_serial)
            self.assertEqual(r.status, 200, r)
            self.assertSignedWith(r, self.second_serial, "--cert", self.second_cert)
        self.assertEqual(self.b.request_count(), 0)

    def test_paygate_call_sends_its_first_certificate_serial(self):
        p = self.run_paygate("call", "--url", "http://%s:%d/v3/pay" % (harness.HOST, self.gw.port),
                             "--mchid", MCHID, "--serial", self.keys.merchant_serial,
                             "--key", self.keys.merchant_key, "--platform-cert", self.second_cert,
                             timeout=30)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("signature: ok (serial %s)" % self.second_serial, p.stdout)


class PublicKeyModeTest(PlatformKeyTestCase):
    def call(self, gw, path, *platform):
        return self.run_paygate("call", "--url", "http://%s:%d%s" % (harness.HOST, gw.port, path),
                                "--mchid", MCHID, "--serial", self.keys.merchant_serial,
                                "--key", self.keys.merchant_key, *platform, timeout=30)

    def public_key_entry(self):
        pub = os.path.join(self.keys.dir, "platform_platform.pub.pem")
        return pub, {"private_key": self.keys.platform_key, "public_key": pub,
                     "serial": PUB_KEY_ID}

    def test_call_verifies_replies_signed_in_public_key_mode(self):
        pub, entry = self.public_key_entry()
        gw = self.start([entry])
        p = self.call(gw, "/v3/pay/transactions/id/42", "--platform-public-key", pub,
                      "--platform-public-key-id", PUB_KEY_ID)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("Wechatpay-Serial: " + PUB_KEY_ID, p.stdout)
        self.assertIn("signature: ok (serial %s)" % PUB_KEY_ID, p.stdout)
        self.assertEqual(self.b.requests[0].header("Wechatpay-Serial"), PUB_KEY_ID)

    def test_call_with_the_wrong_public_key_fails_verification(self):
        _, entry = self.public_key_entry()
        gw = self.start([entry])
        _, _, _, other_pub = self.second_platform_key()
        p = self.call(gw, "/v3/pay/transactions/id/42", "--platform-public-key", other_pub,
                      "--platform-public-key-id", PUB_KEY_ID)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("signature: failed (sign not match)", p.stdout)

    def test_call_options_are_checked(self):
        pub, _ = self.public_key_entry()
        url = "http://%s:1/v3/x" % harness.HOST
        base = ["call", "--url", url, "--mchid", MCHID, "--serial", self.keys.merchant_serial,
                "--key", self.keys.merchant_key]
        p = self.run_paygate(*base, "--platform-public-key", pub)
        self.assertNotEqual(p.returncode, 0, p.stdout + p.stderr)  # CLI11's own exit code
        self.assertIn("--platform-public-key requires --platform-public-key-id", p.stderr)
        p = self.run_paygate(*base, "--platform-public-key", self.keys.platform_cert,
                             "--platform-public-key-id", PUB_KEY_ID)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        help_text = self.run_paygate("call", "--help").stdout
        self.assertIn("--platform-public-key", help_text)
        self.assertIn("--platform-public-key-id", help_text)

    def test_certificates_endpoint_is_404_without_certificates(self):
        _, entry = self.public_key_entry()
        gw = self.start([entry])
        with gw.client() as c:
            r = c.request("GET", "/v3/certificates",
                          [("Authorization", self.authorization("GET", "/v3/certificates"))])
        self.assertJsonError(r, 404, "RESOURCE_NOT_EXISTS")

    def test_migration_replies_follow_the_key_the_merchant_holds(self):
        pub, entry = self.public_key_entry()
        serial, key, cert, _ = self.second_platform_key()
        gw = self.start([{"private_key": key, "certificate": cert}, entry])
        # A merchant still on certificates gets the certificate key and its listing ...
        p = self.call(gw, "/v3/certificates", "--platform-cert", cert)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("signature: ok (serial %s)" % serial, p.stdout)
        self.assertEqual(p.stdout.count('"serial_no"'), 1, p.stdout)
        # ... one that holds the public key gets replies signed with it.
        p = self.call(gw, "/v3/pay", "--platform-cert", cert, "--platform-public-key", pub,
                      "--platform-public-key-id", PUB_KEY_ID)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("signature: ok (serial %s)" % PUB_KEY_ID, p.stdout)

    def test_config_errors_are_clear(self):
        pub, entry = self.public_key_entry()
        del entry["serial"]
        config = harness.gateway_config(harness.free_port(), harness.free_port(),
                                        [harness.cluster("b", self.b.port)],
                                        [harness.route("pay", "/v3/", "b", sign="platform")],
                                        extra={"platform": {"keys": [entry]}})
        path = self.write_file("bad.yaml", harness.to_yaml(config) + "\n")
        p = self.run_paygate("check", "-c", path)
        self.assertNotEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("platform.keys[0].serial: a public_key needs its public-key id",
                      p.stdout + p.stderr)


if __name__ == "__main__":
    harness.main()
