"""Integration harness: real paygate and mockpay processes on 127.0.0.1, raw-socket clients and
small programmable Python backends. Standard library only.

    class MyTest(harness.GatewayTestCase):
        def test_x(self):
            backend = self.backend(lambda req, conn: harness.reply(200, b"hi"))
            gw = self.gateway(routes=[harness.route("all", "/", "b")],
                              clusters=[harness.cluster("b", backend.port)])
            with gw.client() as c:
                r = c.request("GET", "/x")

Every child process and backend is stopped when the test ends, pass or fail; on failure the
logs of every process the test started are printed. Every wait is bounded by a timeout.
"""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HOST = "127.0.0.1"
PAYGATE_BIN = os.environ.get("PAYGATE_BIN", "paygate")
MOCKPAY_BIN = os.environ.get("MOCKPAY_BIN", "mockpay")
# PAYGATE_IO_BACKEND=io_uring runs every gateway a test starts from a config dict on the io_uring
# backend (the paygate-uring binary beside PAYGATE_BIN); ctest registers such runs for a subset.
IO_BACKEND = os.environ.get("PAYGATE_IO_BACKEND", "")


def io_uring_available():
    """True when this kernel lets the process set up an io_uring (it may be compiled out, or
    disabled by kernel.io_uring_disabled or a seccomp filter)."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    params = ctypes.create_string_buffer(120)  # struct io_uring_params, zeroed
    io_uring_setup = 425  # x86-64 and aarch64 share the number
    fd = libc.syscall(io_uring_setup, 1, params)
    if fd < 0:
        return False
    os.close(fd)
    return True
START_TIMEOUT = 10.0
IO_TIMEOUT = 5.0

# ---------------------------------------------------------------- ports

_handed_out = set()
_ports_lock = threading.Lock()


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now, never the same one twice per run."""
    with _ports_lock:
        for _ in range(100):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.bind((HOST, 0))
                port = s.getsockname()[1]
            finally:
                s.close()
            if port not in _handed_out:
                _handed_out.add(port)
                return port
    raise RuntimeError("no free port")


def wait_until(predicate, timeout, interval=0.02, what="condition"):
    """Polls `predicate` until it returns a true value; returns it, or raises after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


# ---------------------------------------------------------------- YAML config

def _yaml_scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return json.dumps(str(v))  # a JSON string is a YAML double-quoted scalar


def to_yaml(value, indent=0):
    """Block-style YAML for dicts, lists and scalars (enough for paygate's schema)."""
    pad = "  " * indent
    lines = []
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)) and v:
                lines.append("%s%s:" % (pad, k))
                lines.append(to_yaml(v, indent + 1))
            elif isinstance(v, list):
                lines.append("%s%s: []" % (pad, k))
            elif isinstance(v, dict):
                lines.append("%s%s: {}" % (pad, k))
            else:
                lines.append("%s%s: %s" % (pad, k, _yaml_scalar(v)))
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                inner = to_yaml(item, indent + 1).splitlines()
                lines.append("%s- %s" % (pad, inner[0].lstrip()))
                lines.extend(inner[1:])
            else:
                lines.append("%s- %s" % (pad, _yaml_scalar(item)))
    else:
        lines.append(pad + _yaml_scalar(value))
    return "\n".join(lines)


def cluster(name, *ports, **settings):
    """A cluster of 127.0.0.1 endpoints; extra keys as in docs/config.md (connect_timeout=...)."""
    c = {"name": name, "endpoints": ["%s:%d" % (HOST, p) for p in ports]}
    c.update(settings)
    return c


def route(name, prefix, cluster_name, **settings):
    r = {"name": name, "prefix": prefix, "cluster": cluster_name}
    r.update(settings)
    return r


def gateway_config(port, admin_port, clusters, routes, limits=None, workers=1,
                   drain_timeout="5s", log_level="info", extra=None, listener=None):
    """`listener`: more listener keys (path: ..., methods: ...), merged over address and port."""
    listener = {"address": HOST, "port": port, **(listener or {})}
    if limits:
        listener["limits"] = dict(limits)
    return {
        "workers": workers,
        "drain_timeout": drain_timeout,
        "listener": listener,
        "admin": {"address": HOST, "port": admin_port},
        "log": {"level": log_level, "error_log": "stderr", "access_log": "stdout"},
        "clusters": clusters,
        "routes": routes,
        **(extra or {}),
    }


