"""A real PostgreSQL server for tests: initdb in a temporary directory, a free port on 127.0.0.1
and a unix socket in that directory, stopped (and the directory removed) at the end.
Standard library only.

    server = PostgresServer()
    server.start()
    url = server.url           # postgresql://postgres@127.0.0.1:<port>/paygate
    server.restart()           # same data, same port
    server.kill()              # as a crash: immediate shutdown
    server.stop()

PostgreSQL refuses to run as root: as root the server runs as the `postgres` user (Debian's
package makes it) with the directory handed over to it. Where the binaries are missing,
PostgresServer.unavailable() says why, and tests skip.

As a command (the C++ unit tests and ctest fixtures use it; the directory is kept until stop):
    python3 engine_postgres.py start DIR      prints the URL
    python3 engine_postgres.py restart|kill|stop DIR
"""

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

START_TIMEOUT = 60


def _bin_dir():
    explicit = os.environ.get("PAYGATE_POSTGRES_BIN")
    if explicit:
        return explicit
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    return found[-1] if found else ""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One server; `directory` None makes (and at stop removes) a temporary one."""

    def __init__(self, directory=None, port=None):
        self.bin = _bin_dir()
        self._own_directory = directory is None
        self.directory = directory or tempfile.mkdtemp(prefix="paygate-pg-")
        self.port = port or _free_port()
        self.data = os.path.join(self.directory, "data")
        self.log = os.path.join(self.directory, "postgres.log")
        self.database = "paygate"

    @staticmethod
    def unavailable():
        """Why no server can be started here, or None."""
        b = _bin_dir()
        if not b or not os.path.exists(os.path.join(b, "initdb")):
            return "PostgreSQL binaries not found (/usr/lib/postgresql/*/bin; apt install postgresql)"
        if os.geteuid() == 0:
            try:
                import pwd
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root and there is no `postgres` user to run the server as"
        return None

    @property
    def url(self):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    @property
    def socket_url(self):
        """Over the unix socket (faster than TCP on one machine)."""
        return f"postgresql://postgres@/{self.database}?host={self.directory}&port={self.port}"

    def _run(self, *argv, check=True):
        argv = list(argv)
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        return subprocess.run(argv, check=check, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=START_TIMEOUT)

    def _hand_over(self):
        if os.geteuid() != 0:
            return
        import pwd
        pw = pwd.getpwnam("postgres")
        for root, dirs, files in os.walk(self.directory):
            os.chown(root, pw.pw_uid, pw.pw_gid)
            for name in files:
                os.chown(os.path.join(root, name), pw.pw_uid, pw.pw_gid)

    def start(self):
        reason = self.unavailable()
        if reason:
            raise RuntimeError(reason)
        if not os.path.exists(os.path.join(self.data, "PG_VERSION")):
            self._hand_over()
            self._run(os.path.join(self.bin, "initdb"), "-D", self.data, "-U", "postgres",
                      "-A", "trust", "-E", "UTF8", "--no-sync")
            self._start_server()
            self._run(os.path.join(self.bin, "createdb"), "-h", self.directory, "-p",
                      str(self.port), "-U", "postgres", self.database)
        else:
            self._start_server()
        return self

    def _start_server(self):
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 "
                   f"-c unix_socket_directories={self.directory} -c max_connections=300")
        try:
            self._run(os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-l", self.log, "-w",
                      "-t", str(START_TIMEOUT), "-o", options, "start")
        except subprocess.CalledProcessError as e:
            raise RuntimeError(f"postgres did not start: {e.stdout}\n{self.log_tail()}")

    def _ctl_stop(self, mode):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self._run(os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", mode, "-w",
                      "stop", check=False)

    def restart(self):
        self._ctl_stop("fast")
        self._start_server()

    def kill(self):
        """Stops at once, as a crash would (the next start recovers from the WAL)."""
        self._ctl_stop("immediate")

    def stop(self):
        self._ctl_stop("fast")
        if self._own_directory:
            shutil.rmtree(self.directory, ignore_errors=True)

    def log_tail(self, lines=40):
        try:
            with open(self.log) as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def psql(self, sql):
        """Runs SQL as the superuser; its output, unaligned, tuples only."""
        return subprocess.run([os.path.join(self.bin, "psql"), "-X", "-A", "-t", "-h",
                               self.directory, "-p", str(self.port), "-U", "postgres", "-d",
                               self.database, "-c", sql], check=True, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=START_TIMEOUT).stdout


def _main(argv):
    if len(argv) != 3 or argv[1] not in ("start", "restart", "kill", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    command, directory = argv[1], os.path.abspath(argv[2])
    port_file = os.path.join(directory, "port")
    if command == "start":
        reason = PostgresServer.unavailable()
        if reason:
            print(f"SKIP: {reason}", file=sys.stderr)
            return 77
        os.makedirs(directory, exist_ok=True)
        port = int(open(port_file).read()) if os.path.exists(port_file) else None
        server = PostgresServer(directory, port)
        with open(port_file, "w") as f:
            f.write(str(server.port))
        server.start()
        print(server.socket_url)
        return 0
    if not os.path.exists(port_file):
        return 0
    server = PostgresServer(directory, int(open(port_file).read()))
    if command == "restart":
        server.restart()
    elif command == "kill":
        server.kill()
    else:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
