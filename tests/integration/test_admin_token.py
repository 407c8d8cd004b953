"""The admin listener's bearer token on a real paygate: with `admin.token_file`, every admin
request without `Authorization: Bearer <token>` (none, another scheme, a wrong or truncated
token) is a JSON 401 and one with it is served; a reload that changes the file's token and
SIGHUPs switches to the new one. Without a token, an admin (or intake) address off loopback is
a configuration error naming the file, line and key."""

import harness


class AdminTokenTest(harness.GatewayTestCase):
    def start(self, token):
        backend = self.backend()
        token_file = self.write_file("admin.token", token + "\n")
        config = harness.gateway_config(harness.free_port(), harness.free_port(),
                                        [harness.cluster("b", backend.port)],
                                        [harness.route("all", "/", "b")], log_level="warn")
        config["admin"]["token_file"] = token_file
        config["log"]["access_log"] = "off"
        gw = harness.Gateway(self.tmpdir, config)
        gw.admin_token = token
        self._track(gw.process)
        return gw.wait_ready()

    def admin_get(self, gw, path, headers=None):
        with harness.Client(gw.admin_port) as c:
            return c.request("GET", path, headers or [])

    def test_requests_without_the_token_are_refused(self):
        gw = self.start("t0ken-for-admin")
        for headers in ([], [("Authorization", "Basic dDBrZW4tZm9yLWFkbWlu")],
                        [("Authorization", "Bearer wrong-token-for-ad")],
                        [("Authorization", "Bearer t0ken-for-admi")],
                        [("Authorization", "Bearer t0ken-for-admin2")]):
            for path in ("/metrics", "/config", "/readyz", "/no-such-endpoint"):
                r = self.admin_get(gw, path, headers)
                body = self.assertJsonError(r, 401, "SIGN_ERROR")
                self.assertIn("Bearer", body["message"])
                self.assertNotIn(b"paygate_", r.body)
        r = self.admin_get(gw, "/metrics", [("Authorization", "Bearer t0ken-for-admin")])
        self.assertEqual(r.status, 200, r)
        self.assertIn(b"paygate_", r.body)
        r = self.admin_get(gw, "/config", [("Authorization", "Bearer t0ken-for-admin")])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["config"]["admin"]["token"], "<redacted>")
        self.assertNotIn(b"t0ken-for-admin", r.body)

    def test_a_reload_switches_to_the_new_token(self):
        gw = self.start("first-token")
        self.write_file("admin.token", "second-token\n")
        gw.reload()
        new = [("Authorization", "Bearer second-token")]
        harness.wait_until(lambda: self.admin_get(gw, "/healthz", new).status == 200, 5, 0.05,
                           "the new token accepted")
        r = self.admin_get(gw, "/healthz", [("Authorization", "Bearer first-token")])
        self.assertJsonError(r, 401)

    def test_off_loopback_without_a_token_is_a_config_error(self):
        config = harness.gateway_config(harness.free_port(), harness.free_port(),
                                        [harness.cluster("b", 9)], [harness.route("all", "/", "b")])
        config["admin"]["address"] = "0.0.0.0"
        path = self.write_file("open-admin.yaml", harness.to_yaml(config) + "\n")
        p = self.run_paygate("check", "-c", path)
        self.assertNotEqual(p.returncode, 0, p.stdout)
        lines = [l for l in (p.stdout + p.stderr).splitlines() if "admin.address" in l]
        self.assertEqual(len(lines), 1, p.stdout + p.stderr)
        self.assertRegex(lines[0], r"open-admin\.yaml:\d+:\d+: admin\.address: expected a "
                                   r"loopback address")


if __name__ == "__main__":
    harness.main()
