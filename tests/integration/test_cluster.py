"""A cluster of three paygate nodes on the scale-out engines, all real and started here: one
PostgreSQL outbox (notifications.store) and one Redis (nonces and limits) shared by the three,
each node on its own ports as behind an L4 balancer.

SIGKILL of one node in the middle of 10,000 notification intakes spread over the three: a client
whose node went away fails over to the next, as a balancer would send it; nothing any node
acknowledged is lost, every event is delivered (at least once; the duplicates the crash caused
are counted and reported), and a signed request let in by one node is still a replay on the
others while this goes on. The configuration on etcd reaching every node is test_config_etcd's;
Redis going away is test_cluster_admission's; PostgreSQL going away is test_notify_postgres's."""

import collections
import json
import os
import signal
import threading
import time
import unittest
import uuid

import engine_redis
import harness
import test_cluster_admission
import test_notify
from engine_postgres import PostgresServer

NODES = 3
INTAKES = 10_000
CLIENTS = 9


class ClusterTest(test_notify.NotifyTestCase):
    @classmethod
    def setUpClass(cls):
        reason = PostgresServer.unavailable() or (
            None if engine_redis.available() else "redis-server is not installed")
        if reason:
            raise unittest.SkipTest(reason + " (scripts/deps.sh installs the engines)")
        cls.postgres = PostgresServer().start()

    @classmethod
    def tearDownClass(cls):
        cls.postgres.stop()

    def setUp(self):
        super().setUp()
        self.redis = engine_redis.RedisServer(os.path.join(self.tmpdir, "redis")).start()
        self.addCleanup(self.redis.stop)
        self.schema = "cluster_" + uuid.uuid4().hex[:12]
        self.b = self.backend(lambda req, conn: harness.reply(
            200, b'{"ok":true}', [("Content-Type", "application/json")]))

    def node(self, index, receiver):
        notifications = {"store": self.postgres.url, "store_schema": self.schema,
                         "address": harness.HOST, "port": harness.free_port(),
                         "schedule": ["1s", "1s", "2s", "5s"], "attempt_timeout": "2s",
                         "lease": "3s", "dispatchers": 1}
        extra = self.keys.config()
        extra["merchants"][0]["notify_urls"] = [receiver.url("/")]
        extra["notifications"] = notifications
        extra["redis"] = {"address": self.redis.address}
        routes = [harness.route("pay", "/v3/", "b", verify="merchant")]
        gw = self.gateway(clusters=[harness.cluster("b", self.b.port)], routes=routes,
                          extra=extra, workers=2, name="node%d" % index)
        gw.notify_port = notifications["port"]
        return gw

    def test_sigkill_of_a_node_during_10000_intakes_loses_nothing_acknowledged(self):
        receiver = self.notify_receiver()
        nodes = [self.node(i, receiver) for i in range(NODES)]
        signer = test_cluster_admission.Signer(self.keys)
        acked = {}
        lock = threading.Lock()
        errors = []
        failovers = collections.Counter()
        victim = nodes[1]
        killed = threading.Event()

        def client(index):
            # Each client starts on its own node; the rotation is the balancer's failover.
            ports = [gw.notify_port for gw in nodes]
            intake = test_notify.IntakeClient(ports[index % NODES:] + ports[:index % NODES])
            try:
                for n in range(index, INTAKES, CLIENTS):
                    key = "cluster-%05d" % n
                    event_id = intake.post(json.dumps(self.event(receiver, key)))
                    with lock:
                        acked[key] = event_id
            except BaseException as e:  # noqa: B036 - reported by the main thread
                errors.append(e)
            finally:
                failovers[index] = intake.failovers
                intake.close()

        def killer():
            try:
                while len(acked) < INTAKES // 3 and not errors:
                    time.sleep(0.001)
                # A request let in by the victim just before it dies stays a replay for the others.
                url = "/v3/pay/transactions/id/before-the-crash"
                authorization = signer.authorization(url)
                with victim.client() as c:
                    r = c.request("GET", url, [("Authorization", authorization)])
                    self.assertEqual(r.status, 200, r)
                victim.process.signal(signal.SIGKILL)
                victim.process.wait(timeout=5)
                killed.set()
                for gw in (nodes[0], nodes[2]):
                    with gw.client() as c:
                        r = c.request("GET", url, [("Authorization", authorization)])
                        self.assertEqual(r.status, 401, r)
            except BaseException as e:  # noqa: B036 - reported by the main thread
                errors.append(e)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        threads.append(threading.Thread(target=killer))
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=240)
        if errors:
            raise errors[0]
        taken_in = time.monotonic() - start
        self.assertTrue(killed.is_set())
        self.assertEqual(len(acked), INTAKES)
        self.assertGreater(sum(failovers.values()), 0, "no client saw the node go")
        wanted = set(acked.values())

        def delivered():
            return [json.loads(body)["id"] for body in receiver.bodies()]
        harness.wait_until(lambda: wanted <= set(delivered()), 120, 0.5,
                           "every acknowledged event delivered")
        ids = delivered()
        self.assertFalse(set(ids) - wanted, "deliveries of events nobody acknowledged")
        duplicates = len(ids) - len(set(ids))
        print("\n  cluster: %d intakes over %d nodes in %.1f s, one node SIGKILLed at a third; "
              "%d client failovers; %d events delivered, %d duplicate deliveries"
              % (INTAKES, NODES, taken_in, sum(failovers.values()), len(set(ids)), duplicates))
        # At least once: a duplicate is an event the victim delivered but did not record.
        self.assertLess(duplicates, 1000)


if __name__ == "__main__":
    harness.main()
