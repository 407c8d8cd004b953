"""Real etcd servers for the integration tests, on free 127.0.0.1 ports with their data in
temporary directories, spoken to through the v3 JSON gateway (the same one paygate uses).
Standard library only.

    etcd = EtcdServer(log_dir)          # one member, started and healthy, or raises with its log
    etcd.put("/paygate/config", text)   # -> the revision of the write
    etcd.url("/paygate/config")         # "etcd://127.0.0.1:PORT/paygate/config"
    etcd.stop(); etcd.start()           # same ports, same data: the keys survive
    etcd.close()                        # stops it and removes its data

    cluster = EtcdCluster(log_dir, 3)   # three members, one raft group; same put/get/url/close
    cluster.url(KEY)                    # "etcd://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3/KEY"
    cluster.members[0].stop()           # the others keep a quorum and answer

Every wait is bounded. Usable as context managers; in a harness.GatewayTestCase, pass them to
addCleanup(etcd.close)."""

import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import harness

ETCD_BIN = os.environ.get("ETCD_BIN", "/usr/bin/etcd")
HEALTH_TIMEOUT = 15.0
REQUEST_TIMEOUT = 5.0


def _b64(text):
    data = text.encode() if isinstance(text, str) else text
    return base64.b64encode(data).decode("ascii")


class EtcdError(Exception):
    """etcd refused a request or could not be reached."""


class EtcdServer:
    def __init__(self, log_dir, name="etcd", start=True, initial_cluster=None):
        """initial_cluster: "name=peer_url,..." of every member, when this is one of several
        (EtcdCluster); by default a cluster of this member alone."""
        self.name = name
        self.log_dir = log_dir
        self.data_dir = tempfile.mkdtemp(prefix="paygate-etcd-", dir=log_dir)
        self.client_port = harness.free_port()
        self.peer_port = harness.free_port()
        self.initial_cluster = initial_cluster
        self.starts = 0
        self.proc = None
        self.log = None
        self.log_path = None
        if start:
            self.start()

    # -- lifecycle

    @property
    def endpoint(self):
        return "http://%s:%d" % (harness.HOST, self.client_port)

    def url(self, key):
        """The etcd:// URL paygate reads `key` (which starts with '/') from."""
        return "etcd://%s:%d%s" % (harness.HOST, self.client_port, key)

    @property
    def peer_url(self):
        return "http://%s:%d" % (harness.HOST, self.peer_port)

    def argv(self):
        peer = self.peer_url
        return [ETCD_BIN, "--name", self.name, "--data-dir", self.data_dir,
                "--listen-client-urls", self.endpoint, "--advertise-client-urls", self.endpoint,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", self.initial_cluster or "%s=%s" % (self.name, peer),
                "--initial-cluster-state", "new", "--log-level", "warn", "--logger", "zap"]

    def start(self, wait=True):
        """Starts etcd (again, on the same ports and data) and, with `wait`, waits until it
        answers; a member that does not is stopped before the error is raised."""
        if self.alive():
            raise AssertionError("etcd is already running")
        self.starts += 1
        self.log_path = os.path.join(self.log_dir, "%s.%d.log" % (self.name, self.starts))
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.argv(), stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.log_dir)
        if wait:
            try:
                self.wait_healthy()
            except BaseException:
                self.kill()
                raise
        return self

    def wait_healthy(self, timeout=HEALTH_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise AssertionError("etcd exited with %s during start-up:\n%s"
                                     % (self.proc.returncode, self.output()))
            try:
                with urllib.request.urlopen(self.endpoint + "/health", timeout=1) as r:
                    if json.loads(r.read()).get("health") == "true":
                        return self
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        raise AssertionError("etcd not healthy within %.0fs:\n%s" % (timeout, self.output()))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM):
        """Stops etcd (SIGKILL after 5 s if it does not exit) and waits until it has."""
        if self.proc is None or self.log.closed:
            return
        if self.alive():
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()

    def kill(self):
        self.stop(signal.SIGKILL)

    def close(self):
        """Stops etcd and removes its data."""
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def output(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""

    # -- the key-value API (v3 JSON gateway)

    def call(self, path, body):
        request = urllib.request.Request(self.endpoint + path, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            raise EtcdError("%s: %d %s" % (path, e.code, e.read()[:300])) from e
        except OSError as e:
            raise EtcdError("%s: %s" % (path, e)) from e

    def put(self, key, text):
        """Writes `text` (str or bytes) under `key`; returns the revision of the write."""
        reply = self.call("/v3/kv/put", {"key": _b64(key), "value": _b64(text)})
        return int(reply["header"]["revision"])

    def get(self, key):
        """(value bytes or None, mod_revision or 0)."""
        reply = self.call("/v3/kv/range", {"key": _b64(key)})
        kvs = reply.get("kvs") or []
        if not kvs:
            return None, 0
        return base64.b64decode(kvs[0].get("value", "")), int(kvs[0]["mod_revision"])

    def delete(self, key):
        reply = self.call("/v3/kv/deleterange", {"key": _b64(key)})
        return int(reply["header"]["revision"])

    def revision(self):
        """The store's current revision."""
        reply = self.call("/v3/kv/range", {"key": _b64("\0")})
        return int(reply["header"]["revision"])

    def compact(self, revision=None):
        """Compacts the history up to `revision` (default: the current one)."""
        revision = revision or self.revision()
        self.call("/v3/kv/compaction", {"revision": str(revision), "physical": True})
        return revision


class EtcdCluster:
    """`size` members of one etcd cluster, started together. put/get/delete/compact go to the
    first member that answers; url() names every member, in order."""

    def __init__(self, log_dir, size=3, name="etcd"):
        self.members = [EtcdServer(log_dir, "%s-%d" % (name, i), start=False) for i in range(size)]
        initial = ",".join("%s=%s" % (m.name, m.peer_url) for m in self.members)
        for member in self.members:
            member.initial_cluster = initial
        try:
            for member in self.members:  # a member waits for a quorum: start all, then wait
                member.start(wait=False)
            for member in self.members:
                member.wait_healthy()
        except BaseException:
            self.close()
            raise

    def url(self, key):
        return "etcd://%s%s" % (",".join("%s:%d" % (harness.HOST, m.client_port)
                                          for m in self.members), key)

    def _any(self, method, *args):
        error = None
        for member in self.members:
            if not member.alive():
                continue
            try:
                return getattr(member, method)(*args)
            except EtcdError as e:
                error = e
        raise error or EtcdError("no etcd member is running")

    def put(self, key, text):
        return self._any("put", key, text)

    def get(self, key):
        return self._any("get", key)

    def delete(self, key):
        return self._any("delete", key)

    def compact(self, revision=None):
        return self._any("compact", revision)

    def close(self):
        for member in self.members:
            member.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
