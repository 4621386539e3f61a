"""The worked example in the terminal, end to end: `reelmates demo --no-serve` in a fresh home,
offline (the served demo: tests/web/test_web_demo.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _demo(home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REELMATES_", "XDG_"))}
    # No REELMATES_DATA_DIR: the demo must find its default data directory under $HOME. Proxies
    # point nowhere, so any attempt to reach the network would fail the run.
    env.update(
        HOME=str(home),
        COLUMNS="200",
        http_proxy="http://127.0.0.1:9",
        https_proxy="http://127.0.0.1:9",
    )
    return subprocess.run(
        [sys.executable, "-m", "reelmates", "demo", "--no-serve"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.mark.slow
def test_demo_runs_offline_in_a_fresh_home_then_reuses_its_model(tmp_path: Path) -> None:
    first = _demo(tmp_path)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "Jess" in out and "Milly" in out
    assert "Seeded the starter catalog" in out
    assert "Trained the taste model" in out
    assert "which you loved" in out  # every pick comes with reasons
    # Five picks, numbered 1..5.
    numbered = [line for line in out.splitlines() if line.startswith("│ ") and line[2:3].isdigit()]
    assert [int(line.split("│")[1]) for line in numbered] == [1, 2, 3, 4, 5]
    db = tmp_path / ".local" / "share" / "reelmates" / "reelmates.db"
    assert db.exists()

    second = _demo(tmp_path)
    assert second.returncode == 0, second.stderr
    assert "Seeded the starter catalog" not in second.stdout
    assert "Trained the taste model" not in second.stdout
    assert numbered == [
        line for line in second.stdout.splitlines() if line.startswith("│ ") and line[2:3].isdigit()
    ]


@pytest.mark.slow
def test_recommend_says_the_model_is_out_of_date_after_an_import(tmp_path: Path) -> None:
    from sample_data import ML100K_FILES, write_folder

    assert _demo(tmp_path).returncode == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REELMATES_", "XDG_"))}
    env.update(HOME=str(tmp_path), COLUMNS="200")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "reelmates", *args],
            capture_output=True, text=True, env=env, timeout=300,
        )  # fmt: skip

    fresh = run("recommend", "Jess", "Milly", "--k", "3")
    assert fresh.returncode == 0, fresh.stderr
    assert "out of date" not in fresh.stdout
    folder = write_folder(tmp_path / "ml-100k", ML100K_FILES)
    assert run("import", "movielens", str(folder)).returncode == 0
    stale = run("recommend", "Jess", "Milly", "--k", "3")
    assert stale.returncode == 0, stale.stderr
    assert "out of date: 1 import since the model was trained" in stale.stdout
    assert "reelmates train" in stale.stdout
