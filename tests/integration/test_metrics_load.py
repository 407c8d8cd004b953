"""Metrics under load on a real paygate with several workers: while clients send a known number
of requests, /metrics is scraped over and over; every scrape parses, counters never go down,
and at the end the per-route counters, the latency histogram's count and the upstream request
counter add up exactly to what the clients sent."""

import re
import threading
import time

import harness

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def parse(text):
    """{(name, labels): value}; raises on any line that is not a comment or a sample."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if m is None:
            raise AssertionError("not an exposition line: %r" % line)
        out[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return out


def total(samples, name, label_filter=""):
    return sum(v for (n, labels), v in samples.items() if n == name and label_filter in labels)


class MetricsUnderLoadTest(harness.GatewayTestCase):
    CLIENTS = 6
    PER_CLIENT = 400

    def test_counters_add_up_to_what_was_sent(self):
        backend = self.backend()
        gw = self.gateway([harness.cluster("b", backend.port)],
                          [harness.route("orders", "/orders/", "b"),
                           harness.route("refunds", "/refunds/", "b")],
                          workers=2, log_level="warn")
        errors = []

        def client(index):
            try:
                with gw.client() as c:
                    for i in range(self.PER_CLIENT):
                        path = "/orders/%d" % i if i % 4 else "/refunds/%d" % i
                        r = c.request("GET", path)
                        if r.status != 200:
                            errors.append(r.status)
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(self.CLIENTS)]
        for t in threads:
            t.start()
        scrapes, previous = 0, {}
        while any(t.is_alive() for t in threads):
            samples = parse(harness.http_get(gw.admin_port, "/metrics", timeout=5)[1].decode())
            for key, value in samples.items():
                if key[0].endswith("_total") and key in previous:
                    self.assertGreaterEqual(value, previous[key], key)
            previous = samples
            scrapes += 1
            time.sleep(0.01)
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertGreater(scrapes, 3)

        sent = self.CLIENTS * self.PER_CLIENT
        refunds = self.CLIENTS * len(range(0, self.PER_CLIENT, 4))

        def settled():
            s = parse(harness.http_get(gw.admin_port, "/metrics", timeout=5)[1].decode())
            return s if total(s, "paygate_http_requests_total") >= sent else None
        samples = harness.wait_until(settled, 5, 0.05, "every request counted")
        self.assertEqual(total(samples, "paygate_http_requests_total"), sent)
        self.assertEqual(total(samples, "paygate_http_requests_total", 'route="refunds"'), refunds)
        self.assertEqual(total(samples, "paygate_http_requests_total", 'route="orders"'),
                         sent - refunds)
        self.assertEqual(total(samples, "paygate_http_requests_total", 'code="200"'), sent)
        self.assertEqual(total(samples, "paygate_http_request_duration_seconds_count"), sent)
        self.assertEqual(total(samples, "paygate_http_request_duration_seconds_bucket",
                               'le="+Inf"'), sent)
        self.assertEqual(total(samples, "paygate_upstream_requests_total"), sent)
        self.assertEqual(total(samples, "paygate_upstream_request_duration_seconds_count"), sent)
        self.assertEqual(backend.request_count(), sent)
        # Every client closed its connection: the gauge, summed over the workers, is back to 0.
        harness.wait_until(lambda: parse(harness.http_get(gw.admin_port, "/metrics")[1].decode())
                           [("paygate_http_active_connections", "")] == 0, 5)


if __name__ == "__main__":
    harness.main()