# ---------------------------------------------------------------- HTTP responses (client side)

class IncompleteResponse(Exception):
    """The peer closed (or the timeout passed) before a whole response arrived."""

    def __init__(self, message, partial=b""):
        super().__init__(message)
        self.partial = partial


class HeaderLookup:
    """Case-insensitive lookups over self.headers, a list of (name, value) in order received."""

    def header(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def has_header(self, name):
        return any(k.lower() == name.lower() for k, _ in self.headers)


class Response(HeaderLookup):
    def __init__(self, version, status, reason, headers, body, raw):
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value) in order received
        self.body = body        # de-chunked
        self.raw = raw          # the bytes on the wire
        self.chunked = False


    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "<Response %d %r headers=%r body=%r>" % (self.status, self.reason, self.headers,
                                                       self.body[:200])


class Client:
    """One raw TCP connection with a read buffer, so pipelined responses are read one by one."""

    def __init__(self, port, host=HOST, timeout=IO_TIMEOUT, tls=None, server_name=None,
                 session=None):
        """`tls`: an ssl.SSLContext to speak TLS with (SNI `server_name`, resuming `session`)."""
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls is not None:
            try:
                self.sock = tls.wrap_socket(self.sock, server_hostname=server_name,
                                            session=session)
            except BaseException:
                self.sock.close()
                raise
        self.buf = b""
        self.eof = False
        self.timeout = timeout

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(data)

    def send_slowly(self, data, pause, deadline):
        """Sends one byte at a time with `pause` seconds between bytes until done or `deadline`
        (monotonic) passes. Returns the number of bytes sent; stops early if the peer closes."""
        sent = 0
        for i in range(len(data)):
            if time.monotonic() >= deadline:
                break
            try:
                self.sock.sendall(data[i:i + 1])
            except OSError:
                break
            sent += 1
            time.sleep(pause)
        return sent

    def _fill(self, deadline):
        """Reads more bytes into the buffer. False on EOF/reset; raises socket.timeout."""
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("deadline passed")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            self.eof = True
            return False
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _read_line(self, deadline, limit=1 << 20):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            if len(self.buf) > limit:
                raise AssertionError("line too long from peer")
            if not self._fill(deadline):
                raise IncompleteResponse("connection closed while reading a line", self.buf)

    def _read_exact(self, n, deadline):
        while len(self.buf) < n:
            if not self._fill(deadline):
                raise IncompleteResponse("closed after %d of %d body bytes" % (len(self.buf), n),
                                         self.buf)
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_response(self, timeout=None, method="GET", interim=False):
        """Reads one response (Content-Length, chunked or close-delimited). 1xx responses are
        skipped unless `interim` is true, in which case the first one is returned."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            start_raw = len(self.buf)
            try:
                status_line = self._read_line(deadline)
            except IncompleteResponse as e:
                raise IncompleteResponse("connection closed before a response (got %r)"
                                         % e.partial[:200], e.partial)
            m = re.match(rb"^HTTP/(1\.[01]) (\d{3})(?: (.*))?$", status_line)
            if not m:
                raise AssertionError("bad status line %r" % status_line)
            version, status = m.group(1).decode(), int(m.group(2))
            reason = (m.group(3) or b"").decode("latin-1")
            headers = []
            while True:
                line = self._read_line(deadline)
                if line == b"":
                    break
                if b":" not in line or line[:1] in (b" ", b"\t"):
                    raise AssertionError("bad header line %r" % line)
                k, v = line.split(b":", 1)
                headers.append((k.decode("latin-1"), v.strip(b" \t").decode("latin-1")))
            resp = Response(version, status, reason, headers, b"", status_line)
            if 100 <= status < 200:
                if interim:
                    return resp
                continue
            break
        del start_raw
        te = resp.header("Transfer-Encoding")
        cl = resp.header_all("Content-Length")
        if te is not None and cl:
            raise AssertionError("response has both Transfer-Encoding and Content-Length: %r"
                                 % resp)
        if len(set(cl)) > 1:
            raise AssertionError("response has differing Content-Length values: %r" % resp)
        if method == "HEAD" or status in (204, 304):
            return resp
        if te is not None:
            if te.lower() != "chunked":
                raise AssertionError("unexpected Transfer-Encoding %r" % te)
            resp.chunked = True
            body = []
            try:
                while True:
                    size_line = self._read_line(deadline)
                    size = int(size_line.split(b";")[0].strip(), 16)
                    if size == 0:
                        while self._read_line(deadline) != b"":  # trailers
                            pass
                        break
                    body.append(self._read_exact(size, deadline))
                    if self._read_exact(2, deadline) != b"\r\n":
                        raise AssertionError("chunk not followed by CRLF")
            except IncompleteResponse as e:
                raise IncompleteResponse("chunked body cut short: %s" % e,
                                         b"".join(body) + e.partial)
            resp.body = b"".join(body)
        elif cl:
            resp.body = self._read_exact(int(cl[0]), deadline)
        else:
            while self._fill(deadline):
                pass
            resp.body, self.buf = self.buf, b""
        return resp

    def request(self, method, path, headers=None, body=b"", host="gw.test", timeout=None,
                version="1.1"):
        """Sends one request with Content-Length framing (when there is a body) and reads its
        response. `headers` is a list of (name, value) or a dict."""
        if isinstance(body, str):
            body = body.encode()
        self.send(build_request(method, path, headers, body, host, version))
        return self.read_response(timeout=timeout, method=method)

    def closed_by_peer(self, timeout=IO_TIMEOUT):
        """True if the peer closes the connection (EOF or reset) within `timeout`, discarding
        any bytes received meanwhile; False if it is still open when the timeout passes."""
        deadline = time.monotonic() + timeout
        try:
            while self._fill(deadline):
                self.buf = b""
            return True
        except socket.timeout:
            return False
        except OSError:
            return True

    def read_until_closed(self, timeout=IO_TIMEOUT):
        """All bytes until EOF; raises socket.timeout if the peer keeps the connection open."""
        deadline = time.monotonic() + timeout
        while self._fill(deadline):
            pass
        data, self.buf = self.buf, b""
        return data


def build_request(method, path, headers=None, body=b"", host="gw.test", version="1.1"):
    if isinstance(body, str):
        body = body.encode()
    items = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    lines = ["%s %s HTTP/%s" % (method, path, version)]
    names = {k.lower() for k, _ in items}
    if host is not None and "host" not in names:
        lines.append("Host: %s" % host)
    for k, v in items:
        lines.append("%s: %s" % (k, v))
    if (body or method in ("POST", "PUT", "PATCH")) and "content-length" not in names \
            and "transfer-encoding" not in names:
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def chunked(*pieces, trailer=b""):
    """A chunked body: one chunk per piece, then the last chunk and optional trailer lines."""
    out = b""
    for p in pieces:
        if isinstance(p, str):
            p = p.encode()
        out += b"%x\r\n" % len(p) + p + b"\r\n"
    return out + b"0\r\n" + trailer + b"\r\n"


def http_get(port, path, timeout=IO_TIMEOUT, headers=None):
    """A plain GET through http.client (a client independent of our raw helpers)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=dict(headers or {}))
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


