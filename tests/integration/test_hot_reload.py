"""Hot reload by file watch (no SIGHUP): a changed config file is loaded; a merchant key and the
platform key are rotated under signed load with zero failed requests; a broken key file is
refused (old snapshot kept, failure logged and counted) and retried when fixed; certificates
export their expiry; a certificate that is expired or does not match its key stops the start."""

import base64
import hashlib
import os
import re
import secrets
import shutil
import subprocess
import threading
import time
import unittest

import harness
from harness import reply

MCHID = "1230000109"


# ---------------------------------------------------------------- signing without a subprocess

def _der(data, i):
    """One DER element at data[i:]: (tag, contents, index after it)."""
    tag, length = data[i], data[i + 1]
    i += 2
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(data[i:i + n], "big")
        i += n
    return tag, data[i:i + length], i + length


def _children(data):
    out, i = [], 0
    while i < len(data):
        tag, value, i = _der(data, i)
        out.append((tag, value))
    return out


class RsaSigner:
    """SHA256withRSA (PKCS#1 v1.5) with a PEM private key, in plain Python: signed requests at
    load without one `paygate sign` process each. The gateway checking them is the test."""

    DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")

    def __init__(self, key_file, serial):
        self.serial = serial
        with open(key_file) as f:
            der = base64.b64decode("".join(l for l in f if not l.startswith("-----")))
        items = _children(_der(der, 0)[1])
        if items[1][0] == 0x30:  # PKCS#8: the RSAPrivateKey is inside an OCTET STRING
            items = _children(_der(items[2][1], 0)[1])
        (self.n, _, _, self.p, self.q, self.dp, self.dq,
         self.qinv) = [int.from_bytes(v, "big") for _, v in items[1:9]]
        self.size = (self.n.bit_length() + 7) // 8

    def signature(self, message):
        t = self.DIGEST_INFO + hashlib.sha256(message).digest()
        em = b"\x00\x01" + b"\xff" * (self.size - len(t) - 3) + b"\x00" + t
        m = int.from_bytes(em, "big")
        s1, s2 = pow(m, self.dp, self.p), pow(m, self.dq, self.q)
        s = s2 + ((self.qinv * (s1 - s2)) % self.p) * self.q
        return base64.b64encode(s.to_bytes(self.size, "big")).decode()

    def authorization(self, method, url, body=b"", mchid=MCHID):
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        message = b"%s\n%s\n%s\n%s\n%s\n" % (method.encode(), url.encode(), timestamp.encode(),
                                              nonce.encode(), body)
        return ('WECHATPAY2-SHA256-RSA2048 mchid="%s",nonce_str="%s",timestamp="%s",'
                'serial_no="%s",signature="%s"' % (mchid, nonce, timestamp, self.serial,
                                                   self.signature(message)))


class SignedLoad:
    """Client threads sending freshly signed GETs over keep-alive connections to the signed
    route until stop(); switch() changes the key they sign with. Every answer but a 200 is a
    failure; the Wechatpay-Serial of each reply is kept in order."""

    def __init__(self, gw, signer, threads=3):
        self.gw = gw
        self.signer = signer
        self.lock = threading.Lock()
        self.ok = {}          # merchant serial -> 200s
        self.failures = []
        self.reply_serials = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,)) for i in range(threads)]

    def __enter__(self):
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def switch(self, signer):
        with self.lock:
            self.signer = signer

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(20)

    def count(self):
        with self.lock:
            return sum(self.ok.values())

    def wait_for(self, n, timeout=10):
        """Waits until n more requests have succeeded."""
        target = self.count() + n
        harness.wait_until(lambda: self.count() >= target or self.failures, timeout, 0.02,
                           "%d more signed requests" % n)

    def _run(self, index):
        n = 0
        while not self._stop.is_set():
            try:
                with self.gw.client(timeout=5) as c:
                    for _ in range(50):
                        if self._stop.is_set():
                            break
                        with self.lock:
                            signer = self.signer
                        path = "/v3/load/%d/%d" % (index, n)
                        n += 1
                        r = c.request("GET", path, [("Authorization",
                                                     signer.authorization("GET", path))])
                        with self.lock:
                            if r.status != 200:
                                self.failures.append("%s with %s: %r" % (path, signer.serial, r))
                            else:
                                self.ok[signer.serial] = self.ok.get(signer.serial, 0) + 1
                                self.reply_serials.append(r.header("Wechatpay-Serial"))
            except Exception as e:  # any failure at all is a test failure
                with self.lock:
                    self.failures.append("thread %d: %r" % (index, e))


