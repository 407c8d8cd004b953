"""Durable payment notifications on real processes: the internal intake API (POST/GET
/internal/notifications...), delivery to a merchant's notify_url as a signed WeChat Pay v3
envelope whose resource decrypts with the APIv3 key, retries per `schedule` on errors, timeouts,
closed connections and a merchant that is down, dead letters and manual retry, the bearer token,
refusal of an unusable outbox at start, a full outbox and a full disk (a small tmpfs, as root:
503, nothing acknowledged lost, intake back once there is space), and SIGKILL in the middle
of 10,000 intakes: every acknowledged event is delivered at least once.

The envelope's resource is decrypted with node's built-in crypto module (AES-256-GCM is not in
the Python standard library); without node that one check is skipped, the rest still runs."""

import base64
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import threading
import time
import unittest

import harness

MCHID = "1230000109"
OTHER_MCHID = "1900000001"

# Decrypts AEAD_AES_256_GCM the way a merchant does: key = the 32 ASCII bytes of the APIv3 key,
# IV = nonce, AAD = associated_data, ciphertext = base64(data || 16-byte tag).
NODE_DECRYPT = r"""
const crypto = require('crypto');
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const raw = Buffer.from(input.ciphertext, 'base64');
const d = crypto.createDecipheriv('aes-256-gcm', Buffer.from(input.key, 'ascii'),
                                  Buffer.from(input.nonce, 'ascii'));
d.setAAD(Buffer.from(input.associated_data, 'utf8'));
d.setAuthTag(raw.subarray(raw.length - 16));
process.stdout.write(Buffer.concat([d.update(raw.subarray(0, raw.length - 16)), d.final()]));
"""


def metric(text, name, labels=""):
    """The value of one sample in Prometheus text (0 when absent)."""
    rx = re.compile(r"^%s%s (\S+)$" % (re.escape(name), re.escape(labels)), re.M)
    m = rx.search(text)
    return float(m.group(1)) if m else 0.0


class IntakeClient:
    """POSTs events to the intake of one or more nodes over a kept-alive connection until each is
    acknowledged, as a backend with a balancer would: a connection that fails is dropped and the
    event sent again, to the next node when there are several (`failovers` counts them). Any
    answer but 200/201 is a test failure. Close it when done."""

    def __init__(self, ports, attempts=200, pause=0.01):
        self.ports = list(ports)
        self.at = 0
        self.attempts = attempts
        self.pause = pause
        self.conn = None
        self.failovers = 0

    def post(self, body):
        """The id the intake gave the event (the stored one's, for a repeated key)."""
        for _ in range(self.attempts):
            try:
                self.conn = self.conn or http.client.HTTPConnection(
                    harness.HOST, self.ports[self.at], timeout=5)
                self.conn.request("POST", "/internal/notifications", body,
                                  {"Content-Type": "application/json"})
                r = self.conn.getresponse()
                data = r.read()
            except (OSError, http.client.HTTPException):
                self.close()
                self.at = (self.at + 1) % len(self.ports)
                self.failovers += 1
                time.sleep(self.pause)
                continue
            if r.status in (200, 201):
                return json.loads(data)["id"]
            raise AssertionError("intake answered %d: %r" % (r.status, data[:200]))
        raise AssertionError("never acknowledged: %s" % body[:120])

    def close(self):
        if self.conn:
            self.conn.close()
        self.conn = None