# ---------------------------------------------------------------- TLS certificates

class TlsIdentity:
    """A certificate and its key as PEM files (leaf first in `cert_file` for a server)."""

    def __init__(self, cert_file, key_file):
        self.cert_file = cert_file
        self.key_file = key_file

    def serial(self):
        out = subprocess.run(["openssl", "x509", "-in", self.cert_file, "-noout", "-serial"],
                             check=True, capture_output=True, text=True).stdout
        return out.strip().split("=", 1)[1].upper()


def _openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True)


def _new_key(path, key_type):
    if key_type == "rsa":
        _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path)
    else:
        _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-out", path)


def make_ca(directory, name="ca", key_type="ec"):
    """A self-signed CA in DIRECTORY/NAME.pem and NAME.key, made with the openssl command."""
    cert, key = os.path.join(directory, name + ".pem"), os.path.join(directory, name + ".key")
    _new_key(key, key_type)
    _openssl("req", "-x509", "-new", "-key", key, "-out", cert, "-days", "30",
             "-subj", "/CN=paygate test " + name,
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return TlsIdentity(cert, key)


def make_leaf(directory, ca, name, dns_names=(), ip="127.0.0.1", key_type="ec", days=30,
              uris=()):
    """A certificate for DNS_NAMES (and IP, and URIS: a SPIFFE id, say) signed by CA:
    DIRECTORY/NAME.pem (leaf then CA) and NAME.key. Serves as a server or a client certificate."""
    cert, key = os.path.join(directory, name + ".pem"), os.path.join(directory, name + ".key")
    csr, ext = cert + ".csr", cert + ".ext"
    sans = (["DNS:" + n for n in dns_names] + (["IP:" + ip] if ip else []) +
            ["URI:" + u for u in uris])
    with open(ext, "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth,clientAuth\n")
        if sans:
            f.write("subjectAltName=" + ",".join(sans) + "\n")
    _new_key(key, key_type)
    _openssl("req", "-new", "-key", key, "-out", csr, "-subj", "/CN=" + name)
    _openssl("x509", "-req", "-in", csr, "-CA", ca.cert_file, "-CAkey", ca.key_file,
             "-CAcreateserial", "-out", cert, "-days", str(days), "-extfile", ext)
    with open(ca.cert_file) as f:
        ca_pem = f.read()
    with open(cert, "a") as f:
        f.write(ca_pem)
    return TlsIdentity(cert, key)


def server_tls(identity, alpn=("http/1.1",)):
    """An ssl.SSLContext serving IDENTITY (a TlsIdentity), for Backend(tls=...)."""
    import ssl
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(identity.cert_file, identity.key_file)
    if alpn:
        context.set_alpn_protocols(list(alpn))
    return context


def client_tls(ca=None, alpn=("http/1.1",), certificate=None, max_version=None):
    """An ssl.SSLContext that trusts CA (verifying the server's name), offers ALPN and, if
    given, presents CERTIFICATE."""
    import ssl
    context = ssl.create_default_context(cafile=ca.cert_file if ca else None)
    if alpn:
        context.set_alpn_protocols(list(alpn))
    if certificate:
        context.load_cert_chain(certificate.cert_file, certificate.key_file)
    if max_version:
        context.maximum_version = max_version
    return context


# ---------------------------------------------------------------- programmable backends

class BackendRequest(HeaderLookup):
    def __init__(self, method, target, version, headers, body, raw, connection_index):
        self.method = method
        self.target = target
        self.path = target.split("?", 1)[0]
        self.version = version
        self.headers = headers  # list of (name, value)
        self.body = body
        self.raw = raw          # exactly the bytes this request took on the wire
        self.connection_index = connection_index



class BackendConnection:
    """What a backend handler gets besides the request: the raw socket and a way to close."""

    def __init__(self, sock, index):
        self.sock = sock
        self.index = index
        self.closed = False

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def close(self):
        if not self.closed:
            self.closed = True
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()


def reply(status=200, body=b"", headers=None, reason="OK"):
    """A complete response with Content-Length framing."""
    if isinstance(body, str):
        body = body.encode()
    head = "HTTP/1.1 %d %s\r\n" % (status, reason)
    items = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    for k, v in items:
        head += "%s: %s\r\n" % (k, v)
    if not any(k.lower() == "content-length" for k, _ in items):
        head += "Content-Length: %d\r\n" % len(body)
    return head.encode("latin-1") + b"\r\n" + body


def echo_reply(req, conn):
    """Default handler: 200 with a JSON description of what the backend received."""
    del conn
    body = json.dumps({"method": req.method, "target": req.target, "body_len": len(req.body),
                       "connection": req.connection_index}).encode()
    return reply(200, body, {"Content-Type": "application/json"})


class Backend:
    """A threaded raw-socket HTTP/1.1 server on 127.0.0.1. `handler(request, connection)` runs for
    each request; it returns bytes to send (or None after sending/closing itself). It may sleep,
    send partial bytes, close. Records every byte received and every parsed request, and counts
    connections. Keep-alive unless the handler closes. With `tls` (a server_tls() context) it
    speaks HTTPS; handshakes that fail are listed in `tls_errors`."""

    def __init__(self, handler=None, name="backend", port=0, record_bytes=True, tls=None):
        self.handler = handler or echo_reply
        self.tls = tls
        self.tls_errors = []
        self.tls_resumed = 0     # TLS connections that resumed an earlier session
        self.name = name
        self.record_bytes = record_bytes  # False: leave `received` empty (long, busy runs)
        self.lock = threading.Lock()
        self.received = b""      # every byte received, all connections, in arrival order
        self.requests = []       # BackendRequest, in completion order
        self.connections = 0
        self.errors = []         # parse errors / handler exceptions, for assertions
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, port))  # a given port: to come back where a stopped one was
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        self.live = []
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)
        self.thread.start()

    def stop(self):
        self.stopping = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        except OSError:
            pass
        self.sock.close()
        with self.lock:
            live = list(self.live)
        for s in live:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass
        self.thread.join(2)

    def request_count(self):
        with self.lock:
            return len(self.requests)

    def _accept_loop(self):
        while not self.stopping:
            try:
                s, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                index = self.connections
                self.connections += 1
                self.live.append(s)
            threading.Thread(target=self._serve, args=(s, index), daemon=True).start()

    def _recv(self, s, buf):
        data = s.recv(65536)
        if data and self.record_bytes:
            with self.lock:
                self.received += data
        return data

    def _serve(self, s, index):
        s.settimeout(30)
        if self.tls is not None:
            raw = s
            try:
                s = self.tls.wrap_socket(raw, server_side=True)
            except OSError as e:
                with self.lock:
                    self.tls_errors.append(str(e))
                raw.close()
                return
            with self.lock:  # the wrapped socket took over the descriptor: stop() closes it
                self.live[self.live.index(raw)] = s
                self.tls_resumed += 1 if s.session_reused else 0
        conn = BackendConnection(s, index)
        buf = b""
        try:
            while not conn.closed:
                req, buf = self._read_request(s, buf, index)
                if req is None:
                    break
                with self.lock:
                    self.requests.append(req)
                out = self.handler(req, conn)
                if out and not conn.closed:
                    conn.send(out)
        except (OSError, ValueError) as e:
            if not self.stopping and not conn.closed and not isinstance(e, ConnectionError):
                with self.lock:
                    self.errors.append(repr(e))
        finally:
            with self.lock:
                if s in self.live:
                    self.live.remove(s)
            try:
                s.close()
            except OSError:
                pass

    def _read_request(self, s, buf, index):
        while b"\r\n\r\n" not in buf:
            data = self._recv(s, buf)
            if not data:
                if buf:
                    raise ValueError("EOF inside a request head: %r" % buf[:200])
                return None, b""
            buf += data
        end = buf.index(b"\r\n\r\n") + 4
        head, rest = buf[:end], buf[end:]
        lines = head[:-4].split(b"\r\n")
        method, target, version = lines[0].decode("latin-1").split(" ", 2)
        headers = []
        for line in lines[1:]:
            k, v = line.split(b":", 1)
            headers.append((k.decode("latin-1"), v.strip(b" \t").decode("latin-1")))
        names = [k.lower() for k, _ in headers]
        raw = head
        if "transfer-encoding" in names:
            body = b""
            while True:
                while b"\r\n" not in rest:
                    data = self._recv(s, rest)
                    if not data:
                        raise ValueError("EOF inside a chunked body")
                    rest += data
                i = rest.index(b"\r\n")
                size = int(rest[:i].split(b";")[0], 16)
                need = i + 2 + size + 2
                if size == 0:
                    while rest.find(b"\r\n\r\n", i) < 0:  # the end of the (empty) trailer
                        data = self._recv(s, rest)
                        if not data:
                            raise ValueError("EOF inside a chunked trailer")
                        rest += data
                    j = rest.find(b"\r\n\r\n", i) + 4
                    raw += rest[:j]
                    rest = rest[j:]
                    break
                while len(rest) < need:
                    data = self._recv(s, rest)
                    if not data:
                        raise ValueError("EOF inside a chunk")
                    rest += data
                body += rest[i + 2:i + 2 + size]
                raw += rest[:need]
                rest = rest[need:]
        else:
            n = int(dict((k.lower(), v) for k, v in headers).get("content-length", "0"))
            while len(rest) < n:
                data = self._recv(s, rest)
                if not data:
                    raise ValueError("EOF inside a body")
                rest += data
            body, rest = rest[:n], rest[n:]
            raw += body
        return BackendRequest(method, target, version, headers, body, raw, index), rest


