"""Running ``reelmates`` as a user does: with its own home and data directory, either as a real
process (:func:`reelmates`) or, much faster, through the same ``main`` inside the test process
(:func:`reelmates_here`): same argument parsing, error handling and exit codes."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass
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
