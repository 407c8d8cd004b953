"""A real Redis server for the cluster tests: Debian's redis-server, started in a temporary
directory on a free loopback port, without persistence, stopped at the end. stop() and start()
again keep the port, so that paygate's connections see the server go and come back."""

import os
import shutil
import socket
import time

import harness

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def available():
    return os.access(REDIS_SERVER, os.X_OK)


class RedisServer:
    def __init__(self, directory, password=None):
        self.dir = directory
        os.makedirs(self.dir, exist_ok=True)
        self.port = harness.free_port()
        self.password = password
        self.process = None
        self.starts = 0

    @property
    def address(self):
        return "%s:%d" % (harness.HOST, self.port)

    def start(self, timeout=10.0):
        self.starts += 1
        argv = [REDIS_SERVER, "--port", str(self.port), "--bind", harness.HOST,
                "--save", "", "--appendonly", "no", "--dir", self.dir, "--daemonize", "no",
                "--protected-mode", "no"]
        if self.password:
            argv += ["--requirepass", self.password]
        self.process = harness.Process("redis-%d" % self.starts, argv, self.dir)
        harness.wait_until(self.ping, timeout, what="redis-server answering PING")
        return self

    def stop(self):
        if self.process:
            self.process.kill()
            self.process = None

    def command(self, *args):
        """Sends one command; returns the first line of the reply (enough for PING, DBSIZE...)."""
        payload = b"*%d\r\n" % len(args)
        if self.password and args[0].upper() != "AUTH":
            payload = b"*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n" % (
                len(self.password), self.password.encode()) + payload
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            payload += b"$%d\r\n%s\r\n" % (len(a), a)
        with socket.create_connection((harness.HOST, self.port), timeout=2) as s:
            s.sendall(payload)
            data = b""
            want = 2 if self.password and args[0].upper() != "AUTH" else 1
            while data.count(b"\r\n") < want:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        return data.split(b"\r\n")[want - 1].decode()

    def ping(self):
        try:
            return self.command("PING") == "+PONG"
        except OSError:
            return False
