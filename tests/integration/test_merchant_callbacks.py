"""The merchant role's callback receiver on real processes: a platform-role paygate delivers its
signed notifications over HTTPS to a merchant-role paygate's `receive: callbacks` route, which
verifies them against the platform certificate, decrypts the resource with the APIv3 key, keeps
them in its callbacks outbox (SQLite) and acknowledges only then; its dispatcher forwards each
decrypted event to the merchant's app. A repeat of an event id reaches the app once; probes and
unsigned posts are refused 401 {"code":"FAIL"}; an app that fails gets the event again on the
callbacks schedule; and SIGKILL of the merchant gateway during 10,000 callbacks loses none that
it acknowledged: each reaches the app at least once."""

import http.client
import json
import os
import random
import signal
import threading
import time

import harness

MCHID = "1900000001"


def counter(gw, name, **labels):
    text = harness.http_get(gw.admin_port, "/metrics", timeout=2)[1].decode()
    want = ",".join('%s="%s"' % kv for kv in sorted(labels.items()))
    for line in text.splitlines():
        head, _, value = line.rpartition(" ")
        metric, _, rest = head.partition("{")
        if metric == name and ",".join(sorted(rest.rstrip("}").split(","))) == want:
            return float(value)
    return 0.0


class App:
    """The merchant's app: records each forwarded event; answers what `script` says (200 once it
    is empty)."""

    def __init__(self, test):
        self.lock = threading.Lock()
        self.events = []  # (X-Pay-Event-Id, parsed body)
        self.script = []
        self.backend = test.backend(self.handle, "app")

    def handle(self, req, conn):
        with self.lock:
            status = self.script.pop(0) if self.script else 200
            if status == 200:
                self.events.append((req.header("X-Pay-Event-Id"), json.loads(req.body)))
        return harness.reply(status, b"")

    def ids(self):
        with self.lock:
            return [event_id for event_id, _ in self.events]

    def url(self):
        return "http://%s:%d/wechatpay/events" % (harness.HOST, self.backend.port)