class NotifyReceiver:
    """A merchant's notify_url endpoint: records every POST it gets (across restarts) and answers
    as `mode` says: "ok" (200), "error" (500), "slow" (waits `slow_seconds`, then 200) or
    "close" (closes the connection without answering). `then(...)` queues modes for the next
    requests, after which `mode` applies again. stop() and start() keep the port, so a test can
    take the merchant down and bring it back; `port` may be given (e.g. free_port()) so that it
    starts later on a port the gateway already targets."""

    def __init__(self, port=None, name="receiver", start=True, tls=None):
        self.port = port or free_port()
        self.tls = tls  # a server_tls() context: https:// URLs
        self.name = name
        self.lock = threading.Lock()
        self.requests = []  # BackendRequest, in arrival order, every incarnation
        self.answered = []  # (BackendRequest, mode) in arrival order
        self.mode = "ok"
        self.queued = []
        self.slow_seconds = 1.0
        self.backend = None
        if start:
            self.start()

    def url(self, path="/notify"):
        scheme = "https" if self.tls else "http"
        return "%s://%s:%d%s" % (scheme, HOST, self.port, path)

    def start(self):
        if self.backend is None:
            self.backend = Backend(self._handle, self.name, port=self.port, record_bytes=False,
                                   tls=self.tls)
        return self

    def stop(self):
        if self.backend is not None:
            self.backend.stop()
            self.backend = None

    def then(self, *modes):
        with self.lock:
            self.queued.extend(modes)

    def count(self):
        with self.lock:
            return len(self.requests)

    def bodies(self):
        with self.lock:
            return [r.body for r in self.requests]

    def ids(self):
        """The envelope id of every POST received (repeats included), in arrival order."""
        out = []
        for body in self.bodies():
            try:
                out.append(json.loads(body)["id"])
            except (ValueError, KeyError, TypeError):
                out.append(None)
        return out

    def _handle(self, req, conn):
        with self.lock:
            mode = self.queued.pop(0) if self.queued else self.mode
            self.requests.append(req)
            self.answered.append((req, mode))
            slow = self.slow_seconds
        if mode == "close":
            conn.close()
            return None
        if mode == "slow":
            time.sleep(slow)
            return reply(200)
        if mode == "error":
            return reply(500, b'{"code":"FAIL","message":"busy"}',
                         {"Content-Type": "application/json"}, reason="Internal Server Error")
        return reply(204 if mode == "no_content" else 200)