# ---------------------------------------------------------------- tests

class HotReloadTest(harness.GatewayTestCase):
    def setUp(self):
        self.keys = harness.PlatformKeys(self, MCHID)
        self.signer_a = RsaSigner(self.keys.merchant_key, self.keys.merchant_serial)
        self.b = self.backend(lambda req, conn: reply(200, b'{"ok":true}',
                                                      [("Content-Type", "application/json")]))

    def new_keys(self, name, *args):
        """`paygate keys new` into tmpdir/NAME; returns (serial, key file, certificate file)."""
        directory = os.path.join(self.tmpdir, name)
        p = self.run_paygate("keys", "new", "--dir", directory, *args, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        serial = re.search(r"^serial: ([0-9A-F]+)$", p.stdout, re.M).group(1)
        role = "platform" if "platform" in args else "merchant"
        prefix = os.path.join(directory, "%s_%s" % (args[args.index("--mchid") + 1], role))
        return serial, prefix + ".key.pem", prefix + ".cert.pem"

    def key_sections(self, merchant_certs=None):
        sections = self.keys.config()
        if merchant_certs is not None:
            sections["merchants"][0]["keys"] = [{"certificate": c} for c in merchant_certs]
        return sections

    def start(self, merchant_certs=None, workers=2):
        self.gw = self.gateway(clusters=[harness.cluster("b", self.b.port)], routes=self.routes(),
                               workers=workers, extra=self.key_sections(merchant_certs))
        return self.gw

    def routes(self, *extra):
        return [harness.route("pay", "/v3/", "b", verify="merchant", sign="platform"),
                harness.route("api", "/api/", "b")] + list(extra)

    def rewrite(self, merchant_certs=None, extra_routes=()):
        """Writes a new config file (by rename, as deploy tools do); no SIGHUP."""
        config = dict(self.gw.config)
        config.update(self.key_sections(merchant_certs))
        config["routes"] = self.routes(*extra_routes)
        self.gw.write_config(config)

    def metrics(self):
        return harness.http_get(self.gw.admin_port, "/metrics", timeout=2)[1].decode()

    def reloads(self, result):
        m = re.search(r'^paygate_config_reloads_total\{result="%s"\} (\d+)' % result,
                      self.metrics(), re.M)
        return int(m.group(1)) if m else 0

    def wait_reloads(self, result, n, timeout=5):
        harness.wait_until(lambda: self.reloads(result) >= n, timeout, 0.05,
                           "%d reload(s) with result %s" % (n, result))
        # Workers adopt a snapshot by post(): give them a moment after the count moved.
        time.sleep(0.1)

    def replace_file(self, path, source=None, text=None):
        """Replaces `path` by rename, from a copy of `source` or with `text`."""
        tmp = path + ".new"
        if source is not None:
            shutil.copyfile(source, tmp)
        else:
            with open(tmp, "w") as f:
                f.write(text)
        os.replace(tmp, path)

    def signed_status(self, signer, path="/v3/check"):
        with self.gw.client() as c:
            return c.request("GET", path, [("Authorization", signer.authorization("GET", path))])

    # (a)
    def test_config_file_change_is_loaded_without_sighup(self):
        self.start(workers=1)
        with self.gw.client() as c:
            self.assertJsonError(c.request("GET", "/new/x"), 404)
        self.rewrite(extra_routes=[harness.route("new", "/new/", "b")])
        self.wait_reloads("success", 1)
        self.gw.wait_log(r"reloading \S+paygate\.yaml \(\S+paygate\.yaml changed\)")
        self.gw.wait_log(r"config generation 2 loaded")
        with self.gw.client() as c:
            self.assertEqual(c.request("GET", "/new/x").status, 200)
        # A file next to the config file that the config does not name changes nothing.
        self.write_file("unrelated.txt", "x")
        time.sleep(0.6)
        self.assertEqual(self.reloads("success"), 1)
        self.assertEqual(self.reloads("failure"), 0)

    def test_sighup_after_a_write_loads_once(self):
        self.start(workers=1)
        self.rewrite(extra_routes=[harness.route("new", "/new/", "b")])
        self.gw.reload()
        self.wait_reloads("success", 1)
        time.sleep(0.6)  # past the watch debounce: the event finds nothing new
        self.assertEqual(self.reloads("success"), 1)
        self.assertNotIn("generation 3", self.gw.log())

    def test_watch_can_be_switched_off(self):
        self.start(workers=1)
        config = dict(self.gw.config)
        config["reload"] = {"watch": False}
        self.gw.write_config(config)
        self.wait_reloads("success", 1)  # this change is still seen
        self.rewrite(extra_routes=[harness.route("new", "/new/", "b")])
        time.sleep(0.6)
        self.assertEqual(self.reloads("success"), 1)
        self.gw.reload()
        self.wait_reloads("success", 2)

    # (b)
    def test_merchant_key_rotation_under_load_fails_no_request(self):
        serial_b, key_b, cert_b = self.new_keys("keys_b", "--mchid", MCHID)
        signer_b = RsaSigner(key_b, serial_b)
        self.start()
        with SignedLoad(self.gw, self.signer_a) as load:
            load.wait_for(100)
            # 1. add B beside A: both valid (the overlap window)
            self.rewrite(merchant_certs=[self.keys.merchant_cert, cert_b])
            self.wait_reloads("success", 1)
            load.wait_for(50)
            # 2. the merchant switches to B
            load.switch(signer_b)
            load.wait_for(100)
            # 3. remove A
            self.rewrite(merchant_certs=[cert_b])
            self.wait_reloads("success", 2)
            load.wait_for(100)
        self.assertEqual(load.failures, [])
        self.assertGreaterEqual(load.ok.get(self.keys.merchant_serial, 0), 150, load.ok)
        self.assertGreaterEqual(load.ok.get(serial_b, 0), 200, load.ok)
        print("\nmerchant rotation: %r 200s by merchant serial, 0 failures" % load.ok)
        # 4. A is refused now
        self.assertJsonError(self.signed_status(self.signer_a), 401, "SIGN_ERROR")
        self.assertEqual(self.signed_status(signer_b).status, 200)
        self.assertIn('paygate_signature_failures_total{reason="unknown_serial"} 1', self.metrics())

    # (c)
    def test_platform_key_replaced_by_rename_under_load_fails_no_request(self):
        serial_p2, key_p2, cert_p2 = self.new_keys("platform2", "--mchid", "platform",
                                                   "--role", "platform")
        old_serial = self.keys.platform_serial
        self.start()
        with SignedLoad(self.gw, self.signer_a) as load:
            load.wait_for(100)
            self.replace_file(self.keys.platform_key, source=key_p2)
            self.replace_file(self.keys.platform_cert, source=cert_p2)
            self.wait_reloads("success", 1)
            load.wait_for(100)
        self.assertEqual(load.failures, [])
        serials = load.reply_serials
        self.assertEqual(set(serials), {old_serial, serial_p2})
        switch = serials.index(serial_p2)
        self.assertGreater(switch, 0)
        # After the first reply signed with the new key, the old one signs nothing more (beyond
        # the few requests other workers had in flight when they adopted the snapshot).
        self.assertLessEqual(serials[switch:].count(old_serial), 6, serials[switch:])
        self.assertEqual(serials[-50:], [serial_p2] * 50)
        print("\nplatform rotation: %d replies (%d before the switch), 0 failures"
              % (len(serials), switch))
        r = self.signed_status(self.signer_a, "/v3/after")
        self.assertEqual(r.header("Wechatpay-Serial"), serial_p2)
        p = self.run_paygate("verify", "--cert", cert_p2,
                             "--timestamp", r.header("Wechatpay-Timestamp"),
                             "--nonce", r.header("Wechatpay-Nonce"),
                             "--signature", r.header("Wechatpay-Signature"),
                             "--body", r.body.decode())
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    # (d)
    def test_broken_key_file_keeps_the_old_snapshot_and_is_retried(self):
        self.start()
        good = os.path.join(self.tmpdir, "good.cert.pem")
        shutil.copyfile(self.keys.merchant_cert, good)
        with SignedLoad(self.gw, self.signer_a) as load:
            load.wait_for(50)
            self.replace_file(self.keys.merchant_cert,
                              text="-----BEGIN CERTIFICATE-----\nnot a certificate\n")
            self.wait_reloads("failure", 1)
            self.gw.wait_log(r"reload rejected: \S+paygate\.yaml:\d+:\d+: "
                             r"merchants\[0\]\.keys\[0\]\.certificate: ")
            load.wait_for(100)
            self.assertIn('"generation":1', harness.http_get(self.gw.admin_port, "/config")[1]
                          .decode().replace(" ", ""))
            # Fixing the file retries the reload.
            self.replace_file(self.keys.merchant_cert, source=good)
            self.wait_reloads("success", 1)
            load.wait_for(50)
        self.assertEqual(load.failures, [])
        self.assertEqual(self.reloads("failure"), 1)
        print("\nbroken key file: %d requests, 0 failures" % sum(load.ok.values()))

    def test_certificate_expiry_is_exported_and_warned(self):
        serial_b, _, cert_b = self.new_keys("soon", "--mchid", MCHID, "--days", "10")
        self.start(merchant_certs=[self.keys.merchant_cert, cert_b], workers=1)
        self.gw.wait_log(r"merchants\[0\]\.keys\[1\]\.certificate: \S+: the certificate "
                         r"expires on")
        text = self.metrics()

        def left(role, mchid, serial):
            m = re.search(r'^paygate_certificate_expiry_seconds\{role="%s",mchid="%s",'
                          r'serial="%s"\} (\S+)$' % (role, mchid, serial), text, re.M)
            self.assertTrue(m, text)
            return float(m.group(1))
        day = 86400
        self.assertTrue(9 * day < left("merchant", MCHID, serial_b) <= 10 * day)
        self.assertGreater(left("merchant", MCHID, self.keys.merchant_serial), 3000 * day)
        self.assertGreater(left("platform", "", self.keys.platform_serial), 3000 * day)
        # A shorter warning window: no warning for the 10-day certificate on the next load.
        config = dict(self.gw.config)
        config["platform"] = dict(config["platform"], certificate_expiry_warning="48h")
        self.gw.write_config(config)
        self.wait_reloads("success", 1)
        self.assertEqual(len(re.findall(r"the certificate expires on", self.gw.log())), 1)


# (e)
class StartRefusedTest(harness.GatewayTestCase):
    def setUp(self):
        self.keys = harness.PlatformKeys(self, MCHID)

    def write_config(self, platform_key, platform_cert):
        config = harness.gateway_config(harness.free_port(), harness.free_port(),
                                        [harness.cluster("b", harness.free_port())],
                                        [harness.route("pay", "/v3/", "b", verify="merchant")],
                                        extra=self.keys.config())
        config["platform"]["keys"] = [{"private_key": platform_key,
                                       "certificate": platform_cert}]
        return self.write_file("bad.yaml", harness.to_yaml(config) + "\n")

    def assertRefused(self, path, message):
        p = self.run_paygate("check", "-c", path)
        self.assertNotEqual(p.returncode, 0, p.stdout)
        self.assertRegex(p.stderr, message)
        p = self.run_paygate("run", "-c", path)
        self.assertNotEqual(p.returncode, 0, p.stdout)
        self.assertRegex(p.stderr, message)

    def test_key_not_matching_its_certificate(self):
        path = self.write_config(self.keys.merchant_key, self.keys.platform_cert)
        self.assertRefused(path, r"platform\.keys\[0\]\.private_key: \S+merchant\.key\.pem: "
                                 r"not the private key of \S+platform\.cert\.pem")

    @unittest.skipUnless(shutil.which("openssl"), "needs the openssl command")
    def test_expired_certificate(self):
        ca = os.path.join(self.tmpdir, "ca")
        os.mkdir(ca)
        with open(os.path.join(ca, "ca.cnf"), "w") as f:
            f.write("[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = .\n"
                    "serial = serial\ndefault_md = sha256\npolicy = p\n[p]\n"
                    "commonName = supplied\n")
        open(os.path.join(ca, "index.txt"), "w").close()
        with open(os.path.join(ca, "serial"), "w") as f:
            f.write("01\n")
        run = lambda *args: subprocess.run(["openssl"] + list(args), cwd=ca, check=True,
                                           capture_output=True, timeout=60)
        run("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "k.pem", "-out", "r.csr",
            "-subj", "/CN=expired")
        run("ca", "-batch", "-config", "ca.cnf", "-selfsign", "-keyfile", "k.pem", "-in", "r.csr",
            "-out", "c.pem", "-startdate", "20200101000000Z", "-enddate", "20210101000000Z")
        path = self.write_config(os.path.join(ca, "k.pem"), os.path.join(ca, "c.pem"))
        self.assertRefused(path, r"platform\.keys\[0\]\.certificate: \S+c\.pem: the certificate "
                                 r"expired on 2021-01-01")


if __name__ == "__main__":
    harness.main()
