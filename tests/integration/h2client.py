"""A frame-level HTTP/2 client for the tests, on Debian's python3-h2 (h2, hpack, hyperframe):
requests on many streams of one connection, and the raw frames an attacker sends (floods,
resets, oversized header lists) that a well-behaved client library never would."""

import socket
import time

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings
import hyperframe.frame

import harness

ENHANCE_YOUR_CALM = 0xB
CANCEL = 0x8
REFUSED_STREAM = 0x7
NO_ERROR = 0x0
PROTOCOL_ERROR = 0x1


class H2Response(harness.HeaderLookup):
    def __init__(self):
        self.headers = []
        self.body = b""
        self.ended = False
        self.reset = None  # the RST_STREAM error code, if the server reset the stream

    @property
    def status(self):
        return int(self.header(":status", "0"))

    def json(self):
        import json
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "<H2Response %s headers=%r body=%r reset=%r>" % (
            self.header(":status"), self.headers, self.body[:200], self.reset)


class H2Client:
    """One HTTP/2 connection: prior knowledge on cleartext, or ALPN h2 with `tls` (an
    ssl.SSLContext). `settings`: the client's SETTINGS (h2.settings.SettingCodes -> value)."""

    def __init__(self, port, tls=None, server_name=None, settings=None,
                 timeout=harness.IO_TIMEOUT, auto_window=True):
        sock = socket.create_connection((harness.HOST, port), timeout=timeout)
        if tls is not None:
            sock = tls.wrap_socket(sock, server_hostname=server_name)
        self.sock = sock
        self.timeout = timeout
        self.auto_window = auto_window
        # No outbound validation: the tests send what a hostile client would.
        config = h2.config.H2Configuration(client_side=True, header_encoding="utf-8",
                                           validate_outbound_headers=False)
        self.conn = h2.connection.H2Connection(config=config)
        self.conn.initiate_connection()
        if settings:
            self.conn.update_settings(settings)
        self.flush()
        self.responses = {}
        self.goaway = None  # the ConnectionTerminated event, once the server sent GOAWAY
        self.closed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def send_raw(self, data):
        self.sock.sendall(data)

    def start(self, method, path, headers=(), body=b"", end=True, authority="gw.test"):
        """Opens a stream with a request; returns its id."""
        sid = self.conn.get_next_available_stream_id()
        fields = [(":method", method), (":path", path), (":scheme", "http"),
                  (":authority", authority)] + list(headers)
        self.conn.send_headers(sid, fields, end_stream=end and not body)
        if body:
            self.conn.send_data(sid, body, end_stream=end)
        self.responses[sid] = H2Response()
        self.flush()
        return sid

    def request(self, method, path, headers=(), body=b"", timeout=None, authority="gw.test"):
        sid = self.start(method, path, headers, body, authority=authority)
        return self.wait(sid, timeout)

    def wait(self, sid, timeout=None):
        """The response of stream `sid`, once it ended or was reset."""
        r = self.responses[sid]
        self.pump(lambda: r.ended or r.reset is not None, timeout)
        return r

    def pump(self, done, timeout=None):
        """Reads and handles frames until done() or the connection ends; False on timeout."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while not done():
            if self.closed:
                return False
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return False
            except OSError:
                data = b""
            if not data:
                self.closed = True
                continue
            for event in self.conn.receive_data(data):
                self._handle(event)
            try:
                self.flush()
            except OSError:
                self.closed = True
        return True

    def wait_closed(self, timeout=None):
        return self.pump(lambda: self.closed, timeout)

    def _handle(self, event):
        r = self.responses.get(getattr(event, "stream_id", None))
        if isinstance(event, h2.events.ResponseReceived) and r:
            r.headers = [(k, v) for k, v in event.headers]
        elif isinstance(event, h2.events.DataReceived) and r is not None:
            r.body += event.data
            if self.auto_window and event.flow_controlled_length:
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded) and r is not None:
            r.ended = True
        elif isinstance(event, h2.events.StreamReset) and r is not None:
            r.reset = event.error_code
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.goaway = event


def frame(f):
    return f.serialize()


def continuation_flood(client, count):
    """A HEADERS frame without END_HEADERS, then `count` empty CONTINUATION frames."""
    sid = client.conn.get_next_available_stream_id()
    block = client.conn.encoder.encode([(":method", "GET"), (":path", "/"),
                                        (":scheme", "http"), (":authority", "gw.test")])
    headers = hyperframe.frame.HeadersFrame(sid, data=block, flags=["END_STREAM"])
    data = frame(headers)
    for _ in range(count):
        data += frame(hyperframe.frame.ContinuationFrame(sid, data=b""))
    client.send_raw(data)


def ping_flood(client, count):
    client.send_raw(b"".join(frame(hyperframe.frame.PingFrame(0, opaque_data=b"%08d" % i))
                             for i in range(count)))


def settings_flood(client, count):
    client.send_raw(b"".join(frame(hyperframe.frame.SettingsFrame(0, settings={4: 65535}))
                             for _ in range(count)))


class H2Backend:
    """An HTTP/2 upstream (h2c by prior knowledge, or TLS with ALPN h2 given `tls`, a
    server_tls(identity, alpn=("h2",)) context). Answers each request with
    handler(method, path, headers, body) -> (status, headers, body), default 200 with a JSON
    echo. `goaway_after`: after that many requests on a connection, GOAWAY naming the last
    stream answered, so later streams are refused unprocessed. Records (connection index,
    method, path, headers, body) per request. Setting `muted` makes it a dead host: it reads on
    and sends nothing (no PING acknowledgement either); `pings` counts the PINGs received."""

    def __init__(self, handler=None, tls=None, goaway_after=None, delay=0.0,
                 handshake_delay=0.0):
        import json
        import threading
        self.handler = handler or (lambda m, p, h, b: (200, [("content-type", "application/json")],
                                                        json.dumps({"method": m, "path": p,
                                                                    "body_len": len(b)}).encode()))
        self.tls = tls
        self.goaway_after = goaway_after
        self.delay = delay
        self.handshake_delay = handshake_delay  # a slow TLS accept: connects overlap
        self.requests = []
        self.connections = 0
        self.tls_resumed = 0  # TLS connections that resumed an earlier session
        self.closed = 0       # connections the gateway closed (or that ended)
        self.muted = False
        self.pings = 0
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((harness.HOST, 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def stop(self):
        self.stopping = True
        try:
            self.sock.close()
        except OSError:
            pass

    def _accept_loop(self):
        import threading
        while not self.stopping:
            try:
                s, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                index = self.connections
                self.connections += 1
            threading.Thread(target=self._serve, args=(s, index), daemon=True).start()

    def _serve(self, s, index):
        if self.tls is not None:
            time.sleep(self.handshake_delay)
            try:
                s = self.tls.wrap_socket(s, server_side=True)
            except OSError:
                return
            with self.lock:
                self.tls_resumed += 1 if s.session_reused else 0
        conn = h2.connection.H2Connection(
            config=h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        conn.initiate_connection()
        import threading
        pending = {}
        answered = 0
        send_lock = threading.Lock()
        try:
            s.sendall(conn.data_to_send())
            while True:
                data = s.recv(65536)
                if not data:
                    return
                try:
                    events = conn.receive_data(data)
                except h2.exceptions.ProtocolError:
                    return  # frames after our GOAWAY: the client will see the connection end
                if self.muted:
                    continue
                for event in events:
                    if isinstance(event, h2.events.PingReceived):
                        with self.lock:
                            self.pings += 1
                    elif isinstance(event, h2.events.RequestReceived):
                        pending[event.stream_id] = [dict(event.headers), b""]
                    elif isinstance(event, h2.events.DataReceived):
                        pending[event.stream_id][1] += event.data
                        conn.acknowledge_received_data(event.flow_controlled_length,
                                                       event.stream_id)
                    elif isinstance(event, h2.events.StreamEnded):
                        headers, body = pending.pop(event.stream_id)
                        if self.goaway_after is not None and answered >= self.goaway_after:
                            continue  # beyond the GOAWAY: never processed
                        answered += 1
                        if self.goaway_after is not None:  # answered in order, then GOAWAY
                            self._answer(s, conn, send_lock, event.stream_id, headers, body,
                                         index)
                            if answered == self.goaway_after:
                                with send_lock:
                                    conn.close_connection(last_stream_id=event.stream_id)
                            continue
                        # Each stream answered on its own thread, so a slow one holds up none.
                        threading.Thread(target=self._answer, daemon=True,
                                         args=(s, conn, send_lock, event.stream_id, headers,
                                               body, index)).start()
                with send_lock:
                    s.sendall(conn.data_to_send())
        except OSError:
            return
        finally:
            s.close()
            with self.lock:
                self.closed += 1

    def _answer(self, s, conn, send_lock, sid, headers, body, index):
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.requests.append((index, headers[":method"], headers[":path"], headers, body))
        status, fields, payload = self.handler(headers[":method"], headers[":path"], headers,
                                               body)
        try:
            with send_lock:
                conn.send_headers(sid, [(":status", str(status))] + list(fields) +
                                  [("content-length", str(len(payload)))],
                                  end_stream=not payload)
                if payload:
                    conn.send_data(sid, payload, end_stream=True)
                s.sendall(conn.data_to_send())
        except (OSError, h2.exceptions.ProtocolError, h2.exceptions.StreamClosedError):
            pass  # the gateway reset the stream or closed the connection