class Process:
    """A child process with stdout and stderr captured to files."""

    def __init__(self, name, argv, log_dir, env=None):
        """env: extra environment variables on top of this process's."""
        self.name = name
        self.argv = argv
        self.log_path = os.path.join(log_dir, name + ".log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=log_dir,
                                     env={**os.environ, **env} if env else None)
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def signal(self, sig):
        if self.alive():
            self.proc.send_signal(sig)

    def wait(self, timeout):
        return self.proc.wait(timeout=timeout)

    def kill(self):
        """SIGTERM (so buffered logs are written), SIGKILL if still running after a second."""
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.log.close()

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")


class Gateway:
    """A running paygate. `config` is the dict written as YAML; rewrite() + reload() for SIGHUP."""

    def __init__(self, log_dir, config, name="paygate", env=None, wrapper=None):
        """wrapper: a command (argv) that runs paygate, its own argv appended (e.g. unshare)."""
        self.dir = log_dir
        self.env = env
        self.wrapper = list(wrapper or [])
        self.name = name
        self.config = config
        listeners = config.get("listeners") or [config["listener"]]
        self.port = listeners[0]["port"]
        self.ports = [listener["port"] for listener in listeners]
        self.admin_port = config["admin"]["port"]
        self.admin_token = None  # set when admin asks for a bearer token: readiness sends it
        self.config_path = os.path.join(log_dir, name + ".yaml")
        self.write_config(config)
        self.starts = 1
        self.process = Process(name, self.argv(), log_dir, env)

    def start_again(self):
        """A new paygate process on the same config file and ports, once the previous one has
        exited (e.g. after SIGKILL). Its log is NAME.N.log; returns the new Process."""
        if self.process.alive():
            raise AssertionError("paygate is still running")
        self.starts += 1
        self.process = Process("%s.%d" % (self.name, self.starts), self.argv(), self.dir,
                               self.env)
        return self.process

    def argv(self):
        return self.wrapper + [PAYGATE_BIN, "run", "-c", self.config_path]

    def write_config(self, config=None, text=None):
        if text is None:
            if IO_BACKEND and "io_backend" not in config:
                config = {"io_backend": IO_BACKEND, **config}
            self.config = config
            text = to_yaml(config) + "\n"
        tmp = self.config_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.config_path)

    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.process.alive():
                raise AssertionError("paygate exited with %s during start-up:\n%s"
                                     % (self.process.proc.returncode, self.process.output()))
            try:
                status, _ = http_get(self.admin_port, "/readyz", timeout=1,
                                     headers=self.admin_headers())
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("paygate not ready within %.0fs:\n%s" % (timeout,
                                                                      self.process.output()))

    def admin_headers(self):
        return {"Authorization": "Bearer " + self.admin_token} if self.admin_token else {}

    def readyz(self):
        return http_get(self.admin_port, "/readyz", timeout=2, headers=self.admin_headers())[0]

    def reload(self):
        self.process.signal(signal.SIGHUP)

    def client(self, timeout=IO_TIMEOUT):
        return Client(self.port, timeout=timeout)

    def log(self):
        return self.process.output()

    def wait_log(self, pattern, timeout=5.0):
        """Waits for a regular expression to appear in the log; returns the match."""
        rx = re.compile(pattern)
        return wait_until(lambda: rx.search(self.log()), timeout, 0.05,
                          "log line matching %r" % pattern)


