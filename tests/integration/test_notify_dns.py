"""A notification attempt whose name lookup never ends: the attempt timeout bounds it.

paygate runs in a mount namespace of its own (`unshare --mount`, so as root) in which
/etc/resolv.conf names one nameserver, 127.83.0.1, asked once with a 30 s timeout, /etc/hosts
knows only localhost and nsswitch.conf asks files, then dns. This test reads the queries sent to
127.83.0.1:53 and answers none, so a lookup of notify.example.test hangs for 30 s. The attempt
must still end at attempt_timeout, as a timeout on record, and the event be tried again on its
schedule: the same defect as a merchant that drops SYNs (tests/unit/notify/courier_test.cpp),
which held a delivery slot past the lease and delivered the event twice.

Skipped, saying why, where mount namespaces or port 53 are not allowed (not root, a container
without CAP_SYS_ADMIN)."""

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import unittest

import harness
import test_notify

NAMESERVER = "127.83.0.1"  # a loopback address no local resolver is likely to hold
HOST = "notify.example.test"
QUESTION = b"".join(bytes([len(label)]) + label.encode() for label in HOST.split("."))

# Runs "$4 ..." with the three files bound over the system's name service configuration.
MOUNT_AND_RUN = ('mount --bind "$1" /etc/resolv.conf && mount --bind "$2" /etc/hosts && '
                 'mount --bind "$3" /etc/nsswitch.conf && shift 3 && exec "$@"')


def namespaces_unavailable():
    """Why this module cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root: a mount namespace and a nameserver on port 53"
    if shutil.which("unshare") is None:
        return "needs unshare (util-linux)"
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return "unshare --mount is not permitted here: " + probe.stderr.strip()
    return None


class SilentNameServer:
    """A UDP socket on NAMESERVER:53 that reads DNS queries, counts those for HOST and never
    answers."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((NAMESERVER, 53))
        self.sock.settimeout(0.1)
        self.questions = 0
        self.running = True
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while self.running:
            try:
                query, _ = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            if QUESTION in query.lower():
                self.questions += 1

    def stop(self):
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


@unittest.skipIf(namespaces_unavailable(), namespaces_unavailable())
class NameLookupTimeoutTest(test_notify.NotifyTestCase):
    def setUp(self):
        super().setUp()
        self.nameserver = SilentNameServer()
        self.addCleanup(self.nameserver.stop)
        files = [self.write_file("resolv.conf", "nameserver %s\noptions timeout:30 attempts:1\n"
                                 % NAMESERVER),
                 self.write_file("hosts", "127.0.0.1 localhost\n"),
                 self.write_file("nsswitch.conf", "hosts: files dns\n")]
        self.wrapper = ["unshare", "--mount", "--", "sh", "-c", MOUNT_AND_RUN, "sh"] + files

    def attempts(self, gw, event_id, at_least, timeout):
        return harness.wait_until(
            lambda: (lambda s: s if s["attempts"] >= at_least else None)(
                self.status(gw, event_id)),
            timeout, 0.05, "attempt %d of %s" % (at_least, event_id))

    def test_a_lookup_that_never_answers_ends_the_attempt_at_its_timeout(self):
        url = "http://%s:%d/notify" % (HOST, harness.free_port())
        gw = self.start(notify_urls=[url], wrapper=self.wrapper, attempt_timeout="1s",
                        lease="5s", schedule=["1s"] * 5)
        started = time.monotonic()
        event_id = self.created(gw, self.event(None, "dns-1", notify_url=url))

        # One attempt timeout and scheduling slack; the resolver alone would take 30 s.
        first = self.attempts(gw, event_id, 1, timeout=4)
        self.assertGreaterEqual(time.monotonic() - started, 0.9, first)
        self.assertEqual(first["state"], "pending", first)
        self.assertIn("resolve " + HOST, first["last_error"])
        self.assertIn("timed out", first["last_error"])
        self.assertGreater(self.nameserver.questions, 0, "the lookup never reached the server")

        # Tried again 1 s later, while the first lookup still hangs: it ends on time too.
        second = self.attempts(gw, event_id, 2, timeout=5)
        self.assertEqual(second["state"], "pending", second)
        self.assertIn("timed out", second["last_error"])
        self.assertGreaterEqual(
            test_notify.metric(self.metrics(gw), "paygate_notify_attempts_total",
                               '{outcome="timeout"}'), 2)

        # Nor does the stop wait for the lookups still hanging.
        stopping = time.monotonic()
        gw.process.signal(signal.SIGTERM)
        self.assertEqual(gw.process.wait(timeout=10), 0, gw.log())
        self.assertLess(time.monotonic() - stopping, 3, gw.log())


if __name__ == "__main__":
    harness.main()