class NotifyTestCase(harness.GatewayTestCase):
    """A merchant with notify_urls, a platform key to sign with, and helpers for the intake API."""

    def setUp(self):
        self.keys = harness.PlatformKeys(self, MCHID)
        with open(self.keys.apiv3_key_file) as f:
            self.apiv3_key = f.read().strip()
        self.store = os.path.join(self.tmpdir, "outbox.db")

    def start(self, receiver=None, notify_urls=None, wait=True, wrapper=None, **settings):
        section = {"store": self.store, "address": harness.HOST, "port": harness.free_port(),
                   "schedule": ["1s", "1s", "1s"], "jitter_percent": 0,
                   "attempt_timeout": "300ms", "lease": "3s"}
        section.update(settings)
        extra = self.keys.config()
        urls = notify_urls if notify_urls is not None else [receiver.url("/")]
        extra["merchants"][0]["notify_urls"] = urls
        extra["notifications"] = section
        # A route is needed by the schema; nothing is sent through it here.
        gw = self.gateway(clusters=[harness.cluster("b", harness.free_port())],
                          routes=[harness.route("all", "/", "b")], extra=extra, wait=wait,
                          wrapper=wrapper)
        gw.notify_port = section["port"]
        return gw

    def event(self, receiver, key="key-1", path="/notify", **fields):
        e = {"mchid": MCHID, "notify_url": receiver.url(path) if receiver else "",
             "event_type": "TRANSACTION.SUCCESS", "resource_type": "transaction",
             "summary": "payment succeeded",
             "resource": {"mchid": MCHID, "out_trade_no": "order-" + key,
                          "trade_state": "SUCCESS", "amount": {"total": 100}},
             "idempotency_key": key}
        e.update(fields)
        return e

    def call(self, gw, method, path, body=None, headers=None, token=None):
        items = list(headers or [])
        if token:
            items.append(("Authorization", "Bearer " + token))
        data = b""
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            items.append(("Content-Type", "application/json"))
        with harness.Client(gw.notify_port) as c:
            return c.request(method, path, items, body=data)

    def intake(self, gw, event, **kw):
        return self.call(gw, "POST", "/internal/notifications", event, **kw)

    def status(self, gw, event_id):
        r = self.call(gw, "GET", "/internal/notifications/" + event_id)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def wait_state(self, gw, event_id, state, timeout=10):
        return harness.wait_until(
            lambda: (lambda s: s if s["state"] == state else None)(self.status(gw, event_id)),
            timeout, 0.05, "%s to be %s" % (event_id, state))

    def metrics(self, gw):
        return harness.http_get(gw.admin_port, "/metrics", timeout=2)[1].decode()

    def created(self, gw, event):
        r = self.intake(gw, event)
        self.assertEqual(r.status, 201, r)
        return r.json()["id"]


