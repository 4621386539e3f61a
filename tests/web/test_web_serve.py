"""``reelmates serve`` as a real process on a free port: it prints the address, serves under a
root path with the security headers, and stops cleanly on Ctrl-C (SIGINT)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_serve_answers_under_a_root_path_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REELMATES_")}
    env.update(HOME=str(tmp_path), REELMATES_DATA_DIR=str(tmp_path / "data"))
    args = ["serve", "--port", str(port), "--root-path", "/reelmates"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "reelmates", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}/reelmates"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/login", timeout=2) as response:
                    body = response.read().decode()
                    headers = response.headers
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, proc.communicate()[0]
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.2)
        assert 'action="/reelmates/login"' in body
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(base + "/no-such-page", timeout=5)
        assert missing.value.code == 404
        assert missing.value.headers["x-content-type-options"] == "nosniff"
    finally:
        proc.send_signal(signal.SIGINT)
        output = proc.communicate(timeout=20)[0]
    assert proc.returncode == 0, output
    assert f"serving at http://127.0.0.1:{port}/reelmates/" in output
    assert "reelmates stopped." in output
