"""The merchant-side tools: `paygate keys new` writes a key pair, a certificate and an APIv3 key
with the right modes; `paygate sign` makes an Authorization header whose signature the openssl
CLI accepts; `paygate verify` accepts a good signature and rejects a tampered one;
`paygate encrypt` and `paygate decrypt` interoperate with `openssl pkeyutl` (RSA-OAEP and SM2);
`paygate call` sends a signed request through a running gateway to mockpay and prints the reply."""

import base64
import os
import re
import socket
import stat
import subprocess
import time
import unittest

import harness

MCHID = "1230000109"
JSAPI_BODY = ('{"appid":"wxd678efh567hg6787","mchid":"1230000109","description":"cli test",'
              '"out_trade_no":"cli_test_0001","notify_url":"https://merchant.example/notify",'
              '"amount":{"total":100,"currency":"CNY"},"payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9"}}')
AUTH_RE = re.compile(r'^(WECHATPAY2-[A-Z0-9-]+) (.*)$')


def auth_params(header):
    scheme, params = AUTH_RE.match(header).groups()
    return scheme, dict(re.findall(r'(\w+)="([^"]*)"', params))


class CliTest(harness.GatewayTestCase):
    def keys_new(self, *extra, mchid=MCHID):
        d = os.path.join(self.tmpdir, "keys")
        p = self.run_paygate("keys", "new", "--dir", d, "--mchid", mchid, *extra, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        serial = re.search(r"^serial: ([0-9A-F]+)$", p.stdout, re.M)
        self.assertTrue(serial, p.stdout)
        return d, serial.group(1), p.stdout

    def openssl(self, *args, data=None):
        return subprocess.run(["openssl"] + list(args), input=data, capture_output=True,
                              timeout=30)

    # -- keys new

    def test_keys_new_merchant_writes_key_cert_and_apiv3_key(self):
        d, serial, out = self.keys_new("--days", "30")
        base = os.path.join(d, MCHID + "_merchant")
        key, cert, apiv3 = base + ".key.pem", base + ".cert.pem", os.path.join(d, MCHID + ".apiv3")
        for path in (key, cert, apiv3):
            self.assertIn(path, out)
        self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(apiv3).st_mode), 0o600)
        self.assertNotIn("PRIVATE KEY", out)
        self.assertEqual(len(serial), 40)
        with open(apiv3) as f:
            self.assertRegex(f.read(), r"^[0-9A-Za-z]{32}\n$")
        # openssl agrees on the serial, the subject and that key and certificate belong together.
        p = self.openssl("x509", "-in", cert, "-noout", "-serial", "-subject", "-dates")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"serial=" + serial.encode(), p.stdout)
        self.assertIn(MCHID.encode(), p.stdout)
        pub_of_key = self.openssl("pkey", "-in", key, "-pubout").stdout
        pub_of_cert = self.openssl("x509", "-in", cert, "-noout", "-pubkey").stdout
        self.assertEqual(pub_of_key, pub_of_cert)
        self.assertEqual(self.openssl("verify", "-CAfile", cert, cert).returncode, 0)

    def test_keys_new_platform_sm2_and_refuses_to_overwrite(self):
        d, serial, out = self.keys_new("--role", "platform", "--algorithm", "sm2")
        base = os.path.join(d, MCHID + "_platform")
        self.assertTrue(os.path.exists(base + ".pub.pem"), out)
        self.assertFalse(os.path.exists(os.path.join(d, MCHID + ".apiv3")))
        p = self.openssl("x509", "-in", base + ".cert.pem", "-noout", "-text")
        self.assertIn(b"SM2", p.stdout)
        again = self.run_paygate("keys", "new", "--dir", d, "--mchid", MCHID, "--role", "platform")
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("already exists", again.stderr)
        bad = self.run_paygate("keys", "new", "--dir", d, "--mchid", "../x")
        self.assertNotEqual(bad.returncode, 0)

    # -- usage errors

    def test_usage_errors_exit_2_and_help_exits_0(self):
        missing = self.run_paygate("call", "--mchid", MCHID)
        self.assertEqual(missing.returncode, 2, missing.stderr)
        self.assertIn("required", missing.stderr)
        unknown = self.run_paygate("sign", "--no-such-option")
        self.assertEqual(unknown.returncode, 2, unknown.stderr)
        helped = self.run_paygate("call", "--help")
        self.assertEqual(helped.returncode, 0, helped.stderr)
        self.assertIn("--mchid", helped.stdout)

    # -- sign and verify

    def sign(self, key, serial, *extra):
        p = self.run_paygate("sign", "--mchid", MCHID, "--serial", serial, "--key", key, *extra)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip()

    def test_sign_matches_openssl(self):
        d, serial, _ = self.keys_new()
        key = os.path.join(d, MCHID + "_merchant.key.pem")
        cert = os.path.join(d, MCHID + "_merchant.cert.pem")
        body = '{"a":1}'
        header = self.sign(key, serial, "--method", "POST", "--url", "/v3/x?b=2&a=1",
                           "--body", body, "--timestamp", "1700000000", "--nonce", "N0NCE")
        scheme, params = auth_params(header)
        self.assertEqual(scheme, "WECHATPAY2-SHA256-RSA2048")
        self.assertEqual(params["mchid"], MCHID)
        self.assertEqual(params["serial_no"], serial)
        self.assertEqual(params["timestamp"], "1700000000")
        self.assertEqual(params["nonce_str"], "N0NCE")
        message = b"POST\n/v3/x?b=2&a=1\n1700000000\nN0NCE\n" + body.encode() + b"\n"
        msg_path = self.write_file("message.txt", message.decode())
        sig_path = os.path.join(self.tmpdir, "sig.bin")
        with open(sig_path, "wb") as f:
            f.write(base64.b64decode(params["signature"]))
        pub = os.path.join(self.tmpdir, "pub.pem")
        with open(pub, "wb") as f:
            f.write(self.openssl("x509", "-in", cert, "-noout", "-pubkey").stdout)
        p = self.openssl("dgst", "-sha256", "-verify", pub, "-signature", sig_path, msg_path)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        # RSA PKCS#1 v1.5 is deterministic: the same inputs give the same header.
        self.assertEqual(header, self.sign(key, serial, "--method", "POST", "--url",
                                           "/v3/x?b=2&a=1", "--body", body, "--timestamp",
                                           "1700000000", "--nonce", "N0NCE"))

    def test_sign_sm2_scheme_and_bad_values(self):
        d, serial, _ = self.keys_new("--algorithm", "sm2")
        key = os.path.join(d, MCHID + "_merchant.key.pem")
        header = self.sign(key, serial, "--method", "GET", "--url", "/v3/certificates")
        scheme, params = auth_params(header)
        self.assertEqual(scheme, "WECHATPAY2-SM2-WITH-SM3")
        self.assertRegex(params["nonce_str"], r"^[0-9A-Za-z]{32}$")
        p = self.run_paygate("sign", "--mchid", 'x"y', "--serial", serial, "--key", key,
                             "--method", "GET", "--url", "/v3/x")
        self.assertNotEqual(p.returncode, 0)
        p = self.run_paygate("sign", "--mchid", MCHID, "--serial", serial, "--key", key,
                             "--method", "GET", "--url", "/v3/x", "--timestamp", "-5")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("--timestamp", p.stderr)

    def test_verify_accepts_good_and_rejects_tampered(self):
        for algorithm in ("rsa", "sm2"):
            with self.subTest(algorithm=algorithm):
                d = os.path.join(self.tmpdir, algorithm)
                p = self.run_paygate("keys", "new", "--dir", d, "--mchid", MCHID, "--algorithm",
                                     algorithm, timeout=60)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.check_verify(os.path.join(d, MCHID + "_merchant"), algorithm)

    def check_verify(self, base, algorithm):
        key, cert = base + ".key.pem", base + ".cert.pem"
        header = self.sign(key, "00", "--method", "POST", "--url", "/v3/pay?x=1", "--body", "{}",
                           "--timestamp", "1700000000", "--nonce", "abc")
        sig = auth_params(header)[1]["signature"]
        request = ["verify", "--cert", cert, "--timestamp", "1700000000", "--nonce", "abc",
                   "--method", "POST", "--url", "/v3/pay?x=1", "--body", "{}"]
        good = self.run_paygate(*request, "--signature", sig)
        self.assertEqual((good.returncode, good.stdout.strip()), (0, "ok"), good.stderr)
        tampered = self.run_paygate(*[a if a != "{}" else "{ }" for a in request],
                                    "--signature", sig)
        self.assertEqual(tampered.returncode, 1, tampered.stdout + tampered.stderr)
        self.assertIn("failed", tampered.stdout)
        other_sig = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
        self.assertEqual(self.run_paygate(*request, "--signature", other_sig).returncode, 1)
        skewed = self.run_paygate(*request, "--signature", sig, "--now", "1700001000")
        self.assertEqual(skewed.returncode, 1)
        self.assertIn("too far", skewed.stdout)
        # A response signature (TS\nNONCE\nBODY\n), made here by openssl.
        digest = ["-sha256"] if algorithm == "rsa" else ["-sm3", "-sigopt",
                                                         "distid:1234567812345678"]
        raw = self.openssl("dgst", *digest, "-sign", key, data=b'1700000000\nn1\n{"ok":1}\n')
        self.assertEqual(raw.returncode, 0, raw.stderr)
        response = ["verify", "--cert", cert, "--timestamp", "1700000000", "--nonce", "n1",
                    "--signature", base64.b64encode(raw.stdout).decode()]
        good = self.run_paygate(*response, "--body", '{"ok":1}')
        self.assertEqual(good.returncode, 0, good.stdout + good.stderr)
        self.assertEqual(self.run_paygate(*response, "--body", '{"ok":0}').returncode, 1)

    # -- encrypt and decrypt (sensitive fields)

    def paygate_with_input(self, data, *args):
        return subprocess.run([harness.PAYGATE_BIN] + list(args), input=data, capture_output=True,
                              text=True, timeout=10)

    def platform_keys(self, algorithm):
        d = os.path.join(self.tmpdir, "sensitive_" + algorithm)
        p = self.run_paygate("keys", "new", "--dir", d, "--mchid", MCHID, "--role", "platform",
                             "--algorithm", algorithm, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        base = os.path.join(d, MCHID + "_platform")
        return base + ".key.pem", base + ".cert.pem", base + ".pub.pem"

    def test_encrypt_decrypt_interoperate_with_openssl(self):
        oaep = ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha1",
                "-pkeyopt", "rsa_mgf1_md:sha1"]
        for algorithm in ("rsa", "sm2"):
            with self.subTest(algorithm=algorithm):
                key, cert, pub = self.platform_keys(algorithm)
                options = oaep if algorithm == "rsa" else []
                # ours -> ours, plaintext and ciphertext through stdin
                enc = self.paygate_with_input("张三\n", "encrypt", "--cert", cert)
                self.assertEqual(enc.returncode, 0, enc.stderr)
                dec = self.paygate_with_input(enc.stdout, "decrypt", "--key", key)
                self.assertEqual((dec.returncode, dec.stdout), (0, "张三\n"), dec.stderr)
                # ours -> openssl
                enc = self.run_paygate("encrypt", "--public-key", pub, "13800138000")
                self.assertEqual(enc.returncode, 0, enc.stderr)
                p = self.openssl("pkeyutl", "-decrypt", "-inkey", key, *options,
                                 data=base64.b64decode(enc.stdout))
                self.assertEqual((p.returncode, p.stdout), (0, b"13800138000"), p.stderr)
                # openssl -> ours
                p = self.openssl("pkeyutl", "-encrypt", "-pubin", "-inkey", pub, *options,
                                 data="李四".encode())
                self.assertEqual(p.returncode, 0, p.stderr)
                dec = self.run_paygate("decrypt", "--key", key,
                                       base64.b64encode(p.stdout).decode())
                self.assertEqual((dec.returncode, dec.stdout), (0, "李四\n"), dec.stderr)

    def test_encrypt_decrypt_refuse_clearly(self):
        key, cert, _ = self.platform_keys("rsa")
        too_long = self.run_paygate("encrypt", "--cert", cert, "x" * 215)
        self.assertEqual(too_long.returncode, 2)
        self.assertIn("at most 214", too_long.stderr)
        enc = self.run_paygate("encrypt", "--cert", cert, "x" * 214)
        self.assertEqual(enc.returncode, 0, enc.stderr)
        d, _, _ = self.keys_new()  # another RSA key
        other_key = os.path.join(d, MCHID + "_merchant.key.pem")
        wrong = self.run_paygate("decrypt", "--key", other_key, enc.stdout.strip())
        self.assertEqual(wrong.returncode, 1)
        self.assertIn("does not decrypt", wrong.stderr)
        self.assertEqual(wrong.stdout, "")
        self.assertEqual(self.run_paygate("decrypt", "--key", key, "not base64!").returncode, 2)

    # -- call through a gateway to mockpay

    def test_call_through_gateway_prints_prepay_id(self):
        d, serial, _ = self.keys_new()
        key = os.path.join(d, MCHID + "_merchant.key.pem")
        self.keys_new("--role", "platform")
        platform_cert = os.path.join(d, MCHID + "_platform.cert.pem")
        mock = self.mockpay()
        gw = self.gateway(clusters=[harness.cluster("mockpay", mock.port)],
                          routes=[harness.route("v3", "/v3/", "mockpay")])
        url = "http://%s:%d/v3/pay/transactions/jsapi" % (harness.HOST, gw.port)
        p = self.run_paygate("call", "--url", url, "--mchid", MCHID, "--serial", serial,
                             "--key", key, "--body", JSAPI_BODY)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"^HTTP/1.1 200 ")
        self.assertRegex(p.stdout, r'"prepay_id":"wx[0-9A-Za-z]+"')
        # With a platform certificate the reply's signature is checked; until the gateway signs
        # responses it has no Wechatpay-* headers, which is a failed verification.
        p = self.run_paygate("call", "--url", url, "--mchid", MCHID, "--serial", serial,
                             "--key", key, "--body", JSAPI_BODY, "--platform-cert", platform_cert)
        self.assertIn('"prepay_id"', p.stdout)
        if "Wechatpay-Signature" in p.stdout:
            self.assertIn("signature: ", p.stdout)
        else:
            self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
            self.assertIn("signature: failed (missing Wechatpay-* headers)", p.stdout)

    def test_call_verifies_a_signed_reply(self):
        d, serial, _ = self.keys_new()
        key = os.path.join(d, MCHID + "_merchant.key.pem")
        _, platform_serial, _ = self.keys_new("--role", "platform")
        platform_key = os.path.join(d, MCHID + "_platform.key.pem")
        platform_cert = os.path.join(d, MCHID + "_platform.cert.pem")
        body = b'{"prepay_id":"wx0001"}'
        tamper = []

        def signed_reply(req, conn):
            del req, conn
            ts = str(int(time.time()))
            message = ts.encode() + b"\nn0nce\n" + body + b"\n"
            sig = self.openssl("dgst", "-sha256", "-sign", platform_key, data=message).stdout
            headers = {"Content-Type": "application/json", "Wechatpay-Timestamp": ts,
                       "Wechatpay-Nonce": "n0nce", "Wechatpay-Serial": platform_serial,
                       "Wechatpay-Signature": base64.b64encode(sig).decode()}
            return harness.reply(200, body.replace(b"1", b"2") if tamper else body, headers)

        backend = self.backend(signed_reply)
        gw = self.gateway(clusters=[harness.cluster("b", backend.port)],
                          routes=[harness.route("all", "/", "b")])
        args = ["call", "--url", "http://%s:%d/v3/pay/transactions/jsapi" % (harness.HOST, gw.port),
                "--mchid", MCHID, "--serial", serial, "--key", key, "--body", "{}",
                "--platform-cert", platform_cert]
        p = self.run_paygate(*args)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("signature: ok (serial %s)" % platform_serial, p.stdout)
        # The request carried the merchant's signature and named the platform key it holds.
        sent = backend.requests[-1]
        self.assertTrue(sent.header("Authorization").startswith("WECHATPAY2-SHA256-RSA2048 "))
        self.assertEqual(sent.header("Wechatpay-Serial"), platform_serial)
        tamper.append(True)
        p = self.run_paygate(*args)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("signature: failed (sign not match)", p.stdout)

    def test_call_over_https_verifies_the_gateway_certificate(self):
        d, serial, _ = self.keys_new()
        key = os.path.join(d, MCHID + "_merchant.key.pem")
        tls_dir = os.path.join(self.tmpdir, "tls")
        made = self.run_paygate("keys", "new", "--role", "tls", "--dir", tls_dir,
                                "--name", "gw.test", "--name", "127.0.0.1")
        self.assertEqual(made.returncode, 0, made.stdout + made.stderr)
        self.assertIn("tls-server.key.pem (server private key, mode 0600)", made.stdout)
        backend = self.backend()
        gw = self.gateway(clusters=[harness.cluster("b", backend.port)],
                          routes=[harness.route("all", "/", "b")],
                          listener={"tls": {"certificates": [
                              {"certificate_file": tls_dir + "/tls-server.cert.pem",
                               "key_file": tls_dir + "/tls-server.key.pem"}]}})
        args = ["call", "--url", "https://%s:%d/v3/pay/x" % (harness.HOST, gw.port),
                "--mchid", MCHID, "--serial", serial, "--key", key, "--body", "{}"]
        p = self.run_paygate(*args, "--cacert", tls_dir + "/tls-ca.cert.pem")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"^HTTP/2 200 ")  # the gateway chose h2 by ALPN
        self.assertEqual(backend.requests[-1].target, "/v3/pay/x")
        self.assertEqual(backend.requests[-1].body, b"{}")
        # A listener without HTTP/2 is spoken to in HTTP/1.1 over the same TLS.
        gw11 = self.gateway(clusters=[harness.cluster("b", backend.port)],
                            routes=[harness.route("all", "/", "b")],
                            listener={"http2": {"enabled": False}, "tls": {"certificates": [
                                {"certificate_file": tls_dir + "/tls-server.cert.pem",
                                 "key_file": tls_dir + "/tls-server.key.pem"}]}},
                            name="paygate-h1")
        p11 = self.run_paygate("call", "--url", "https://%s:%d/v3/pay/x" % (harness.HOST, gw11.port),
                               "--mchid", MCHID, "--serial", serial, "--key", key, "--body", "{}",
                               "--cacert", tls_dir + "/tls-ca.cert.pem")
        self.assertEqual(p11.returncode, 0, p11.stdout + p11.stderr)
        self.assertRegex(p11.stdout, r"^HTTP/1.1 200 ")
        # Without the CA the system's bundle does not know it: nothing is sent.
        p = self.run_paygate(*args)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("certificate verify failed", p.stderr)
        self.assertEqual(backend.request_count(), 2)  # the two calls above, not this one

    def test_call_reports_bad_urls_and_dead_ports(self):
        d, serial, _ = self.keys_new()
        key = os.path.join(d, MCHID + "_merchant.key.pem")
        args = ["--mchid", MCHID, "--serial", serial, "--key", key]
        p = self.run_paygate("call", "--url", "ftp://127.0.0.1/v3/x", *args)
        self.assertEqual(p.returncode, 2)
        self.assertIn("not an http:// or https:// URL", p.stderr)
        dead = harness.free_port()
        p = self.run_paygate("call", "--url", "http://127.0.0.1:%d/v3/x" % dead, *args,
                             "--timeout", "3")
        self.assertEqual(p.returncode, 2)
        self.assertIn("connect", p.stderr)
        silent = socket.socket()  # accepts, never answers
        self.addCleanup(silent.close)
        silent.bind((harness.HOST, 0))
        silent.listen(4)
        url = "http://%s:%d/v3/x" % (harness.HOST, silent.getsockname()[1])
        p = self.run_paygate("call", "--url", url, *args, "--timeout", "1")
        self.assertEqual(p.returncode, 2)
        self.assertIn("timed out", p.stderr)


if __name__ == "__main__":
    unittest.main()
