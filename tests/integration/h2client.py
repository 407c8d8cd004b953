"""A frame-level HTTP/2 client for the tests, on Debian's python3-h2 (h2, hpack, hyperframe):
requests on many streams of one connection, and the raw frames an attacker sends (floods,
resets, oversized header lists) that a well-behaved client library never would."""

import socket
import time

import h2.config
import h2.connection
import h2.events
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
