"""The merchant role's apps known by their TLS client certificate, on real processes: a merchant
paygate with a cleartext listener and a TLS one that asks for client certificates (client_ca_file)
signs the request of an app that presents its certificate and no token, behind it a platform-role
paygate verifies the signature and forwards to mockpay (as in test_merchant_role). A certificate
naming no app leaves the bearer token to decide, a connection without a certificate never gets
through the handshake, and one app's certificate with another app's token is refused
`ambiguous_app` and counted."""

import json
import ssl
import subprocess

import harness
from test_merchant_role import MCHID, counter

ORDERS_SAN = "spiffe://pay.example/ns/shop/sa/orders"
STRANGER_SAN = "spiffe://pay.example/ns/shop/sa/stranger"
SHOP_TOKEN = "shop-token-0123456789"


class MerchantClientCertTest(harness.GatewayTestCase):
    def setUp(self):
        self.keys = harness.PlatformKeys(self, MCHID)
        self.mock = self.mockpay()
        self.platform = self.start_platform()
        self.server_ca = harness.make_ca(self.tmpdir, "server-ca")
        self.server = harness.make_leaf(self.tmpdir, self.server_ca, "gw", ["gw.test"])
        self.client_ca = harness.make_ca(self.tmpdir, "client-ca")
        self.orders = harness.make_leaf(self.tmpdir, self.client_ca, "orders", ip=None,
                                        uris=[ORDERS_SAN])
        self.stranger = harness.make_leaf(self.tmpdir, self.client_ca, "stranger", ip=None,
                                          uris=[STRANGER_SAN])
        self.gw, self.tls_port = self.start_merchant()

    def start_platform(self):
        config = harness.gateway_config(
            harness.free_port(), harness.free_port(),
            [harness.cluster("mock", self.mock.port)],
            [harness.route("v3", "/v3/", "mock", verify="merchant", sign="platform")],
            extra=self.keys.config())
        gw = harness.Gateway(self.tmpdir, config, name="platform")
        self._track(gw.process)
        return gw.wait_ready()

    def start_merchant(self):
        """The merchant paygate: app `orders` by certificate, app `shop` by token; returns it
        and its TLS port."""
        token_file = self.write_file("shop.token", SHOP_TOKEN + "\n")
        role = {
            "identities": [{"mchid": MCHID, "serial": self.keys.merchant_serial,
                            "private_key": self.keys.merchant_key,
                            "apiv3_key_file": self.keys.apiv3_key_file}],
            "platform_keys": [{"certificate": self.keys.platform_cert}],
            "apps": [{"name": "orders", "client_certificate": {"san": ORDERS_SAN},
                      "mchids": [MCHID]},
                     {"name": "shop", "token_file": token_file, "mchids": [MCHID]}],
        }
        config = harness.gateway_config(
            harness.free_port(), harness.free_port(),
            [harness.cluster("platform", self.platform.port)],
            [harness.route("egress", "/v3/", "platform", sign="merchant", verify="platform")],
            extra={"merchant": role})
        tls_port = harness.free_port()
        config["listeners"] = [config.pop("listener"), {
            "address": harness.HOST, "port": tls_port,
            "tls": {"certificates": [{"certificate_file": self.server.cert_file,
                                      "key_file": self.server.key_file}],
                    "client_ca_file": self.client_ca.cert_file}}]
        gw = harness.Gateway(self.tmpdir, config, name="merchant")
        self._track(gw.process)
        return gw.wait_ready(), tls_port

    def call(self, certificate, out_trade_no, token=None):
        """POSTs an order over the TLS listener presenting CERTIFICATE (None: none)."""
        fields = [("Content-Type", "application/json")]
        if token:
            fields.append(("Authorization", "Bearer " + token))
        tls = harness.client_tls(self.server_ca, certificate=certificate)
        with harness.Client(self.tls_port, tls=tls, server_name="gw.test") as c:
            return c.request("POST", "/v3/pay/transactions/jsapi", fields,
                             body=self.order(out_trade_no).encode())

    @staticmethod
    def order(out_trade_no):
        return json.dumps({
            "appid": "wxd678efh567hg6787", "mchid": MCHID, "description": "client cert",
            "out_trade_no": out_trade_no, "notify_url": "https://merchant.test/notify",
            "amount": {"total": 100, "currency": "CNY"},
            "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}})

    def refusals(self, reason):
        return counter(self.gw, "paygate_egress_app_refusals_total", reason=reason)

    def test_the_app_certificate_alone_is_signed_and_forwarded(self):
        r = self.call(self.orders, "CERT_1")
        self.assertEqual(r.status, 200, r)
        self.assertIn("prepay_id", r.json())
        self.assertTrue(r.header("Wechatpay-Signature"), r)
        self.gw.wait_log(r'"app":"orders"')
        self.assertEqual(self.call(self.orders, "CERT_2").status, 200)
        self.assertEqual(counter(self.gw, "paygate_egress_reply_verifications_total",
                                 result="ok"), 2)
        running = json.loads(harness.http_get(self.gw.admin_port, "/config")[1])
        self.assertEqual(running["config"]["merchant"]["apps"][0],
                         {"name": "orders", "client_certificate": {"san": ORDERS_SAN},
                          "mchids": [MCHID]})

    def test_over_http2_the_stream_is_the_app_of_the_connection(self):
        # curl picks h2 by ALPN: the names were read once, for the connection, and every
        # stream's exchange reads them.
        url = "https://gw.test:%d/v3/pay/transactions/jsapi" % self.tls_port
        out = subprocess.run(
            ["curl", "-sS", "--http2", "--cacert", self.server_ca.cert_file,
             "--cert", self.orders.cert_file, "--key", self.orders.key_file,
             "--resolve", "gw.test:%d:%s" % (self.tls_port, harness.HOST),
             "-H", "Content-Type: application/json", "-d", self.order("CERT_H2"),
             "-o", "/dev/null", "-w", "%{http_version} %{http_code}", url],
            capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout, "2 200")
        self.gw.wait_log(r'"app":"orders"')

    def test_a_certificate_of_no_app_leaves_the_token_to_decide(self):
        self.assertJsonError(self.call(self.stranger, "CERT_3"), 401, "SIGN_ERROR")
        self.assertEqual(self.refusals("missing_token"), 1)
        r = self.call(self.stranger, "CERT_4", token=SHOP_TOKEN)
        self.assertEqual(r.status, 200, r)
        self.gw.wait_log(r'"app":"shop"')

    def test_no_certificate_fails_the_handshake(self):
        # TLS 1.3 sends the client's certificate after the client's handshake is done: the
        # refusal shows on the first read.
        with self.assertRaises((ssl.SSLError, harness.IncompleteResponse, OSError)):
            self.call(None, "CERT_5")
        # The cleartext listener knows no certificate: only a token gets through there.
        with self.gw.client() as c:
            self.assertJsonError(c.request("GET", "/v3/certificates", []), 401, "SIGN_ERROR")

    def test_one_apps_certificate_with_another_apps_token_is_refused(self):
        r = self.call(self.orders, "CERT_6", token=SHOP_TOKEN)
        self.assertJsonError(r, 401, "SIGN_ERROR")
        self.assertIn("bearer token is not the same app", r.json()["message"])
        self.assertJsonError(self.call(self.orders, "CERT_7", token="nobody's"), 401)
        self.assertEqual(self.refusals("ambiguous_app"), 2)
        self.assertEqual(self.refusals("unknown_app"), 0)


if __name__ == "__main__":
    import unittest
    unittest.main()
