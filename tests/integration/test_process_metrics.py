"""Process metrics and build info on a real paygate: /metrics carries the standard process_*
families with this process's values, and paygate_build_info names the version and the git
commit, as `paygate version` does."""

import re
import subprocess
import time

import harness
from test_metrics_load import parse

BUILD_INFO = re.compile(r'^\{version="([^"]*)",revision="([^"]*)"\}$')


def scrape(gw):
    status, body = harness.http_get(gw.admin_port, "/metrics", timeout=5)
    assert status == 200, status
    return parse(body.decode())


class ProcessMetricsTest(harness.GatewayTestCase):
    def start(self):
        backend = self.backend()
        return self.gateway([harness.cluster("b", backend.port)],
                            [harness.route("all", "/", "b")], log_level="warn")

    def test_process_families_describe_the_running_gateway(self):
        before = time.time()
        gw = self.start()
        samples = scrape(gw)
        self.assertGreater(samples[("process_resident_memory_bytes", "")], 0)
        self.assertGreaterEqual(samples[("process_virtual_memory_bytes", "")],
                                samples[("process_resident_memory_bytes", "")])
        self.assertGreater(samples[("process_open_fds", "")], 0)
        self.assertGreaterEqual(samples[("process_max_fds", "")], samples[("process_open_fds", "")])
        self.assertGreaterEqual(samples[("process_cpu_seconds_total", "")], 0)
        started = samples[("process_start_time_seconds", "")]
        self.assertGreater(started, before - 5)  # the kernel's clock ticks are coarse
        self.assertLessEqual(started, time.time() + 1)
        self.assertIn(("paygate_start_time_seconds", ""), samples)

    def test_open_fds_follow_downstream_connections(self):
        gw = self.start()
        idle = scrape(gw)[("process_open_fds", "")]
        clients = [gw.client() for _ in range(8)]
        try:
            for c in clients:
                self.assertEqual(c.request("GET", "/x").status, 200)
            busy = scrape(gw)[("process_open_fds", "")]
            self.assertGreaterEqual(busy, idle + 8)
        finally:
            for c in clients:
                c.close()

    def test_build_info_names_version_and_revision(self):
        gw = self.start()
        infos = [labels for (name, labels), value in scrape(gw).items()
                 if name == "paygate_build_info" and value == 1]
        self.assertEqual(len(infos), 1, infos)
        m = BUILD_INFO.match(infos[0])
        self.assertIsNotNone(m, infos[0])
        version, revision = m.groups()
        self.assertRegex(version, r"^\d+\.\d+\.\d+")
        self.assertNotEqual(revision, "")
        printed = subprocess.run([harness.PAYGATE_BIN, "version"], capture_output=True,
                                 text=True, timeout=10, check=True).stdout
        self.assertEqual(printed, "paygate %s (%s)\n" % (version, revision))


if __name__ == "__main__":
    harness.main()
