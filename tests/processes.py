"""Running ``reelmates`` as a user does: a real process with its own home and data directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def reelmates(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("REELMATES_")}
    environ.update(HOME=str(home), REELMATES_DATA_DIR=str(home / "data"), COLUMNS="200", **env)
    return subprocess.run(
        [sys.executable, "-m", "reelmates", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
    )
