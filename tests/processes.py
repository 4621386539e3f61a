"""Running ``reelmates`` as a user does: with its own home and data directory, either as a real
process (:func:`reelmates`) or, much faster, through the same ``main`` inside the test process
(:func:`reelmates_here`): same argument parsing, error handling and exit codes."""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from reelmates.cli.app import main


def _environment(home: Path, env: dict[str, str]) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("REELMATES_")}
    environ.update(HOME=str(home), REELMATES_DATA_DIR=str(home / "data"), COLUMNS="200", **env)
    return environ


def reelmates(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reelmates", *args],
        capture_output=True,
        text=True,
        env=_environment(home, env),
        timeout=120,
    )


def reelmates_process(*args: str, home: Path, **env: str) -> subprocess.Popen[bytes]:
    """``reelmates ARGS`` started in the background (its output to files in ``home``), for a
    test that stops it, politely or not."""
    out = (home / "stdout.txt").open("ab")
    err = (home / "stderr.txt").open("ab")
    with out, err:
        return subprocess.Popen(
            [sys.executable, "-m", "reelmates", *args],
            stdout=out,
            stderr=err,
            env=_environment(home, env),
        )


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def reelmates_here(monkeypatch: pytest.MonkeyPatch, *args: str, home: Path, **env: str) -> Ran:
    """``reelmates ARGS`` run by ``reelmates.cli.app.main`` in this process."""
    with monkeypatch.context() as patch:
        for key in [k for k in os.environ if k.startswith("REELMATES_")]:
            patch.delenv(key)
        for key, value in _environment(home, env).items():
            patch.setenv(key, value)
        out, err = io.StringIO(), io.StringIO()
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(list(args))
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return Ran(code, out.getvalue(), err.getvalue())


# --- a served demo, as a real process -----------------------------------------------------------

_LOG_IN_LINE = re.compile(r"^  (\S+) / (\S+)$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    """A ``reelmates`` command serving the web app on a free port: where it answers, and
    everything it printed so far (stdout and stderr)."""

    process: subprocess.Popen[str]
    base_url: str  # with the root path, no trailing slash
    lines: list[str]

    def output(self) -> str:
        return "\n".join(self.lines)


@dataclass
class ServedDemo(Served):
    """``reelmates demo`` serving: also the log-ins it printed."""

    log_ins: dict[str, str] = field(default_factory=dict)  # handle → password


@contextlib.contextmanager
def _serving(
    home: Path,
    command: str,
    args: tuple[str, ...],
    root_path: str,
    timeout: float,
    env: dict[str, str],
    port: int | None = None,
) -> Iterator[Served]:
    """Start ``reelmates COMMAND --port <free> [--root-path R] ARGS`` in ``home``; wait until it
    answers; on leaving, stop it with SIGINT (Ctrl-C) and check it stopped cleanly. ``port``:
    that one rather than a free one (a restart on the same address, so that open pages
    reconnect)."""
    port = port or free_port()
    argv = [sys.executable, "-m", "reelmates", command, "--port", str(port), *args]
    if root_path:
        argv += ["--root-path", root_path]
    process = subprocess.Popen(
        argv,
        env=_environment(home, env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def drain() -> None:  # keep reading, so the access log never fills the pipe
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Press Ctrl-C"):
                ready.set()
        ready.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    served = Served(process, f"http://127.0.0.1:{port}{root_path}", lines)
    try:
        ready.wait(timeout)
        assert process.poll() is None, served.output()
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(served.base_url + "/login", timeout=10):
                    break
            # Not listening yet, or (a busy machine) slow to answer its first page: try again.
            except OSError:  # URLError, ConnectionError, TimeoutError
                assert process.poll() is None, served.output()
                assert time.monotonic() < deadline, f"reelmates {command} did not answer"
                time.sleep(0.1)
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)
    assert process.returncode == 0, served.output()
    assert "reelmates stopped." in served.output()


@contextlib.contextmanager
def served_demo(
    home: Path,
    *args: str,
    root_path: str = "",
    timeout: float = 120,
    port: int | None = None,
    **env: str,
) -> Iterator[ServedDemo]:
    """``reelmates demo --port <free> [--root-path R] ARGS`` in ``home``, answering (see
    :func:`_serving`), with the log-ins it printed."""
    with _serving(home, "demo", args, root_path, timeout, env, port) as served:
        log_ins = {
            found.group(1): found.group(2)
            for line in list(served.lines)
            if (found := _LOG_IN_LINE.match(line))
        }
        yield ServedDemo(served.process, served.base_url, served.lines, log_ins)


@contextlib.contextmanager
def served_app(
    home: Path, *args: str, root_path: str = "", timeout: float = 60, **env: str
) -> Iterator[Served]:
    """``reelmates serve --port <free> [--root-path R] ARGS`` in ``home``, answering (see
    :func:`_serving`): e.g. a second server process on a demo's data directory."""
    with _serving(home, "serve", args, root_path, timeout, env) as served:
        yield served