class MockPay:
    def __init__(self, log_dir, *args):
        self.port = free_port()
        self.process = Process("mockpay", [MOCKPAY_BIN, "--address", HOST, "--port",
                                           str(self.port)] + list(args), log_dir)

    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.process.alive():
                raise AssertionError("mockpay exited during start-up:\n" + self.process.output())
            try:
                if http_get(self.port, "/mock/health", timeout=1)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError("mockpay not ready:\n" + self.process.output())

    def stats(self):
        """{"connections_opened": N, "requests": N}, asked directly (not through the gateway).
        The stats request itself counts one connection and one request."""
        status, body = http_get(self.port, "/mock/stats")
        assert status == 200, (status, body)
        return json.loads(body)


# ---------------------------------------------------------------- test case base

class PlatformKeys:
    """A merchant and a platform key pair made by `paygate keys new` in the test's directory, and
    the `platform` / `merchants` config sections that use them."""

    def __init__(self, test, mchid):
        self.dir = os.path.join(test.tmpdir, "keys")
        self.mchid = mchid
        self.merchant_serial = self._new(test, "--mchid", mchid)
        self.platform_serial = self._new(test, "--mchid", "platform", "--role", "platform")
        self.merchant_key = os.path.join(self.dir, mchid + "_merchant.key.pem")
        self.merchant_cert = os.path.join(self.dir, mchid + "_merchant.cert.pem")
        self.apiv3_key_file = os.path.join(self.dir, mchid + ".apiv3")
        self.platform_key = os.path.join(self.dir, "platform_platform.key.pem")
        self.platform_cert = os.path.join(self.dir, "platform_platform.cert.pem")

    def another_merchant(self, test, mchid):
        """Makes a second merchant's key pair in the same directory; returns its serial."""
        return self._new(test, "--mchid", mchid)

    def merchant_config(self, mchid):
        """A merchants[] entry for `mchid`, whose keys another_merchant() made."""
        return {"mchid": mchid, "apiv3_key_file": os.path.join(self.dir, mchid + ".apiv3"),
                "keys": [{"certificate": os.path.join(self.dir, mchid + "_merchant.cert.pem")}]}

    def authorization(self, test, mchid, serial, url, method="GET", body=""):
        """An Authorization value for `method url` with `body`, signed by `paygate sign` with the
        key of `mchid` made in this directory."""
        p = test.run_paygate("sign", "--mchid", mchid, "--serial", serial,
                             "--key", "%s/%s_merchant.key.pem" % (self.dir, mchid),
                             "--method", method, "--url", url, "--body", body)
        test.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip()

    def _new(self, test, *args):
        p = test.run_paygate("keys", "new", "--dir", self.dir, *args, timeout=60)
        test.assertEqual(p.returncode, 0, p.stderr)
        return re.search(r"^serial: ([0-9A-F]+)$", p.stdout, re.M).group(1)

    def config(self):
        return {
            "platform": {"keys": [{"private_key": self.platform_key,
                                   "certificate": self.platform_cert}]},
            "merchants": [{"mchid": self.mchid, "apiv3_key_file": self.apiv3_key_file,
                           "keys": [{"certificate": self.merchant_cert}]}],
        }


