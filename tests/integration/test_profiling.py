"""The admin profiling endpoints on a real paygate: /debug/pprof/profile?seconds=N (a gperftools
CPU profile taken while traffic flows) and /debug/pprof/heap (tcmalloc's heap sample), both read
back with google-pprof (Debian's google-perftools) the way an operator would; disabled unless
`admin.profiling: true`; one CPU profile at a time; bad `seconds` refused; heap sampling needs
TCMALLOC_SAMPLE_PARAMETER at start and says so; a CPU profile still being taken does not hold up
the process's stop."""

import re
import shutil
import signal
import subprocess
import threading
import time
import unittest

import harness

PPROF = shutil.which("google-pprof") or shutil.which("pprof")


class ProfilingTest(harness.GatewayTestCase):
    def start(self, profiling=True, env=None):
        backend = self.backend()
        # Every answer is signed with the platform key, so the workers spend their time in
        # paygate's own code (the signing step) rather than only in send(): a profile of a plain
        # proxy can be nothing but syscalls and Asio frames.
        keys = harness.PlatformKeys(self, "1900000001")
        config = harness.gateway_config(harness.free_port(), harness.free_port(),
                                        [harness.cluster("b", backend.port)],
                                        [harness.route("all", "/", "b", sign="platform")],
                                        log_level="warn", extra=keys.config())
        config["admin"]["profiling"] = profiling
        config["log"]["access_log"] = "off"
        gw = harness.Gateway(self.tmpdir, config, env=env)
        self._track(gw.process)
        return gw.wait_ready()

    def admin_get(self, gw, path, timeout=harness.IO_TIMEOUT):
        with harness.Client(gw.admin_port, timeout=timeout) as c:
            return c.request("GET", path, timeout=timeout)

    def save(self, name, data):
        path = self.write_file(name, "")
        with open(path, "wb") as f:
            f.write(data)
        return path

    def pprof_text(self, profile_path):
        self.assertIsNotNone(PPROF, "google-pprof is missing: scripts/deps.sh installs "
                                    "google-perftools")
        p = subprocess.run([PPROF, "--text", harness.PAYGATE_BIN, profile_path],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout + p.stderr  # the heap summary ("Total: ... MB") goes to stderr

    def load(self, gw, seconds):
        """Keep-alive requests from two threads for `seconds`; returns the number answered."""
        done = [0]
        stop = time.monotonic() + seconds

        def run():
            with gw.client() as c:
                while time.monotonic() < stop:
                    if c.request("GET", "/work").status == 200:
                        done[0] += 1
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        return threads, done

    def test_disabled_by_default(self):
        gw = self.start(profiling=False)
        for path in ("/debug/pprof/profile?seconds=1", "/debug/pprof/heap"):
            body = self.assertJsonError(self.admin_get(gw, path), 404)
            self.assertIn("admin.profiling", body["message"])

    def test_cpu_profile_under_load_reads_back_with_pprof(self):
        gw = self.start()
        threads, done = self.load(gw, 3)
        started = time.monotonic()
        r = self.admin_get(gw, "/debug/pprof/profile?seconds=2", timeout=15)
        elapsed = time.monotonic() - started
        for t in threads:
            t.join()
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "application/octet-stream")
        self.assertGreaterEqual(elapsed, 2.0)
        self.assertGreater(done[0], 100)
        text = self.pprof_text(self.save("cpu.prof", r.body))
        total = int(re.search(r"^Total: (\d+) samples", text, re.M).group(1))
        self.assertGreater(total, 10, text)
        # The workers' own code shows up by name (symbols resolved against the binary).
        self.assertRegex(text, r"paygate::", text[:2000])

    def test_one_cpu_profile_at_a_time_and_bad_seconds(self):
        gw = self.start()
        # Two profiles asked for at once: whichever the admin thread takes first runs, the other
        # is refused (which one wins is a race, so the test does not presume an order).
        results = []
        threads = [threading.Thread(target=lambda: results.append(
            self.admin_get(gw, "/debug/pprof/profile?seconds=2", timeout=15))) for _ in range(2)]
        for t in threads:
            t.start()
        # The admin thread serves other requests while a profile runs.
        harness.wait_until(lambda: self.admin_get(gw, "/healthz").status == 200, 5)
        for t in threads:
            t.join()
        self.assertEqual(sorted(r.status for r in results), [200, 503], results)
        refused = next(r for r in results if r.status == 503)
        self.assertIn("already", self.assertJsonError(refused, 503)["message"])
        for bad in ("0", "301", "x", "1.5", ""):
            r = self.admin_get(gw, "/debug/pprof/profile?seconds=" + bad)
            self.assertJsonError(r, 400)
        # A refused or finished profile leaves the profiler free.
        self.assertEqual(self.admin_get(gw, "/debug/pprof/profile?seconds=1", timeout=15).status,
                         200)

    def test_a_profile_in_progress_ends_at_shutdown(self):
        gw = self.start()
        with harness.Client(gw.admin_port) as c:
            c.send(harness.build_request("GET", "/debug/pprof/profile?seconds=300"))
            # Taken once the admin thread answers something else: the profile has started.
            self.assertIn("already", self.assertJsonError(
                self.admin_get(gw, "/debug/pprof/profile?seconds=1"), 503)["message"])
            started = time.monotonic()
            gw.process.signal(signal.SIGTERM)
            self.assertEqual(gw.process.wait(10), 0, gw.log())
            # The drain has nothing to wait for; closing the admin connections takes at most 1 s.
            self.assertLess(time.monotonic() - started, 2.5, gw.log())
            self.assertTrue(c.closed_by_peer(), "the profile's connection is still open")
        self.assertNotIn("did not close", gw.log())

    def test_heap_profile_needs_sampling_at_start(self):
        gw = self.start()
        body = self.assertJsonError(self.admin_get(gw, "/debug/pprof/heap"), 503)
        self.assertIn("TCMALLOC_SAMPLE_PARAMETER", body["message"])

    def test_heap_profile_reads_back_with_pprof(self):
        # Dense sampling, so that even the small live heap of an idle gateway shows up.
        gw = self.start(env={"TCMALLOC_SAMPLE_PARAMETER": "4096"})
        threads, _ = self.load(gw, 1)
        for t in threads:
            t.join()
        r = self.admin_get(gw, "/debug/pprof/heap")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.body.startswith(b"heap profile:"), r.body[:100])
        text = self.pprof_text(self.save("heap.prof", r.body))
        self.assertRegex(text, r"Total: [0-9.]+ [KMG]?B", r.body[:3000])


if __name__ == "__main__":
    harness.main()
