"""The notification outbox on PostgreSQL, on real processes: two gateways name one database
(`notifications.store: postgresql://...`), events taken in by node A are delivered by either
node exactly as with SQLite, a repeated idempotency key is stored once whichever node hears it,
an idle dispatcher of node B is woken by node A's intake through LISTEN/NOTIFY (milliseconds,
not its poll period), and SIGKILL of node A in the middle of a burst of intakes loses nothing
acknowledged; while the server is down intake answers 503, and both intake and delivery resume
by themselves when it is back; a password in the URI shows nowhere. A real server (engine_postgres.py); skipped without the PostgreSQL binaries."""

import json
import signal
import statistics
import threading
import time
import unittest
import uuid

import harness
import test_notify
from engine_postgres import PostgresServer


class PostgresOutboxTest(test_notify.NotifyTestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        reason = PostgresServer.unavailable()
        if reason:
            raise unittest.SkipTest(reason)
        cls.server = PostgresServer().start()

    @classmethod
    def tearDownClass(cls):
        if cls.server:
            cls.server.stop()

    def setUp(self):
        super().setUp()
        self.store = self.server.url
        self.schema = "it_" + uuid.uuid4().hex[:12]  # each test its own outbox

    def node(self, receiver, **settings):
        """One more gateway on the shared outbox, with a config file (and ports) of its own."""
        self.nodes = getattr(self, "nodes", 0) + 1
        section = {"store": self.store, "store_schema": self.schema, "address": harness.HOST,
                   "port": harness.free_port(), "schedule": ["1s", "1s", "1s"],
                   "jitter_percent": 0, "attempt_timeout": "300ms", "lease": "3s"}
        section.update(settings)
        extra = self.keys.config()
        extra["merchants"][0]["notify_urls"] = [receiver.url("/")]
        extra["notifications"] = section
        gw = self.gateway(clusters=[harness.cluster("b", harness.free_port())],
                          routes=[harness.route("all", "/", "b")], extra=extra,
                          name="node%d" % self.nodes)
        gw.notify_port = section["port"]
        return gw

    def delivered_ids(self, receiver):
        return [json.loads(body)["id"] for body in receiver.bodies()]

    def test_events_taken_in_by_one_node_are_delivered_once_and_seen_by_both(self):
        receiver = self.notify_receiver()
        a = self.node(receiver)
        b = self.node(receiver)
        ids = [self.created(a, self.event(receiver, "k%d" % i)) for i in range(40)]
        harness.wait_until(lambda: set(ids) <= set(self.delivered_ids(receiver)), 15, 0.05,
                           "every event delivered")
        time.sleep(0.5)  # a second delivery, if there were one, would come now
        delivered = self.delivered_ids(receiver)
        self.assertEqual(sorted(delivered), sorted(ids), "each event delivered exactly once")
        # Both nodes answer for the shared outbox.
        self.assertEqual(self.wait_state(b, ids[0], "delivered")["id"], ids[0])
        self.assertEqual(self.status(a, ids[-1])["state"], "delivered")

    def test_a_repeat_on_the_other_node_is_stored_once(self):
        receiver = self.notify_receiver()
        a = self.node(receiver)
        b = self.node(receiver)
        first = self.created(a, self.event(receiver, "same-key"))
        r = self.intake(b, self.event(receiver, "same-key"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"id": first, "existing": True})
        self.wait_state(a, first, "delivered")
        time.sleep(0.5)
        self.assertEqual(self.delivered_ids(receiver), [first])

    def test_an_idle_dispatcher_on_another_node_is_woken_at_once(self):
        receiver = self.notify_receiver()
        intake_only = self.node(receiver, dispatchers=0)
        self.node(receiver, dispatchers=1)
        latencies = []
        for i in range(20):
            time.sleep(0.3)  # the dispatcher is idle, waiting (its poll period is 200 ms)
            sent = time.monotonic()
            event_id = self.created(intake_only, self.event(receiver, "wake-%d" % i))
            harness.wait_until(lambda: event_id in self.delivered_ids(receiver), 5, 0.001,
                               "delivery")
            latencies.append((time.monotonic() - sent) * 1000)
        median = statistics.median(latencies)
        print("node A intake -> node B delivery: median %.1f ms, max %.1f ms (of %d)"
              % (median, max(latencies), len(latencies)))
        # Polling alone would average about 100 ms (half the poll period).
        self.assertLess(median, 50, latencies)

    def test_the_password_in_the_uri_is_never_shown(self):
        receiver = self.notify_receiver()
        # The test server trusts local connections: the password is accepted and ignored.
        self.store = self.server.url.replace("postgres@", "postgres:s3cret-pw@")
        gw = self.node(receiver)
        self.created(gw, self.event(receiver, "k1"))
        config = harness.http_get(gw.admin_port, "/config")[1].decode()
        self.assertIn("postgres:***@127.0.0.1", config)
        self.assertNotIn("s3cret-pw", config)
        self.assertNotIn("s3cret-pw", gw.process.output())

    def test_a_server_outage_is_503_and_both_paths_recover_by_themselves(self):
        server = PostgresServer().start()
        self.addCleanup(server.stop)
        self.store = server.url
        receiver = self.notify_receiver()
        gw = self.node(receiver)
        before = self.created(gw, self.event(receiver, "before"))
        self.wait_state(gw, before, "delivered")
        server.kill()
        for i in range(3):
            r = self.intake(gw, self.event(receiver, "down-%d" % i))
            self.assertEqual(r.status, 503, r)
        server.start()
        # The next call on each connection connects again: intake, then delivery, resume.
        after = harness.wait_until(
            lambda: (lambda r: r.json()["id"] if r.status == 201 else None)(
                self.intake(gw, self.event(receiver, "after"))), 10, 0.1, "intake back")
        harness.wait_until(lambda: after in self.delivered_ids(receiver), 10, 0.05,
                           "delivery after the outage")
        # `before` may come twice: its outcome, committed lazily (synchronous_commit = off), can
        # die with the server, and the event is delivered again when its lease runs out.
        self.assertEqual(set(self.delivered_ids(receiver)), {before, after})
        self.assertTrue(gw.process.proc.poll() is None, "paygate exited")

    def test_sigkill_of_one_node_during_intakes_loses_nothing_acknowledged(self):
        total, clients = 3000, 6
        receiver = self.notify_receiver()
        a = self.node(receiver, dispatchers=0)
        self.node(receiver)  # delivers
        acked = {}
        lock = threading.Lock()
        errors = []
        kill_at = total // 3
        killed = threading.Event()

        def client(index):
            intake = test_notify.IntakeClient([a.notify_port], attempts=500, pause=0.02)
            try:
                for n in range(index, total, clients):
                    key = "burst-%05d" % n
                    event_id = intake.post(json.dumps(self.event(receiver, key)))
                    with lock:
                        acked[key] = event_id
            except BaseException as e:  # noqa: B036 - reported by the main thread
                errors.append(e)
            finally:
                intake.close()

        def killer():
            while len(acked) < kill_at and not errors:
                time.sleep(0.001)
            a.process.signal(signal.SIGKILL)
            a.process.wait(timeout=5)
            killed.set()
            self.restart_gateway(a)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        threads.append(threading.Thread(target=killer))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        if errors:
            raise errors[0]
        self.assertTrue(killed.is_set())
        self.assertEqual(len(acked), total)
        wanted = set(acked.values())
        harness.wait_until(lambda: wanted <= set(self.delivered_ids(receiver)), 60, 0.2,
                           "every acknowledged event delivered")
        self.assertFalse(set(self.delivered_ids(receiver)) - wanted,
                         "deliveries of events nobody acknowledged")


if __name__ == "__main__":
    harness.main()
