"""Notifications to https:// notify_urls: the envelope reaches a merchant serving TLS with a
certificate notifications.ca_file trusts, over a kept-alive connection, a new connection
resuming the last one's session; a certificate that does not verify (another CA, another name) is an
attempt that failed with the reason in last_error, retried on the schedule; an unreadable
ca_file is a configuration error."""

import unittest

import harness
from test_notify import NotifyTestCase, metric


class HttpsDeliveryTest(NotifyTestCase):
    def setUp(self):
        super().setUp()
        self.ca = harness.make_ca(self.tmpdir)

    def receiver(self, ca=None, names=("merchant.test",), ip="127.0.0.1"):
        leaf = harness.make_leaf(self.tmpdir, ca or self.ca, "merchant", list(names), ip=ip)
        return self.notify_receiver(tls=harness.server_tls(leaf))

    def start_https(self, receiver, **settings):
        return self.start(receiver, ca_file=self.ca.cert_file, **settings)

    def test_envelopes_are_delivered_over_verified_tls_and_kept_alive(self):
        receiver = self.receiver()
        gw = self.start_https(receiver)
        self.assertTrue(receiver.url().startswith("https://"))
        first = self.created(gw, self.event(receiver, "tls-1"))
        self.wait_state(gw, first, "delivered")
        second = self.created(gw, self.event(receiver, "tls-2"))
        self.wait_state(gw, second, "delivered")
        self.assertEqual(receiver.backend.connections, 1)  # kept alive between deliveries
        self.assertEqual(receiver.backend.tls_errors, [])
        req = receiver.requests[0]
        self.assertEqual(req.header("Wechatpay-Serial"), self.keys.platform_serial)
        self.assertEqual(req.header("Host"), "%s:%d" % (harness.HOST, receiver.port))

        # The merchant restarts: the pooled connection is dead, a new one is verified again,
        # resuming the first connection's session (the merchant keeps its ticket keys).
        receiver.stop()
        receiver.start()
        third = self.created(gw, self.event(receiver, "tls-3"))
        self.wait_state(gw, third, "delivered")
        self.assertEqual(receiver.backend.connections, 1)
        self.assertEqual(receiver.backend.tls_resumed, 1)
        self.assertEqual(receiver.count(), 3)

    def assertRetriedWith(self, gw, receiver, reason):
        event_id = self.created(gw, self.event(receiver, "bad-cert"))
        status = harness.wait_until(
            lambda: (lambda s: s if s["attempts"] >= 2 else None)(self.status(gw, event_id)),
            10, 0.05, "a second attempt")
        self.assertEqual(status["state"], "pending", status)
        self.assertIn(reason, status["last_error"])
        self.assertIn("handshake with https://127.0.0.1:%d" % receiver.port, status["last_error"])
        self.assertEqual(receiver.count(), 0)  # nothing was sent to a peer that did not verify
        text = self.metrics(gw)
        self.assertGreaterEqual(metric(text, "paygate_notify_attempts_total",
                                       '{outcome="network"}'), 2)

    def test_a_certificate_from_another_ca_is_refused_and_retried(self):
        receiver = self.receiver(ca=harness.make_ca(self.tmpdir, "stranger-ca"))
        gw = self.start_https(receiver)
        self.assertRetriedWith(gw, receiver,
                               "certificate verify failed: self-signed certificate in certificate chain")

    def test_a_certificate_for_another_host_is_refused_and_retried(self):
        receiver = self.receiver(names=["merchant.test"], ip=None)
        gw = self.start_https(receiver)
        self.assertRetriedWith(gw, receiver, "certificate verify failed: IP address mismatch")

    def test_an_unreadable_ca_file_is_a_configuration_error(self):
        receiver = self.receiver()
        gw = self.start(receiver, ca_file=self.tmpdir + "/no-such-ca.pem", wait=False)
        gw.process.wait(10)
        self.assertNotEqual(gw.process.proc.returncode, 0)
        self.assertRegex(gw.log(), r"notifications\.ca_file: .*no-such-ca\.pem")


if __name__ == "__main__":
    unittest.main()
