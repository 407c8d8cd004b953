"""TLS listeners: a `listeners:` list with a cleartext and a TLS listener side by side,
certificates chosen by SNI, ALPN, minimum version, resumption (tickets and the session cache),
client certificates, the handshake and expiry metrics, config errors that name the file, and
certificates replaced under load without a failed request."""

import re
import ssl
import subprocess
import threading
import time
import unittest

import harness


class TlsListenerTest(harness.GatewayTestCase):
    def setUp(self):
        self.ca = harness.make_ca(self.tmpdir)
        self.a = harness.make_leaf(self.tmpdir, self.ca, "a", ["a.test"])
        self.b = harness.make_leaf(self.tmpdir, self.ca, "b", ["b.test"], ip=None)
        self.backend_ = self.backend(harness.echo_reply)

    def start(self, tls=None, certificates=None, workers=1, limits=None):
        """A gateway with a cleartext listener and a TLS one; returns (gateway, tls port)."""
        tls_port = harness.free_port()
        config = harness.gateway_config(harness.free_port(), harness.free_port(),
                                        [harness.cluster("b", self.backend_.port)],
                                        [harness.route("all", "/", "b")], workers=workers)
        cleartext = config.pop("listener")
        certificates = certificates or [self.a, self.b]
        secure = {"address": harness.HOST, "port": tls_port,
                  **({"limits": limits} if limits else {}),
                  "tls": {"certificates": [{"certificate_file": c.cert_file,
                                            "key_file": c.key_file} for c in certificates],
                          **(tls or {})}}
        config["listeners"] = [cleartext, secure]
        gw = harness.Gateway(self.tmpdir, config)
        self._track(gw.process)
        return gw.wait_ready(), tls_port

    def connect(self, port, server_name="a.test", **kw):
        session = kw.pop("session", None)
        return harness.Client(port, tls=harness.client_tls(self.ca, **kw),
                              server_name=server_name, session=session)

    def metric(self, gw, name, labels):
        text = harness.http_get(gw.admin_port, "/metrics", timeout=2)[1].decode()
        m = re.search(r"^%s\{%s\} (\S+)" % (re.escape(name), re.escape(labels)), text, re.M)
        return float(m.group(1)) if m else None

    def handshakes(self, gw, result):
        return self.metric(gw, "paygate_tls_handshakes_total", 'result="%s"' % result) or 0

    # -- serving

    def test_requests_pass_over_tls_and_cleartext_side_by_side(self):
        gw, port = self.start()
        with self.connect(port) as c:
            self.assertEqual(c.sock.version(), "TLSv1.3")
            self.assertEqual(c.sock.selected_alpn_protocol(), "http/1.1")
            for i in range(3):  # keep-alive over one TLS connection
                r = c.request("POST", "/pay/%d" % i, body=b"x" * 1000)
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.json()["target"], "/pay/%d" % i)
        with gw.client() as c:
            self.assertEqual(c.request("GET", "/plain").status, 200)
        self.assertEqual(self.handshakes(gw, "full"), 1)

    def test_sni_picks_the_certificate_and_an_unknown_name_gets_the_first(self):
        gw, port = self.start()
        for name, expected in (("a.test", self.a), ("b.test", self.b)):
            with self.connect(port, server_name=name) as c:
                self.assertEqual(c.request("GET", "/x").status, 200)
                self.assertEqual(self.serial_of(c), expected.serial())
        context = harness.client_tls(self.ca)
        context.check_hostname = False
        with harness.Client(port, tls=context, server_name="other.test") as c:
            self.assertEqual(self.serial_of(c), self.a.serial())
        with harness.Client(port, tls=context, server_name=None) as c:
            self.assertEqual(self.serial_of(c), self.a.serial())

    def serial_of(self, client):
        der = client.sock.getpeercert(binary_form=True)
        out = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-serial"],
                             input=der, capture_output=True, check=True).stdout.decode()
        return out.strip().split("=", 1)[1].upper()

    def test_alpn_without_a_common_protocol_fails_the_handshake(self):
        gw, port = self.start()
        with self.connect(port, alpn=("h2", "http/1.1")) as c:
            self.assertEqual(c.sock.selected_alpn_protocol(), "h2")  # test_http2 speaks it
        with self.connect(port, alpn=("spdy/3", "http/1.1")) as c:
            self.assertEqual(c.sock.selected_alpn_protocol(), "http/1.1")
        with self.assertRaises(ssl.SSLError) as raised:
            self.connect(port, alpn=("spdy/3",))
        self.assertIn("NO APPLICATION PROTOCOL", str(raised.exception).upper())
        harness.wait_until(lambda: self.handshakes(gw, "failed") == 1, 2, what="failed count")

    def test_min_version_13_refuses_a_tls12_client(self):
        gw, port = self.start(tls={"min_version": "1.3"})
        with self.assertRaises(ssl.SSLError):
            self.connect(port, max_version=ssl.TLSVersion.TLSv1_2)
        with self.connect(port) as c:
            self.assertEqual(c.request("GET", "/x").status, 200)

    def test_tls12_offers_only_aead_suites(self):
        gw, port = self.start()
        context = harness.client_tls(self.ca, max_version=ssl.TLSVersion.TLSv1_2)
        context.set_ciphers("ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA")  # CBC suites only
        with self.assertRaises(ssl.SSLError):
            harness.Client(port, tls=context, server_name="a.test")
        with self.connect(port, max_version=ssl.TLSVersion.TLSv1_2) as c:
            self.assertEqual(c.sock.version(), "TLSv1.2")
            cipher = c.sock.cipher()[0]
            self.assertTrue("GCM" in cipher or "CHACHA20" in cipher, cipher)
            self.assertEqual(c.request("GET", "/x").status, 200)

    def test_a_client_that_never_finishes_the_handshake_is_closed(self):
        gw, port = self.start(limits={"header_read_timeout": "300ms"})
        with harness.Client(port) as silent:
            started = time.monotonic()
            self.assertTrue(silent.closed_by_peer(3))
            self.assertLess(time.monotonic() - started, 2)
        with harness.Client(port) as plaintext:  # HTTP/1.1 spoken to a TLS port
            plaintext.send(harness.build_request("GET", "/x"))
            self.assertTrue(plaintext.closed_by_peer(3))
        harness.wait_until(lambda: self.handshakes(gw, "failed") == 2, 2, what="failed count")
        self.assertEqual(self.backend_.request_count(), 0)

    # -- resumption

    def resume_once(self, port, **kw):
        context = harness.client_tls(self.ca, **kw)
        first = harness.Client(port, tls=context, server_name="a.test")
        with first:
            self.assertEqual(first.request("GET", "/x").status, 200)  # the ticket comes after
            session = first.sock.session
        second = harness.Client(port, tls=context, server_name="a.test", session=session)
        with second:
            self.assertEqual(second.request("GET", "/y").status, 200)
            return second.sock.session_reused

    def test_tickets_resume_tls13_and_tls12_sessions(self):
        gw, port = self.start()
        self.assertTrue(self.resume_once(port))
        self.assertTrue(self.resume_once(port, max_version=ssl.TLSVersion.TLSv1_2))
        self.assertEqual(self.handshakes(gw, "resumed"), 2)
        self.assertEqual(self.handshakes(gw, "full"), 2)

    def test_the_session_cache_resumes_without_tickets(self):
        gw, port = self.start(tls={"session_tickets": False})
        self.assertTrue(self.resume_once(port, max_version=ssl.TLSVersion.TLSv1_2))
        gw2, port2 = self.start(tls={"session_tickets": False, "session_cache_size": 0})
        self.assertFalse(self.resume_once(port2, max_version=ssl.TLSVersion.TLSv1_2))

    def test_workers_resume_each_others_tickets(self):
        # The kernel spreads connections over the workers' sockets: a ticket one worker issued
        # is resumed by whichever worker the next connection reaches.
        gw, port = self.start(workers=2)
        resumed = [self.resume_once(port) for _ in range(8)]
        self.assertTrue(all(resumed), resumed)

    # -- client certificates

    def test_a_client_certificate_is_required_when_client_ca_file_is_set(self):
        client_ca = harness.make_ca(self.tmpdir, "client-ca")
        good = harness.make_leaf(self.tmpdir, client_ca, "merchant-client", ip=None)
        stranger = harness.make_leaf(self.tmpdir, harness.make_ca(self.tmpdir, "other-ca"),
                                     "stranger", ip=None)
        gw, port = self.start(tls={"client_ca_file": client_ca.cert_file})
        with self.connect(port, certificate=good) as c:
            self.assertEqual(c.request("GET", "/x").status, 200)
        for certificate in (None, stranger):
            # TLS 1.3 sends the client's certificate after the client's handshake is done: the
            # refusal shows on the first read.
            with self.assertRaises((ssl.SSLError, harness.IncompleteResponse, OSError)):
                with self.connect(port, certificate=certificate) as c:
                    c.request("GET", "/x")
        harness.wait_until(lambda: self.handshakes(gw, "failed") == 2, 2, what="failed count")

    # -- operations

    def test_certificate_expiry_is_exported_with_role_tls(self):
        gw, _ = self.start()
        for leaf in (self.a, self.b):
            seconds = self.metric(gw, "paygate_certificate_expiry_seconds",
                                  'role="tls",mchid="",serial="%s"' % leaf.serial())
            self.assertIsNotNone(seconds, leaf.serial())
            self.assertGreater(seconds, 29 * 86400)
            self.assertLessEqual(seconds, 30 * 86400)

    def test_config_errors_name_the_key_and_the_file(self):
        mismatched = harness.TlsIdentity(self.a.cert_file, self.b.key_file)
        expired = harness.make_leaf(self.tmpdir, self.ca, "old", ["a.test"], days=0)
        cases = (
            (mismatched, r"listeners\[1\]\.tls\.certificates\[0\]\.key_file.*%s" %
             re.escape(self.b.key_file)),
            (expired, r"listeners\[1\]\.tls\.certificates\[0\]\.certificate_file.*expired"),
            (harness.TlsIdentity(self.tmpdir + "/missing.pem", self.a.key_file),
             r"listeners\[1\]\.tls\.certificates\[0\]\.certificate_file.*missing\.pem"),
        )
        for identity, pattern in cases:
            config = {"listeners": [
                {"address": harness.HOST, "port": harness.free_port()},
                {"address": harness.HOST, "port": harness.free_port(),
                 "tls": {"certificates": [{"certificate_file": identity.cert_file,
                                           "key_file": identity.key_file}],
                         "alpn": ["http/1.1"]}}]}
            path = self.write_file("bad.yaml", harness.to_yaml(config) + "\n")
            result = self.run_paygate("check", "-c", path)
            self.assertNotEqual(result.returncode, 0, result)
            self.assertRegex(result.stdout + result.stderr, pattern)

    def test_certificates_replaced_under_load_fail_no_request(self):
        gw, port = self.start(certificates=[self.a])
        old_serial = self.a.serial()
        failures, done, count = [], threading.Event(), [0]

        def load():
            while not done.is_set():
                try:
                    with self.connect(port) as c:  # a new handshake every time
                        r = c.request("GET", "/x")
                        if r.status != 200:
                            failures.append(r.status)
                        count[0] += 1
                except Exception as e:  # noqa: every failure counts
                    failures.append(repr(e))

        threads = [threading.Thread(target=load) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            time.sleep(0.3)
            renewed = harness.make_leaf(self.tmpdir, self.ca, "a-renewed", ["a.test"])
            # Replace the files the config names, key first: the watch reloads after both.
            subprocess.run(["cp", renewed.key_file, self.a.key_file], check=True)
            subprocess.run(["cp", renewed.cert_file, self.a.cert_file], check=True)
            harness.wait_until(lambda: self.serial_now(port) != old_serial, 10,
                               what="the renewed certificate served")
            time.sleep(0.3)
        finally:
            done.set()
            for t in threads:
                t.join(10)
        self.assertEqual(failures, [])
        self.assertGreater(count[0], 20)
        self.assertEqual(self.serial_now(port), renewed.serial())

    def serial_now(self, port):
        with self.connect(port) as c:
            return self.serial_of(c)


if __name__ == "__main__":
    unittest.main()