class CallbacksTestCase(harness.GatewayTestCase):
    def setUp(self):
        self.keys = harness.PlatformKeys(self, MCHID)
        self.ca = harness.make_ca(self.tmpdir)
        self.leaf = harness.make_leaf(self.tmpdir, self.ca, "merchant", ["merchant.test"])
        self.app = App(self)

    def start_merchant(self, platform_cert=None, **callbacks):
        section = {"store": os.path.join(self.tmpdir, "callbacks.db"),
                   "forward_to": self.app.url(), "address": harness.HOST,
                   "port": harness.free_port(), "schedule": ["1s"] * 10, "jitter_percent": 0,
                   "attempt_timeout": "2s", "lease": "3s", **callbacks}
        role = {"identities": [{"mchid": MCHID, "serial": self.keys.merchant_serial,
                                "private_key": self.keys.merchant_key,
                                "apiv3_key_file": self.keys.apiv3_key_file}],
                "platform_keys": [{"certificate": platform_cert or self.keys.platform_cert}],
                "callbacks": section}
        listener = {"tls": {"certificates": [{"certificate_file": self.leaf.cert_file,
                                              "key_file": self.leaf.key_file}]}}
        config = harness.gateway_config(
            harness.free_port(), harness.free_port(),
            [harness.cluster("unused", harness.free_port())],
            [{"name": "callbacks", "path": "/wechatpay/notify", "receive": "callbacks"}],
            extra={"merchant": role}, listener=listener, workers=2)
        gw = harness.Gateway(self.tmpdir, config, name="merchant")
        self._track(gw.process)
        gw.wait_ready()
        gw.callbacks_port = section["port"]
        return gw

    def start_platform(self, merchant, platform_key=None, platform_cert=None):
        extra = self.keys.config()
        if platform_key:
            extra["platform"] = {"keys": [{"private_key": platform_key,
                                           "certificate": platform_cert}]}
        extra["merchants"][0]["notify_urls"] = [self.notify_url(merchant)]
        extra["notifications"] = {"store": os.path.join(self.tmpdir, "platform.db"),
                                  "address": harness.HOST, "port": harness.free_port(),
                                  "schedule": ["1s"] * 30, "jitter_percent": 0,
                                  "attempt_timeout": "2s", "lease": "3s",
                                  "ca_file": self.ca.cert_file}
        gw = self.gateway(clusters=[harness.cluster("b", harness.free_port())],
                          routes=[harness.route("all", "/", "b")], extra=extra, name="platform")
        gw.notify_port = extra["notifications"]["port"]
        return gw

    def notify_url(self, merchant):
        return "https://%s:%d/wechatpay/notify" % (harness.HOST, merchant.port)

    def event(self, merchant, key):
        return {"mchid": MCHID, "notify_url": self.notify_url(merchant),
                "event_type": "TRANSACTION.SUCCESS", "resource_type": "transaction",
                "summary": "payment succeeded",
                "resource": {"mchid": MCHID, "out_trade_no": "order-" + key,
                             "trade_state": "SUCCESS", "amount": {"total": 100}},
                "idempotency_key": key}

    def internal(self, port, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        with harness.Client(port) as c:
            return c.request(method, path, [("Content-Type", "application/json")], body=data)

    def notify(self, platform, merchant, key):
        r = self.internal(platform.notify_port, "POST", "/internal/notifications",
                          self.event(merchant, key))
        self.assertEqual(r.status, 201, r)
        return r.json()["id"]

    def state(self, port, event_id):
        return self.internal(port, "GET", "/internal/notifications/" + event_id).json()["state"]


class ReceiverTest(CallbacksTestCase):
    def test_a_notification_reaches_the_app_verified_decrypted_and_once(self):
        token_file = self.write_file("app-callbacks.token", "callbacks-token-42\n")
        merchant = self.start_merchant(forward_token_file=token_file)
        platform = self.start_platform(merchant)
        event_id = self.notify(platform, merchant, "pay-1")
        harness.wait_until(lambda: self.app.ids(), 15, what="the app's first event")
        harness.wait_until(lambda: self.state(platform.notify_port, event_id) == "delivered", 5,
                           what="the platform's delivery")
        (forwarded_id, body), = self.app.events
        self.assertEqual(forwarded_id, event_id)
        self.assertEqual(body["id"], event_id)
        self.assertEqual(body["mchid"], MCHID)
        self.assertEqual(body["event_type"], "TRANSACTION.SUCCESS")
        self.assertEqual(body["original_type"], "transaction")
        self.assertEqual(body["resource"]["out_trade_no"], "order-pay-1")
        request = self.app.backend.requests[0]
        self.assertEqual(request.header("X-Pay-Mchid"), MCHID)
        self.assertEqual(request.header("User-Agent"), "paygate-callbacks")
        self.assertEqual(request.header("Authorization"), "Bearer callbacks-token-42")

        # The platform sends it again (its merchant asked for it): acknowledged, not forwarded.
        again = self.internal(platform.notify_port, "POST",
                              "/internal/notifications/%s/retry" % event_id)
        self.assertEqual(again.status, 202, again)
        harness.wait_until(lambda: counter(merchant, "paygate_callbacks_received_total",
                                           result="duplicate") == 1, 15, what="the repeat")
        harness.wait_until(lambda: self.state(platform.notify_port, event_id) == "delivered", 5,
                           what="the repeat's acknowledgement")
        time.sleep(1.5)  # a forward would have gone by now
        self.assertEqual(self.app.ids(), [event_id])
        self.assertEqual(counter(merchant, "paygate_callbacks_received_total", result="stored"), 1)
        self.assertEqual(counter(merchant, "paygate_callbacks_delivered_total"), 1)

        # The callbacks outbox answers the admin API as the notifications outbox does, and takes
        # no events but its receiver's.
        listed = self.internal(merchant.callbacks_port, "GET", "/internal/notifications")
        self.assertEqual(listed.status, 200, listed)
        (entry,) = listed.json()["notifications"]
        self.assertEqual(entry["state"], "delivered")
        self.assertEqual(entry["idempotency_key"], event_id)
        self.assertEqual(entry["notify_url"], self.app.url())
        refused = self.internal(merchant.callbacks_port, "POST", "/internal/notifications",
                                self.event(merchant, "sneaked-in"))
        self.assertEqual(refused.status, 405, refused)

    def test_probes_and_unsigned_posts_are_refused_with_fail(self):
        merchant = self.start_merchant()
        context = harness.client_tls(self.ca)

        def post(headers, body=b'{"id":"x"}', method="POST"):
            with harness.Client(merchant.port, tls=context, server_name="merchant.test") as c:
                return c.request(method, "/wechatpay/notify",
                                 [("Content-Type", "application/json")] + headers, body=body)
        unsigned = post([])
        self.assertEqual(unsigned.status, 401, unsigned)
        self.assertEqual(unsigned.json()["code"], "FAIL")
        probe = post([("Wechatpay-Timestamp", str(int(time.time()))),
                      ("Wechatpay-Nonce", "n"), ("Wechatpay-Serial", self.keys.platform_serial),
                      ("Wechatpay-Signature", "WECHATPAY/SIGNTEST/abc")])
        self.assertEqual(probe.status, 401, probe)
        self.assertEqual(probe.json()["code"], "FAIL")
        self.assertEqual(post([], method="GET", body=b"").status, 405)
        self.assertEqual(counter(merchant, "paygate_callbacks_received_total",
                                 result="missing_header"), 1)
        self.assertEqual(counter(merchant, "paygate_callbacks_received_total",
                                 result="sign_test_probe"), 1)
        self.assertEqual(self.app.ids(), [])

    def test_an_sm2_platform_seals_with_sm4_and_the_app_still_gets_plaintext(self):
        """The SM suite end to end: the platform signs with SM2 (WECHATPAY2-SM2-WITH-SM3) and
        seals the resource with AEAD_SM4_GCM; the receiver verifies and opens both."""
        sm = os.path.join(self.tmpdir, "sm2")
        made = self.run_paygate("keys", "new", "--dir", sm, "--mchid", "platform", "--role",
                                "platform", "--algorithm", "sm2", timeout=60)
        self.assertEqual(made.returncode, 0, made.stderr)
        key, cert = sm + "/platform_platform.key.pem", sm + "/platform_platform.cert.pem"
        merchant = self.start_merchant(platform_cert=cert)
        platform = self.start_platform(merchant, platform_key=key, platform_cert=cert)
        event_id = self.notify(platform, merchant, "sm-1")
        harness.wait_until(lambda: self.app.ids(), 15, what="the SM4-sealed event")
        (forwarded_id, body), = self.app.events
        self.assertEqual(forwarded_id, event_id)
        self.assertEqual(body["resource"]["out_trade_no"], "order-sm-1")
        self.assertEqual(counter(merchant, "paygate_callbacks_received_total", result="stored"), 1)

    def test_an_app_that_fails_gets_the_event_again(self):
        self.app.script = [503, 500]
        merchant = self.start_merchant()
        platform = self.start_platform(merchant)
        event_id = self.notify(platform, merchant, "pay-2")
        harness.wait_until(lambda: self.app.ids(), 15, what="the forward after two failures")
        self.assertEqual(self.app.ids(), [event_id])
        self.assertEqual(counter(merchant, "paygate_callbacks_attempts_total",
                                 outcome="rejected"), 2)


class CrashTest(CallbacksTestCase):
    TOTAL = 10_000
    CLIENTS = 8

    def test_sigkill_during_10000_callbacks_loses_none_acknowledged(self):
        seed = int(os.environ.get("CALLBACKS_CRASH_SEED", random.randrange(1 << 30)))
        rng = random.Random(seed)
        points = sorted(rng.uniform(0.15, 0.7) for _ in range(2))
        merchant = self.start_merchant(merchant_concurrency=64)
        platform = self.start_platform(merchant)
        self.app.backend.record_bytes = False
        deadline = time.monotonic() + 240
        ids = []
        lock = threading.Lock()
        errors = []

        def intake(index):
            conn = http.client.HTTPConnection(harness.HOST, platform.notify_port, timeout=10)
            try:
                for n in range(index, self.TOTAL, self.CLIENTS):
                    conn.request("POST", "/internal/notifications",
                                 json.dumps(self.event(merchant, "crash-%05d" % n)),
                                 {"Content-Type": "application/json"})
                    r = conn.getresponse()
                    data = r.read()
                    if r.status != 201:
                        raise AssertionError("intake answered %d: %r" % (r.status, data[:200]))
                    with lock:
                        ids.append(json.loads(data)["id"])
            except BaseException as e:  # noqa: B036 - reported by the main thread
                errors.append(e)
            finally:
                conn.close()

        threads = [threading.Thread(target=intake, args=(i,)) for i in range(self.CLIENTS)]
        for t in threads:
            t.start()
        # Kill the merchant gateway while callbacks stream in, each time once the platform has
        # had that share acknowledged, and start it again on the same outbox.
        kills = []
        for point in points:
            harness.wait_until(
                lambda: counter(platform, "paygate_notify_delivered_total") >= point * self.TOTAL,
                max(1, deadline - time.monotonic()), 0.01, "%.0f%% acknowledged" % (point * 100))
            merchant.process.signal(signal.SIGKILL)
            merchant.process.wait(timeout=5)
            kills.append(counter(platform, "paygate_notify_delivered_total"))
            self.restart_gateway(merchant)
        for t in threads:
            t.join(timeout=max(1, deadline - time.monotonic()))
        if errors:
            raise errors[0]
        self.assertEqual(len(ids), self.TOTAL)

        # Every event the merchant acknowledged, then all of them as the platform retries,
        # reaches the app at least once.
        wanted = set(ids)
        harness.wait_until(
            lambda: counter(platform, "paygate_notify_delivered_total") >= self.TOTAL,
            max(1, deadline - time.monotonic()), 0.2, "every callback acknowledged (seed %d)" % seed)
        harness.wait_until(lambda: wanted <= set(self.app.ids()),
                           max(1, deadline - time.monotonic()), 0.2,
                           "every callback forwarded (seed %d)" % seed)
        forwarded = self.app.ids()
        print("callbacks crash test: seed %d, killed at %s acknowledged, %d forwards for %d "
              "events" % (seed, kills, len(forwarded), self.TOTAL))
        self.assertEqual(set(forwarded), wanted)


if __name__ == "__main__":
    harness.main()