class IntakeAndDeliveryTest(NotifyTestCase):
    def verify_signature(self, req):
        body_file = os.path.join(self.tmpdir, "envelope.json")
        with open(body_file, "wb") as f:
            f.write(req.body)
        p = self.run_paygate("verify", "--cert", self.keys.platform_cert,
                             "--timestamp", req.header("Wechatpay-Timestamp"),
                             "--nonce", req.header("Wechatpay-Nonce"),
                             "--signature", req.header("Wechatpay-Signature"),
                             "--body-file", body_file)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        # The same check fails on a body that differs by one byte.
        with open(body_file, "wb") as f:
            f.write(req.body.replace(b"TRANSACTION", b"TRANSACTIOM"))
        p = self.run_paygate("verify", "--cert", self.keys.platform_cert,
                             "--timestamp", req.header("Wechatpay-Timestamp"),
                             "--nonce", req.header("Wechatpay-Nonce"),
                             "--signature", req.header("Wechatpay-Signature"),
                             "--body-file", body_file)
        self.assertNotEqual(p.returncode, 0, p.stdout + p.stderr)

    def decrypt(self, resource):
        node = shutil.which("node")
        if node is None:
            return None
        p = subprocess.run([node, "-e", NODE_DECRYPT], capture_output=True, timeout=30,
                           input=json.dumps({"key": self.apiv3_key, "nonce": resource["nonce"],
                                             "associated_data": resource["associated_data"],
                                             "ciphertext": resource["ciphertext"]}).encode(),
                           stdin=None)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        return json.loads(p.stdout)

    def test_intake_is_idempotent_and_delivers_one_signed_encrypted_envelope(self):
        receiver = self.notify_receiver()
        gw = self.start(receiver)
        event = self.event(receiver, "pay-0001")
        r = self.intake(gw, event)
        self.assertEqual(r.status, 201, r)
        self.assertTrue(r.header("Content-Type", "").startswith("application/json"), r)
        event_id = r.json()["id"]
        self.assertRegex(event_id, r"^EV-[0-9a-f]{32}$")
        again = self.intake(gw, event)
        self.assertEqual(again.status, 200, again)
        self.assertEqual(again.json(), {"id": event_id, "existing": True})

        harness.wait_until(lambda: receiver.count() >= 1, 10, what="the delivery")
        self.wait_state(gw, event_id, "delivered")
        time.sleep(0.5)  # a second delivery would come now
        self.assertEqual(receiver.count(), 1)
        req = receiver.requests[0]
        self.assertEqual((req.method, req.path), ("POST", "/notify"))
        self.assertTrue(req.header("Content-Type", "").startswith("application/json"))
        self.assertEqual(req.header("Wechatpay-Serial"), self.keys.platform_serial)
        self.assertEqual(req.header("Wechatpay-Signature-Type"), "WECHATPAY2-SHA256-RSA2048")
        self.assertLessEqual(abs(int(req.header("Wechatpay-Timestamp")) - time.time()), 60)
        self.verify_signature(req)

        envelope = json.loads(req.body)
        self.assertEqual(envelope["id"], event_id)
        self.assertEqual(envelope["event_type"], "TRANSACTION.SUCCESS")
        self.assertEqual(envelope["resource_type"], "encrypt-resource")
        self.assertEqual(envelope["summary"], "payment succeeded")
        self.assertRegex(envelope["create_time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
        resource = envelope["resource"]
        self.assertEqual(resource["algorithm"], "AEAD_AES_256_GCM")
        self.assertEqual(resource["original_type"], "transaction")
        self.assertTrue(resource["nonce"] and resource["ciphertext"], resource)
        self.assertNotIn(b"out_trade_no", base64.b64decode(resource["ciphertext"]))
        plain = self.decrypt(resource)
        if plain is None:
            print("node not installed: resource decryption not checked")
        else:
            self.assertEqual(plain, event["resource"])

        text = self.metrics(gw)
        self.assertEqual(metric(text, "paygate_notify_intakes_total", '{result="created"}'), 1)
        self.assertEqual(metric(text, "paygate_notify_intakes_total", '{result="existing"}'), 1)
        self.assertEqual(metric(text, "paygate_notify_delivered_total"), 1)
        self.assertEqual(metric(text, "paygate_notify_attempts_total", '{outcome="delivered"}'), 1)

    def test_status_list_and_unknown_id(self):
        receiver = self.notify_receiver()
        gw = self.start(receiver)
        event_id = self.created(gw, self.event(receiver, "pay-0002"))
        status = self.wait_state(gw, event_id, "delivered")
        self.assertEqual(status["attempts"], 1, status)
        self.assertEqual((status["id"], status["mchid"], status["idempotency_key"]),
                         (event_id, MCHID, "pay-0002"))
        self.assertEqual(status["notify_url"], receiver.url("/notify"))
        self.assertIn("finished_at", status)
        self.assertNotIn("version", status)
        # The version a split sent the causing request to is kept with the event.
        r = self.intake(gw, self.event(receiver, "pay-0003"),
                        headers=[("X-Pay-Gateway-Version", "green")])
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.status(gw, r.json()["id"])["version"], "green")
        # Delivered before the lists below are read: none of them may catch it in flight.
        self.wait_state(gw, r.json()["id"], "delivered")
        r = self.intake(gw, self.event(receiver, "pay-0004"),
                        headers=[("X-Pay-Gateway-Version", "a b")])
        self.assertJsonError(r, 400)
        r = self.call(gw, "GET", "/internal/notifications?state=delivered")
        self.assertEqual(r.status, 200, r)
        self.assertIn(event_id, [n["id"] for n in r.json()["notifications"]])
        r = self.call(gw, "GET", "/internal/notifications?state=pending")
        self.assertEqual(r.json()["notifications"], [])
        r = self.call(gw, "GET", "/internal/notifications?state=delivered&mchid=" + OTHER_MCHID)
        self.assertEqual(r.json()["notifications"], [])
        r = self.call(gw, "GET", "/internal/notifications/EV-00000000000000000000000000000000")
        self.assertJsonError(r, 404)
        r = self.call(gw, "GET", "/internal/notifications?state=lost")
        self.assertJsonError(r, 400)

    def test_bad_input_is_refused_naming_the_field(self):
        receiver = self.notify_receiver()
        gw = self.start(receiver)
        no_mchid = self.event(receiver, "bad-1")
        del no_mchid["mchid"]
        cases = [
            (no_mchid, "mchid"),
            (dict(self.event(receiver, "bad-2"), colour="red"), "colour"),
            (self.event(receiver, "bad-3", notify_url="ftp://example.com/x"), "notify_url"),
            (self.event(receiver, "bad-4", notify_url=receiver.url("/n?x=1")), "notify_url"),
            (self.event(receiver, "bad-5", resource="text"), "resource"),
            (self.event(receiver, ""), "idempotency_key"),
        ]
        for event, field in cases:
            body = self.assertJsonError(self.intake(gw, event), 400)
            self.assertIn(field, body["message"], (event, body))
        self.assertJsonError(self.intake(gw, b"[1, 2"), 400)
        body = self.assertJsonError(self.intake(gw, self.event(receiver, "bad-6",
                                                               mchid=OTHER_MCHID)), 422)
        self.assertIn(OTHER_MCHID, body["message"])
        outside = self.event(receiver, "bad-7", notify_url="http://127.0.0.1:1/elsewhere")
        body = self.assertJsonError(self.intake(gw, outside), 422)
        self.assertIn("notify_url", body["message"])
        text = self.metrics(gw)
        self.assertEqual(metric(text, "paygate_notify_intakes_total", '{result="rejected"}'), 9)
        self.assertEqual(metric(text, "paygate_notify_intakes_total", '{result="created"}'), 0)
        time.sleep(0.3)
        self.assertEqual(receiver.count(), 0)

    def test_exact_allow_list_entry(self):
        receiver = self.notify_receiver()
        gw = self.start(receiver, notify_urls=[receiver.url("/exact")])
        self.created(gw, self.event(receiver, "exact-1", path="/exact"))
        body = self.assertJsonError(self.intake(gw, self.event(receiver, "exact-2",
                                                               path="/exact/below")), 422)
        self.assertIn("notify_url", body["message"])
        harness.wait_until(lambda: receiver.count() == 1, 10, what="the delivery")

    def test_bearer_token(self):
        receiver = self.notify_receiver()
        token = "s3cret-token-0123456789"
        token_file = self.write_file("notify.token", token + "\n")
        gw = self.start(receiver, token_file=token_file)
        event = self.event(receiver, "tok-1")
        self.assertJsonError(self.intake(gw, event), 401)
        self.assertJsonError(self.intake(gw, event, token="wrong"), 401)
        self.assertJsonError(self.intake(gw, event, headers=[("Authorization", token)]), 401)
        r = self.call(gw, "GET", "/internal/notifications")
        self.assertJsonError(r, 401)
        r = self.intake(gw, event, token=token)
        self.assertEqual(r.status, 201, r)
        r = self.call(gw, "GET", "/internal/notifications/" + r.json()["id"], token=token)
        self.assertEqual(r.status, 200, r)
        harness.wait_until(lambda: receiver.count() == 1, 10, what="the delivery")


class RetryTest(NotifyTestCase):
    def test_receiver_down_then_up(self):
        receiver = self.notify_receiver(start=False)  # nothing listens on its port yet
        gw = self.start(receiver, schedule=["1s"] * 5)
        event_id = self.created(gw, self.event(receiver, "down-1"))
        time.sleep(1.5)
        self.assertEqual(self.status(gw, event_id)["state"], "pending")
        receiver.start()
        status = self.wait_state(gw, event_id, "delivered", timeout=10)
        self.assertGreater(status["attempts"], 1, status)
        self.assertEqual(receiver.count(), 1)
        text = self.metrics(gw)
        self.assertGreater(metric(text, "paygate_notify_attempts_total", '{outcome="network"}'), 0)
        self.assertEqual(metric(text, "paygate_notify_delivered_total"), 1)

    def test_error_then_ok(self):
        receiver = self.notify_receiver()
        receiver.then("error")
        gw = self.start(receiver)
        event_id = self.created(gw, self.event(receiver, "err-1"))
        status = self.wait_state(gw, event_id, "delivered")
        self.assertEqual(status["attempts"], 2, status)
        self.assertEqual([m for _, m in receiver.answered], ["error", "ok"])
        time.sleep(0.3)
        self.assertEqual(receiver.count(), 2)
        text = self.metrics(gw)
        self.assertEqual(metric(text, "paygate_notify_attempts_total", '{outcome="rejected"}'), 1)
        self.assertEqual(metric(text, "paygate_notify_delivered_total"), 1)

    def test_slow_then_fast(self):
        receiver = self.notify_receiver()
        receiver.slow_seconds = 1.0  # longer than attempt_timeout (300ms)
        receiver.then("slow")
        gw = self.start(receiver)
        event_id = self.created(gw, self.event(receiver, "slow-1"))
        status = self.wait_state(gw, event_id, "delivered")
        self.assertEqual(status["attempts"], 2, status)
        self.assertEqual([m for _, m in receiver.answered], ["slow", "ok"])
        text = self.metrics(gw)
        self.assertEqual(metric(text, "paygate_notify_attempts_total", '{outcome="timeout"}'), 1)
        self.assertEqual(metric(text, "paygate_notify_delivered_total"), 1)

    def test_connection_closed_without_answer(self):
        receiver = self.notify_receiver()
        receiver.then("close")
        gw = self.start(receiver)
        event_id = self.created(gw, self.event(receiver, "close-1"))
        status = self.wait_state(gw, event_id, "delivered")
        self.assertEqual(status["attempts"], 2, status)
        self.assertEqual([m for _, m in receiver.answered], ["close", "ok"])
        text = self.metrics(gw)
        self.assertEqual(metric(text, "paygate_notify_attempts_total", '{outcome="network"}'), 1)

    def test_dead_letter_and_manual_retry(self):
        receiver = self.notify_receiver()
        receiver.mode = "error"
        gw = self.start(receiver, schedule=["1s", "1s"])
        event_id = self.created(gw, self.event(receiver, "dead-1"))
        status = self.wait_state(gw, event_id, "failed", timeout=10)
        self.assertEqual(status["attempts"], 3, status)
        self.assertIn("500", status["last_error"])
        self.assertEqual(receiver.count(), 3)
        harness.wait_until(lambda: metric(self.metrics(gw), "paygate_notify_dead_letters_total")
                           == 1, 5, what="the dead letter metric")
        r = self.call(gw, "GET", "/internal/notifications?state=failed")
        self.assertEqual([n["id"] for n in r.json()["notifications"]], [event_id])

        receiver.mode = "ok"
        r = self.call(gw, "POST", "/internal/notifications/%s/retry" % event_id)
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json()["id"], event_id)
        status = self.wait_state(gw, event_id, "delivered", timeout=5)
        self.assertEqual(status["attempts"], 4, status)
        self.assertEqual(receiver.count(), 4)
        # A delivered event may be delivered again (a merchant that lost it).
        r = self.call(gw, "POST", "/internal/notifications/%s/retry" % event_id)
        self.assertEqual(r.status, 202, r)
        harness.wait_until(lambda: receiver.count() == 5, 5, what="the repeated delivery")
        self.assertEqual(self.wait_state(gw, event_id, "delivered")["attempts"], 5)
        r = self.call(gw, "POST", "/internal/notifications/EV-0/retry")
        self.assertJsonError(r, 404)