class GatewayTestCase(unittest.TestCase):
    """Gives each test a temp dir, starts processes and backends on demand, stops them all at
    the end (even on failure or error) and prints their logs when the test did not pass."""

    # unittest's own class-level skip, inherited by every test class: an io_uring run on a
    # kernel without io_uring reports skipped tests instead of failing to start paygate.
    if IO_BACKEND == "io_uring" and not io_uring_available():
        __unittest_skip__ = True
        __unittest_skip_why__ = "io_uring is not available to this process (kernel or seccomp)"

    def run(self, result=None):
        result = result if result is not None else self.defaultTestResult()
        self._dir = tempfile.mkdtemp(prefix="paygate-it-")
        self._processes = []
        before = len(result.failures) + len(result.errors)
        try:
            return super().run(result)
        finally:
            if len(result.failures) + len(result.errors) > before:
                self._dump_logs()
            shutil.rmtree(self._dir, ignore_errors=True)

    def _dump_logs(self):
        for p in self._processes:
            try:
                text = p.output()
            except OSError as e:
                text = "(no log: %s)" % e
            sys.stderr.write("\n----- %s log (%s, pid %d, exit %s) -----\n%s\n----- end %s -----\n"
                             % (p.name, " ".join(p.argv), p.pid, p.proc.returncode,
                                text[-20000:], p.name))

    def _track(self, process):
        self._processes.append(process)
        self.addCleanup(process.kill)
        return process

    @property
    def tmpdir(self):
        return self._dir

    def backend(self, handler=None, name="backend"):
        b = Backend(handler, name)
        self.addCleanup(b.stop)
        return b

    def notify_receiver(self, port=None, start=True, tls=None):
        r = NotifyReceiver(port, start=start, tls=tls)
        self.addCleanup(r.stop)
        return r

    def restart_gateway(self, gw, wait=True):
        """Starts `gw` again (same config and ports) after its process exited or was killed."""
        self._track(gw.start_again())
        return gw.wait_ready() if wait else gw

    def mockpay(self, *args):
        """mockpay with extra command-line arguments (e.g. --notify-intake URL)."""
        m = MockPay(self._dir, *args)
        self._track(m.process)
        return m.wait_ready()

    def gateway(self, clusters, routes, limits=None, wait=True, name="paygate", env=None,
                wrapper=None, **kw):
        config = gateway_config(free_port(), free_port(), clusters, routes, limits, **kw)
        gw = Gateway(self._dir, config, name, env, wrapper)
        self._track(gw.process)
        return gw.wait_ready() if wait else gw

    def run_paygate(self, *args, timeout=10):
        """Runs `paygate ARGS` to completion; returns CompletedProcess with text output."""
        return subprocess.run([PAYGATE_BIN] + list(args), capture_output=True, text=True,
                              timeout=timeout, cwd=self._dir, stdin=subprocess.DEVNULL)

    def write_file(self, name, text):
        path = os.path.join(self._dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    # -- assertions shared by the modules

    def assertJsonError(self, resp, status, code=None):
        """A gateway-made error: the status, a JSON {"code","message"} body and the request id
        in both Request-ID and X-Request-Id."""
        self.assertEqual(resp.status, status, resp)
        self.assertTrue(resp.header("Content-Type", "").startswith("application/json"), resp)
        body = resp.json()
        self.assertIsInstance(body.get("code"), str, body)
        self.assertIsInstance(body.get("message"), str, body)
        self.assertTrue(body["message"], body)
        if code is not None:
            self.assertEqual(body["code"], code, body)
        rid = resp.header("Request-ID")
        self.assertTrue(rid, "no Request-ID header: %r" % resp)
        self.assertEqual(resp.header("X-Request-Id"), rid, resp)
        return body


def main():
    unittest.main(verbosity=2)
