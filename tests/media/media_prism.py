"""Prism (npm ``@stoplight/prism-cli``, pinned in ``tests/media/prism/package-lock.json``) serving
a published OpenAPI document on a free loopback port, with request validation on: a request the
document does not allow is answered 422 (400/401 for a missing or wrong credential), so every
call a client makes is checked against the document, and answers come in the documented shapes.

The documents live outside the repository (``../shared/contracts``; never copied in); when they
or Prism are missing the tests skip, except in CI (env ``CI`` set), where that is a failure.
``scripts/test.sh`` installs Prism with ``npm ci --prefix tests/media/prism``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# A worktree elsewhere points at them with REELMATES_TEST_CONTRACTS.
CONTRACTS = Path(
    os.environ.get("REELMATES_TEST_CONTRACTS") or REPO_ROOT.parent / "shared" / "contracts"
)
PRISM = REPO_ROOT / "tests" / "media" / "prism" / "node_modules" / ".bin" / "prism"
START_SECONDS = 90  # the generous limit on Prism's start (about 5 s for Jellyfin's 1.9 MB here)


def _missing(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{why} (in CI this is a failure, not a skip)")
    pytest.skip(why)


def contract(name: str) -> Path:
    path = CONTRACTS / name
    if not path.exists():
        _missing(f"the published API document {path} is not here (it is never copied in)")
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def prism_mock(document: Path, log: Path, *, errors: bool = True) -> Iterator[str]:
    """The base URL of Prism mocking ``document``, until the block ends; its output goes to
    ``log`` (shown when it fails to start). A request the document does not allow is answered
    422 either way; ``errors`` (``--errors``) also makes Prism answer 500 when the answer it
    made up breaks the document's own schemas: off for the documents whose examples do (Plex's
    Guid example is an object where the schema says string; Jellyseerr's nested requests lose
    their required fields)."""
    if not PRISM.exists():
        _missing(f"Prism is not installed ({PRISM}): run npm ci --prefix tests/media/prism")
    port = _free_port()
    command = [str(PRISM), "mock", str(document), "-h", "127.0.0.1", "-p", str(port)]
    command += ["--errors"] if errors else []
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + START_SECONDS
        while b"is listening on" not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text("utf-8", "replace")[-2000:]
                pytest.fail(f"Prism did not start on {document.name}:\n{tail}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
