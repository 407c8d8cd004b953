"""The whole notification path of the demo on real processes: mockpay (the payment backend)
hands TRANSACTION.SUCCESS and REFUND.SUCCESS to paygate's intake as a backend does, paygate
stores, signs, encrypts and delivers them, and `paygate receive` (the demo merchant's notify_url)
verifies, decrypts, drops duplicates and prints them. Also: mockpay keeps retrying while the
intake is down, and the receiver refuses notifications that are not signed by the platform."""

import json
import os
import signal
import unittest

import harness
from test_notify import MCHID, NotifyTestCase


class PaymentFlowTest(NotifyTestCase):
    def receiver(self, port, *extra, platform_cert=None):
        argv = [harness.PAYGATE_BIN, "receive", "--address", harness.HOST, "--port", str(port),
                "--platform-cert", platform_cert or self.keys.platform_cert,
                "--apiv3-key-file", self.keys.apiv3_key_file] + list(extra)
        rx = self._track(harness.Process("receiver", argv, self.tmpdir))
        harness.wait_until(lambda: "listening on" in rx.output(), 5, what="receiver listening")
        return rx

    @staticmethod
    def lines(rx):
        return [json.loads(l) for l in rx.output().splitlines() if l.startswith("{")]

    def wait_lines(self, rx, n, timeout=15):
        return harness.wait_until(lambda: (lambda ls: ls if len(ls) >= n else None)(self.lines(rx)),
                                  timeout, 0.05, "%d lines from the receiver" % n)

    def post(self, port, path, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        with harness.Client(port) as c:
            r = c.request("POST", path, [("Content-Type", "application/json")], body=data)
        return r

    def pay_and_refund(self, mock, notify_url, order="FLOW_0001"):
        created = self.post(mock.port, "/v3/pay/transactions/jsapi", {
            "appid": "wxd678efh567hg6787", "mchid": MCHID, "description": "flow",
            "out_trade_no": order, "notify_url": notify_url,
            "amount": {"total": 100, "currency": "CNY"},
            "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}})
        self.assertEqual(created.status, 200, created)
        paid = self.post(mock.port, "/mock/pay/" + order)
        self.assertEqual(paid.status, 200, paid)
        refund = self.post(mock.port, "/v3/refund/domestic/refunds", {
            "out_trade_no": order, "out_refund_no": "R_" + order,
            "amount": {"refund": 40, "total": 100, "currency": "CNY"}})
        self.assertEqual(refund.status, 200, refund)
        return paid.json()["transaction_id"]

    def test_payment_and_refund_reach_the_merchant_verified_and_decrypted(self):
        port = harness.free_port()
        gw = self.start(notify_urls=["http://%s:%d/" % (harness.HOST, port)])
        mock = self.mockpay("--notify-intake",
                            "http://%s:%d/internal/notifications" % (harness.HOST, gw.notify_port))
        rx = self.receiver(port)
        transaction_id = self.pay_and_refund(mock, "http://%s:%d/notify" % (harness.HOST, port))

        paid, refunded = self.wait_lines(rx, 2)
        self.assertEqual(paid["event_type"], "TRANSACTION.SUCCESS", paid)
        self.assertEqual(paid["summary"], "支付成功")
        self.assertEqual(paid["resource"]["out_trade_no"], "FLOW_0001")
        self.assertEqual(paid["resource"]["transaction_id"], transaction_id)
        self.assertEqual(paid["resource"]["trade_state"], "SUCCESS")
        self.assertEqual(refunded["event_type"], "REFUND.SUCCESS", refunded)
        self.assertEqual(refunded["resource"]["out_refund_no"], "R_FLOW_0001")
        self.assertEqual(refunded["resource"]["amount"]["refund"], 40)
        for line in (paid, refunded):
            self.assertEqual(self.status(gw, line["id"])["state"], "delivered")
            self.assertEqual(self.status(gw, line["id"])["idempotency_key"].split("/")[0],
                             line["event_type"])

        # A re-delivery is acknowledged again but reported as a duplicate, not a new event.
        r = self.call(gw, "POST", "/internal/notifications/%s/retry" % paid["id"])
        self.assertEqual(r.status, 202, r)
        duplicate = self.wait_lines(rx, 3)[2]
        self.assertEqual(duplicate, {"id": paid["id"], "duplicate": True})
        self.wait_state(gw, paid["id"], "delivered")
        self.assertEqual(self.status(gw, paid["id"])["attempts"], 2)

    def test_the_whole_path_over_https_with_throw_away_certificates(self):
        tls_dir = self.tmpdir + "/tls"
        made = self.run_paygate("keys", "new", "--role", "tls", "--dir", tls_dir)
        self.assertEqual(made.returncode, 0, made.stdout + made.stderr)
        port = harness.free_port()
        gw = self.start(notify_urls=["https://%s:%d/" % (harness.HOST, port)],
                        ca_file=tls_dir + "/tls-ca.cert.pem")
        mock = self.mockpay("--notify-intake",
                            "http://%s:%d/internal/notifications" % (harness.HOST, gw.notify_port))
        rx = self.receiver(port, "--tls-cert", tls_dir + "/tls-server.cert.pem",
                           "--tls-key", tls_dir + "/tls-server.key.pem")
        self.assertIn("listening on https://", rx.output())
        self.pay_and_refund(mock, "https://%s:%d/notify" % (harness.HOST, port), "FLOW_TLS")
        paid, refunded = self.wait_lines(rx, 2)
        self.assertEqual(paid["resource"]["out_trade_no"], "FLOW_TLS")
        self.assertEqual(refunded["event_type"], "REFUND.SUCCESS", refunded)
        self.assertEqual(self.status(gw, paid["id"])["state"], "delivered")

    def test_backend_retries_while_the_intake_is_down(self):
        port, intake_port = harness.free_port(), harness.free_port()
        mock = self.mockpay("--notify-intake",
                            "http://%s:%d/internal/notifications" % (harness.HOST, intake_port))
        rx = self.receiver(port, "--count", "2")
        self.pay_and_refund(mock, "http://%s:%d/notify" % (harness.HOST, port), "FLOW_DOWN")
        harness.wait_until(lambda: "retrying" in mock.process.output(), 5, what="a failed intake")
        self.start(notify_urls=["http://%s:%d/" % (harness.HOST, port)], port=intake_port)
        events = self.wait_lines(rx, 2, timeout=20)
        self.assertEqual([e["event_type"] for e in events], ["TRANSACTION.SUCCESS", "REFUND.SUCCESS"])
        self.assertEqual(rx.wait(5), 0)  # --count 2: exits by itself

    def test_receiver_refuses_what_the_platform_did_not_sign(self):
        port = harness.free_port()
        other = os.path.join(self.tmpdir, "other")
        p = self.run_paygate("keys", "new", "--dir", other, "--mchid", "platform",
                             "--role", "platform", timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        rx = self.receiver(port, platform_cert=os.path.join(other, "platform_platform.cert.pem"))

        unsigned = self.post(port, "/notify", {"id": "EV-1", "event_type": "TRANSACTION.SUCCESS"})
        self.assertEqual(unsigned.status, 401, unsigned)
        self.assertEqual(unsigned.json()["code"], "FAIL")

        gw = self.start(notify_urls=["http://%s:%d/" % (harness.HOST, port)])
        event_id = self.created(gw, self.event(None, notify_url="http://%s:%d/n" % (harness.HOST,
                                                                                     port)))
        harness.wait_until(lambda: self.status(gw, event_id)["attempts"] >= 1, 10,
                           what="a delivery attempt")
        status = self.status(gw, event_id)
        self.assertEqual(status["state"], "pending", status)
        self.assertIn("401", status["last_error"], status)
        rejected = [l for l in self.lines(rx) if "rejected" in l]
        self.assertGreaterEqual(len(rejected), 2, rx.output())
        self.assertTrue(all(l["rejected"].startswith("signature") for l in rejected), rejected)
        self.assertFalse([l for l in self.lines(rx) if "id" in l], rx.output())
        rx.signal(signal.SIGTERM)
        self.assertEqual(rx.wait(5), 0)


if __name__ == "__main__":
    harness.main()
