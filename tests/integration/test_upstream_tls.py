"""TLS to upstream clusters: `clusters[].tls` with the upstream's certificate verified against
`ca_file` and its name (the endpoint's host, or `sni`), a client certificate when the upstream
asks for one, sessions resumed as the pool opens new connections, and a handshake that fails
(wrong CA, wrong name, no client certificate) treated as a failed connect: 502, counted in
paygate_upstream_connect_errors_total, the endpoint ejected by the same rules."""

import re
import ssl

import harness


class UpstreamTlsTest(harness.GatewayTestCase):
    def setUp(self):
        self.ca = harness.make_ca(self.tmpdir)
        self.other_ca = harness.make_ca(self.tmpdir, name="other-ca")
        self.leaf = harness.make_leaf(self.tmpdir, self.ca, "backend", ["backend.test"])

    def start(self, tls, backend_tls=None, **cluster):
        self.b = self.backend()
        self.b.stop()
        self.b = harness.Backend(tls=backend_tls or harness.server_tls(self.leaf))
        self.addCleanup(self.b.stop)
        config = harness.gateway_config(
            harness.free_port(), harness.free_port(),
            [harness.cluster("b", self.b.port, tls=tls, **cluster)],
            [harness.route("all", "/", "b")])
        self.gw = harness.Gateway(self.tmpdir, config)
        self._track(self.gw.process)
        return self.gw.wait_ready()

    def get(self, path="/x"):
        with self.gw.client() as c:
            return c.request("GET", path)

    def connect_errors(self):
        text = harness.http_get(self.gw.admin_port, "/metrics", timeout=2)[1].decode()
        m = re.search(r'^paygate_upstream_connect_errors_total\{cluster="b"\} (\S+)', text, re.M)
        return float(m.group(1)) if m else 0

    def test_requests_go_over_tls_verified_by_ca_and_ip(self):
        self.start({"ca_file": self.ca.cert_file})
        for _ in range(3):
            r = self.get()
            self.assertEqual(r.status, 200, r)
        self.assertEqual(self.b.request_count(), 3)
        self.assertEqual(self.b.connections, 1)  # one pooled TLS connection, kept alive
        self.assertEqual(self.b.tls_errors, [])

    def test_sni_names_the_upstream_and_is_verified(self):
        self.start({"ca_file": self.ca.cert_file, "sni": "backend.test"})
        self.assertEqual(self.get().status, 200)
        self.assertEqual(self.connect_errors(), 0)

    def test_a_certificate_the_ca_did_not_sign_is_a_connect_error(self):
        self.start({"ca_file": self.other_ca.cert_file}, connect_retries=0)
        self.assertJsonError(self.get(), 502)
        self.assertEqual(self.b.request_count(), 0)
        self.assertEqual(self.connect_errors(), 1)
        self.gw.wait_log(r"certificate verify failed|upstream")

    def test_a_name_the_certificate_does_not_hold_is_refused(self):
        self.start({"ca_file": self.ca.cert_file, "sni": "elsewhere.test"}, connect_retries=0)
        self.assertJsonError(self.get(), 502)
        self.assertEqual(self.b.request_count(), 0)

    def test_verify_false_accepts_any_certificate(self):
        self.start({"ca_file": self.other_ca.cert_file, "verify": False})
        self.assertEqual(self.get().status, 200)

    def test_client_certificate_when_the_upstream_requires_one(self):
        client = harness.make_leaf(self.tmpdir, self.ca, "gateway-client", ["gateway.test"])
        backend_tls = harness.server_tls(self.leaf)
        backend_tls.verify_mode = ssl.CERT_REQUIRED
        backend_tls.load_verify_locations(self.ca.cert_file)
        self.start({"ca_file": self.ca.cert_file,
                    "client_certificate": {"certificate_file": client.cert_file,
                                           "key_file": client.key_file}},
                   backend_tls=backend_tls)
        self.assertEqual(self.get().status, 200)

    def test_without_the_client_certificate_the_upstream_refuses(self):
        backend_tls = harness.server_tls(self.leaf)
        backend_tls.verify_mode = ssl.CERT_REQUIRED
        backend_tls.load_verify_locations(self.ca.cert_file)
        self.start({"ca_file": self.ca.cert_file}, backend_tls=backend_tls, connect_retries=0)
        self.assertJsonError(self.get(), 502)
        self.assertEqual(self.b.request_count(), 0)

    def test_new_pool_connections_resume_the_last_session(self):
        # No idle connections kept: every request opens a new TLS connection.
        for version in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
            backend_tls = harness.server_tls(self.leaf)
            backend_tls.maximum_version = version
            self.start({"ca_file": self.ca.cert_file}, backend_tls=backend_tls,
                       max_idle_per_endpoint=0)
            for _ in range(4):
                self.assertEqual(self.get().status, 200)
            self.assertEqual(self.b.connections, 4)
            self.assertEqual(self.b.tls_resumed, 3, version)
            self.gw.process.kill()

    def test_a_bad_ca_file_is_a_config_error_at_its_key(self):
        bad = self.write_file("bad-ca.pem", "not a certificate\n")
        config = harness.gateway_config(harness.free_port(), harness.free_port(),
                                        [harness.cluster("b", 1, tls={"ca_file": bad})],
                                        [harness.route("all", "/", "b")])
        path = self.write_file("gw.yaml", harness.to_yaml(config))
        p = self.run_paygate("check", "-c", path)
        self.assertNotEqual(p.returncode, 0)
        self.assertRegex(p.stderr + p.stdout, r"clusters\[0\]\.tls\.ca_file")
