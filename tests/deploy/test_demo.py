"""`make run` shows the whole loop (scripts/run-demo.sh on the built binaries): the demo app places
an order through the merchant paygate, which signs it and calls the platform paygate, which
verifies it and forwards it to mockpay; paying it sends the notification back through the
merchant paygate's receiver to the demo app, which prints it decrypted. The demo uses fixed
ports (8080, 8443, 8090, 9000, 9100, 9200, 9901-9903, 9911), so it runs in the deploy stage,
after the parallel integration tests."""

import os
import signal
import subprocess
import threading
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = os.environ.get("PAYGATE_BIN_DIR", str(ROOT / "build" / "release" / "bin"))


class DemoTest(unittest.TestCase):
    def test_make_run_shows_the_whole_loop(self):
        demo = subprocess.Popen([str(ROOT / "scripts" / "run-demo.sh")], cwd=ROOT,
                                env={**os.environ, "PAYGATE_BIN_DIR": BIN_DIR},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(demo.stdout), daemon=True)
        reader.start()
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and demo.poll() is None:
                if any(line.startswith("demo app: queried") for line in list(lines)):
                    break
                time.sleep(0.1)
        finally:
            os.killpg(demo.pid, signal.SIGINT)
            try:
                demo.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(demo.pid, signal.SIGKILL)
                demo.wait()
            reader.join(timeout=5)
        output = "".join(lines)
        app = [line for line in lines if line.startswith("demo app:")]
        self.assertTrue(any("through the merchant paygate: 200" in line for line in app), output)
        self.assertTrue(any("TRANSACTION.SUCCESS" in line and "(SUCCESS)" in line for line in app),
                        output)
        self.assertTrue(any('"trade_state": "SUCCESS"' in line for line in app), output)
        self.assertTrue(any(line.startswith("demo app: queried") and ": 200 " in line
                            for line in app), output)


if __name__ == "__main__":
    unittest.main()