class StoreTest(NotifyTestCase):
    def start_fails(self, **settings):
        gw = self.start(receiver=harness.NotifyReceiver(start=False), wait=False, **settings)
        try:
            code = gw.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.fail("paygate started with an unusable outbox:\n" + gw.log())
        self.assertNotEqual(code, 0, gw.log())
        return gw.log()

    def test_garbage_store_file_is_refused(self):
        with open(self.store, "wb") as f:
            f.write(random.Random(7).randbytes(64 * 1024))
        log = self.start_fails()
        self.assertIn(self.store, log)
        self.assertRegex(log, r"not a database|corrupt|malformed")

    def test_store_in_missing_directory_is_refused(self):
        self.store = os.path.join(self.tmpdir, "no", "such", "dir", "outbox.db")
        log = self.start_fails()
        self.assertIn(self.store, log)
        self.assertRegex(log, r"cannot open|unable to open|does not exist|no such")

    def test_full_store_answers_503_and_loses_nothing_acknowledged(self):
        receiver = self.notify_receiver()
        gw = self.start(receiver, max_store_size="1MiB")
        accepted, full = [], None
        for i in range(200):
            event = self.event(receiver, "big-%d" % i)
            event["resource"]["padding"] = "%06d" % i * (32 * 1024 // 6)
            r = self.intake(gw, event)
            if r.status == 201:
                accepted.append(r.json()["id"])
                continue
            full = r
            break
        self.assertIsNotNone(full, "200 intakes of 32 KiB fitted in a 1MiB outbox")
        body = self.assertJsonError(full, 503)
        self.assertIn("full", body["message"])
        self.assertGreater(len(accepted), 5)
        print("full store: %d intakes of 32 KiB accepted before 503" % len(accepted))
        harness.wait_until(lambda: set(accepted) <= set(receiver.ids()), 30, 0.1,
                           "every accepted event to be delivered")
        for event_id in accepted[:3] + accepted[-3:]:
            self.assertEqual(self.wait_state(gw, event_id, "delivered")["attempts"], 1)
        text = self.metrics(gw)
        self.assertGreaterEqual(metric(text, "paygate_notify_intakes_total",
                                       '{result="store_full"}'), 1)


    def mount_tmpfs(self, size):
        """A fresh tmpfs of `size` bytes under the test's directory; the test is skipped where
        mounting is not allowed (not root, no CAP_SYS_ADMIN). Call it before starting the
        gateway: cleanups run last-in first-out, so the unmount then comes after the kill."""
        directory = os.path.join(self.tmpdir, "tmpfs")
        os.mkdir(directory)
        try:
            p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d,mode=0700" % size,
                                "tmpfs", directory], capture_output=True, text=True, timeout=10)
        except OSError as e:
            self.skipTest("cannot run mount: %s" % e)
        if p.returncode != 0:
            why = (p.stderr or p.stdout).strip().splitlines() or ["exit %d" % p.returncode]
            self.skipTest("cannot mount a tmpfs (uid %d): %s" % (os.geteuid(), why[0]))
        self.addCleanup(self.unmount, directory)
        return directory

    def unmount(self, directory):
        p = subprocess.run(["umount", directory], capture_output=True, text=True, timeout=10)
        if p.returncode != 0:  # still busy: detach it now, the kernel frees it when unused
            p = subprocess.run(["umount", "-l", directory], capture_output=True, text=True,
                               timeout=10)
        self.assertEqual(p.returncode, 0, "cannot unmount %s: %s" % (directory, p.stderr))

    def test_disk_full_tmpfs_answers_503_and_loses_nothing_acknowledged(self):
        # 3 MiB holds the empty outbox and its WAL with room to spare, and a few hundred events
        # of 2 KiB fill it (each one-event commit appends ~6 pages to the WAL, which only the
        # committer's once-a-second checkpoint lets SQLite reuse). max_store_size is unset: the
        # disk itself is the limit. No dispatcher: nothing is delivered or pruned, so nothing
        # frees space on its own.
        directory = self.mount_tmpfs(3 * 1024 * 1024)
        self.store = os.path.join(directory, "outbox.db")
        receiver = harness.NotifyReceiver(start=False)  # an allowed notify_url; never called
        gw = self.start(receiver, dispatchers=0)
        started = time.monotonic()
        accepted, refused, statuses = {}, [], []  # key -> id; keys answered 503; every status

        def post(key):
            event = self.event(receiver, key)
            event["resource"]["padding"] = "%06d" % len(statuses) * (2048 // 6)
            r = self.intake(gw, event)
            statuses.append(r.status)
            if r.status == 201:
                accepted[key] = r.json()["id"]
            else:
                self.assertJsonError(r, 503)
                refused.append(key)
            return r

        full = None
        while len(statuses) < 5000 and time.monotonic() - started < 30:
            r = post("disk-%05d" % len(statuses))
            if r.status == 503:
                full = r
                break
        fill_seconds = time.monotonic() - started
        self.assertIsNotNone(full, "%d intakes of 2 KiB in %.1fs and the 3 MiB tmpfs is not full"
                             % (len(statuses), fill_seconds))
        body = self.assertJsonError(full, 503)
        self.assertRegex(body["message"], "full|cannot be written")
        self.assertGreater(len(accepted), 20)
        first_refusal = len(statuses)
        # The disk stays full across a committer checkpoint (it needs space too): intake keeps
        # refusing; anything it still acknowledges must be stored like the rest.
        deadline = time.monotonic() + 1.2
        while time.monotonic() < deadline:
            post("disk-%05d" % len(statuses))
            time.sleep(0.005)
        self.assertEqual(statuses[-1], 503, statuses[first_refusal:])
        self.assertEqual(harness.http_get(gw.admin_port, "/healthz", timeout=2)[0], 200)
        self.assertTrue(gw.process.alive(), gw.log())
        for event_id in accepted.values():
            self.assertEqual(self.status(gw, event_id)["state"], "pending")
        # A repeat of a stored event needs no space: it still answers with its id.
        key, event_id = next(iter(accepted.items()))
        r = self.intake(gw, self.event(receiver, key))
        self.assertEqual((r.status, r.json()), (200, {"id": event_id, "existing": True}))
        text = self.metrics(gw)
        self.assertEqual(metric(text, "paygate_notify_intakes_total", '{result="store_full"}') +
                         metric(text, "paygate_notify_intakes_total", '{result="store_error"}'),
                         len(refused))
        sizes = {name: os.path.getsize(os.path.join(directory, name)) // 1024
                 for name in sorted(os.listdir(directory))}

        # Space comes back: intake recovers without a restart. An event refused with 503 was
        # not stored, so sending it again creates it (201, not 200 "existing").
        p = subprocess.run(["mount", "-o", "remount,size=64m", directory], capture_output=True,
                           text=True, timeout=10)
        self.assertEqual(p.returncode, 0, p.stderr)
        remounted = time.monotonic()
        for key in refused:
            accepted[key] = self.created(gw, self.event(receiver, key))
        recovery_seconds = time.monotonic() - remounted
        for i in range(20):
            key = "after-%02d" % i
            accepted[key] = self.created(gw, self.event(receiver, key))

        # Stopped and started again on the same outbox: everything acknowledged is there.
        gw.process.signal(signal.SIGTERM)
        self.assertEqual(gw.process.wait(timeout=10), 0, gw.log())
        self.restart_gateway(gw)
        for key, event_id in accepted.items():
            status = self.status(gw, event_id)
            self.assertEqual((status["id"], status["state"]), (event_id, "pending"), key)
            r = self.intake(gw, self.event(receiver, key))
            self.assertEqual((r.status, r.json()), (200, {"id": event_id, "existing": True}), key)
        print("disk full (3 MiB tmpfs, KiB per file %s): %d intakes of 2 KiB acknowledged in "
              "%.2fs, then 503 %r; %d of the %d intakes over the next 1.2s acknowledged; after "
              "a remount at 64 MiB the %d refused events were stored in %.2fs; %d events present "
              "after a restart; %.1fs in all"
              % (sizes, first_refusal - 1, fill_seconds, body["message"],
                 statuses[first_refusal:].count(201), len(statuses) - first_refusal,
                 len(refused), recovery_seconds, len(accepted), time.monotonic() - started))

class CrashTest(NotifyTestCase):
    TOTAL = 10_000
    CLIENTS = 8

    def test_sigkill_during_intakes_loses_nothing_acknowledged(self):
        seed = int(os.environ.get("NOTIFY_CRASH_SEED", random.randrange(1 << 30)))
        rng = random.Random(seed)
        kills_planned = rng.choice([2, 3])
        # Kill points, as fractions of the intakes acknowledged so far.
        points = sorted(rng.uniform(0.1, 0.85) for _ in range(kills_planned))
        receiver = self.notify_receiver()
        gw = self.start(receiver, schedule=["1s"] * 10, attempt_timeout="2s", lease="3s",
                        jitter_percent=0)
        port = gw.notify_port
        lock = threading.Lock()
        acked = {}       # idempotency key -> id
        repeats = []     # (key, id of the first answer, id of a later answer)
        retried = set()  # keys whose call failed at least once
        existing = set()  # keys first acknowledged by a repeat (200 "existing")
        done_count = [0]
        stop = threading.Event()
        errors = []
        started = time.monotonic()
        deadline = started + 60

        def post(conn, body):
            conn.request("POST", "/internal/notifications", body,
                         {"Content-Type": "application/json"})
            r = conn.getresponse()
            return r.status, r.read()

        def client(index):
            conn = None
            try:
                for n in range(index, self.TOTAL, self.CLIENTS):
                    key = "crash-%05d" % n
                    body = json.dumps(self.event(receiver, key))
                    while True:
                        if time.monotonic() > deadline or stop.is_set():
                            raise AssertionError("intake of %s not acknowledged in time" % key)
                        try:
                            if conn is None:
                                conn = http.client.HTTPConnection(harness.HOST, port, timeout=5)
                            status, data = post(conn, body)
                        except (OSError, http.client.HTTPException):
                            if conn is not None:
                                conn.close()
                            conn = None
                            with lock:
                                retried.add(key)
                            time.sleep(0.02)
                            continue
                        if status in (200, 201):
                            answer = json.loads(data)
                            with lock:
                                acked[key] = answer["id"]
                                done_count[0] += 1
                                if answer.get("existing"):  # stored, but the answer was lost
                                    existing.add(key)
                            break
                        raise AssertionError("intake answered %d: %r" % (status, data[:200]))
            except BaseException as e:  # noqa: B036 - reported by the main thread
                errors.append(e)
                stop.set()
            finally:
                if conn is not None:
                    conn.close()

        kills = []

        def killer():
            try:
                for point in points:
                    while done_count[0] < point * self.TOTAL:
                        if stop.is_set() or time.monotonic() > deadline:
                            return
                        time.sleep(0.002)
                    time.sleep(rng.uniform(0, 0.05))
                    gw.process.signal(signal.SIGKILL)
                    gw.process.wait(timeout=5)
                    kills.append(done_count[0])
                    self.restart_gateway(gw)
            except BaseException as e:  # noqa: B036
                errors.append(e)
                stop.set()

        threads = [threading.Thread(target=client, args=(i,)) for i in range(self.CLIENTS)]
        threads.append(threading.Thread(target=killer))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=max(1, deadline - time.monotonic() + 10))
        stop.set()
        if errors:
            raise errors[0]
        self.assertFalse(any(t.is_alive() for t in threads), "client threads did not finish")
        intake_seconds = time.monotonic() - started
        self.assertEqual(len(acked), self.TOTAL)
        self.assertLessEqual(existing, retried)
        self.assertEqual(len(set(acked.values())), self.TOTAL, "two keys got the same id")
        self.assertEqual(len(kills), kills_planned, kills)

        # Every key retried after a crash, and a sample of the others, answers with its id.
        sample = sorted(retried | set(rng.sample(sorted(acked), 300)))
        conn = http.client.HTTPConnection(harness.HOST, port, timeout=5)
        try:
            for key in sample:
                status, data = post(conn, json.dumps(self.event(receiver, key)))
                self.assertEqual(status, 200, (key, data))
                self.assertEqual(json.loads(data), {"id": acked[key], "existing": True}, key)
        finally:
            conn.close()

        wanted = set(acked.values())
        seen = set()
        parsed = [0]

        def all_delivered():
            bodies = receiver.bodies()
            for body in bodies[parsed[0]:]:
                seen.add(json.loads(body)["id"])
            parsed[0] = len(bodies)
            return wanted <= seen

        try:
            harness.wait_until(all_delivered, 60, 0.2, "every acknowledged event to arrive")
        finally:
            lost = len(wanted - seen)
            received = receiver.count()
            print("crash test (seed %d): %d intakes acknowledged in %.1fs, %d SIGKILLs (after "
                  "%s acks), %d calls retried (%d of them stored before the crash), %d POSTs "
                  "received, %d unique, %d duplicates, %d lost, all delivered after %.1fs"
                  % (seed, len(acked), intake_seconds, len(kills), kills, len(retried),
                     len(existing), received,
                     len(seen), received - len(seen), lost, time.monotonic() - started))
        self.assertEqual(lost, 0)
        self.assertFalse(seen - wanted, "deliveries of events nobody acknowledged")


if __name__ == "__main__":
    harness.main()
