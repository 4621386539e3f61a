"""Killed without warning (SIGKILL: no clean-up runs) in the middle of a large import or of
``train``, reelmates loses nothing and serves what it served before — on both databases.

Real processes: ``reelmates import movielens`` is killed while it is writing ratings (seen from
outside: SQLite's write-ahead log growing, PostgreSQL's lock on the ratings table), then every
row of every table is compared with the copy taken before it started, and the same import runs
again (no lock or half-import left behind). ``reelmates train`` is killed twice, once
while fitting and once the moment its model file is being written; the model served stays the
last good one (or a whole newer one, never a torn file), and the next ``train`` is served.
The datasets are generated here, in MovieLens' 100K layout (none of MovieLens' own data)."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, create_engine, text

from every_table import snapshot
from processes import reelmates, reelmates_process
from reelmates.services.taste import ModelHolder, database_model_dir, model_files
from reelmates.settings import Settings

pytestmark = pytest.mark.slow

GENRES = "0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0"


def write_dataset(folder: Path, *, films: int, people: int, ratings: int, seed: int) -> Path:
    """A MovieLens 100K-layout folder: ``films`` films, ``ratings`` distinct ratings."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    items = [
        f"{i}|Film {seed}-{i} ({1950 + i % 70})|01-Jan-1995||http://x|{GENRES}\n"
        for i in range(1, films + 1)
    ]
    (folder / "u.item").write_text("".join(items), encoding="latin-1")
    cells = rng.choice(people * films, size=ratings, replace=False)
    stars = rng.integers(1, 6, size=ratings)
    lines = [
        f"{c // films + 1}\t{c % films + 1}\t{s}\t{880000000 + n}\n"
        for n, (c, s) in enumerate(zip(cells.tolist(), stars.tolist(), strict=True))
    ]
    (folder / "u.data").write_text("".join(lines))
    return folder


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 120
    while not condition():
        assert process.poll() is None, f"the process ended before {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def kill(process: subprocess.Popen[bytes], *, may_have_ended: bool = False) -> None:
    process.send_signal(signal.SIGKILL)
    code = process.wait(30)
    assert code == -signal.SIGKILL or (may_have_ended and code == 0), code


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


@pytest.fixture
def env(db_url: str) -> dict[str, str]:
    return {"REELMATES_DATABASE_URL": db_url}


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_engine(db_url)
    yield engine
    engine.dispose()


_RATINGS_DONE = re.compile(r"ratings\s.*?(\d+)%")


def writing_ratings(home: Path, share: int) -> Callable[[], bool]:
    """True once the import's own progress bar (drawn live, as on a terminal) shows at least
    ``share`` percent of the ratings file written."""
    log = home / "stderr.txt"

    def past() -> bool:
        shown = _RATINGS_DONE.findall(log.read_text(errors="replace")) if log.exists() else []
        return bool(shown) and int(shown[-1]) >= share

    return past


def shown(home: Path, words: str) -> Callable[[], bool]:
    """True once the process's progress on stderr shows ``words``."""
    log = home / "stderr.txt"
    return lambda: log.exists() and words in log.read_text(errors="replace")


def test_an_import_killed_midway_leaves_every_row_as_it_was(
    home: Path, env: dict[str, str], engine: Engine, db_url: str, tmp_path: Path
) -> None:
    small = write_dataset(tmp_path / "ml-first", films=60, people=40, ratings=800, seed=1)
    large = write_dataset(tmp_path / "ml-large", films=1000, people=2000, ratings=200_000, seed=2)
    first = reelmates("import", "movielens", str(small), home=home, **env)
    assert first.returncode == 0, first.stderr
    before = snapshot(engine)
    assert sum(map(len, before.values())) > 800

    started = reelmates_process(
        "import", "movielens", str(large), home=home, TTY_COMPATIBLE="1", TTY_INTERACTIVE="1", **env
    )
    try:
        wait_for(writing_ratings(home, 30), started, "the import wrote a third of its ratings")
    finally:
        kill(started)
    after = snapshot(engine)
    for name, rows in before.items():
        assert after[name] == rows, (
            name,
            len(rows),
            len(after[name]),
            sorted(set(after[name]) ^ set(rows))[:5],
        )
    if db_url.startswith("sqlite"):
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert raw.execute("PRAGMA foreign_key_check").fetchall() == []

    # Nothing half-imported is left to refuse or trip over: the same dataset (by name; a small
    # copy, to keep the test short) imports without --replace.
    same = write_dataset(tmp_path / "again" / "ml-large", films=50, people=30, ratings=500, seed=4)
    again = reelmates("import", "movielens", str(same), home=home, **env)
    assert again.returncode == 0, again.stderr
    with engine.connect() as conn:
        ratings = conn.execute(text("SELECT count(*) FROM ratings")).scalar_one()
    assert ratings == 800 + 500


def test_train_killed_while_fitting_or_saving_keeps_the_last_good_model_served(
    home: Path, env: dict[str, str], engine: Engine, db_url: str, tmp_path: Path
) -> None:
    data = write_dataset(tmp_path / "ml-taste", films=200, people=300, ratings=8_000, seed=3)
    assert reelmates("import", "movielens", str(data), home=home, **env).returncode == 0
    trained = reelmates("train", home=home, **env)
    assert trained.returncode == 0, trained.stderr
    # train yields the CPU to a server beside it: nice 10 more than this process, at most 19.
    lowered = min(os.getpriority(os.PRIO_PROCESS, 0) + 10, 19)
    assert f"Fitting at CPU priority nice {lowered}." in trained.stdout, trained.stdout
    settings = Settings(data_dir=home / "data", database_url=db_url)
    holder = ModelHolder(settings.effective_model_dir, engine)
    good = holder.served()
    assert good is not None
    folder = database_model_dir(settings.effective_model_dir, holder.database_id)
    files_before = model_files(folder)

    live = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1"}  # its progress, drawn as it goes
    fitting = reelmates_process("train", home=home, **live, **env)
    try:
        # At once: the fit has begun. (A sleep of a share of the first run's time was once
        # longer than this run's whole fit, on a loaded machine: the kill found it ended.)
        wait_for(shown(home, "fitting on"), fitting, "train began fitting")
    finally:
        kill(fitting)
    assert not shown(home, "saving the model")(), "the kill came after the fit"
    (home / "stderr.txt").unlink()

    saving = reelmates_process("train", home=home, **live, **env)
    try:
        wait_for(shown(home, "saving the model"), saving, "train began saving")
    finally:  # at once; should the save be done already, the model must be whole and served
        kill(saving, may_have_ended=True)
    assert not list(folder.glob(".*.partial")) or saving.returncode == -signal.SIGKILL

    fresh = ModelHolder(settings.effective_model_dir, engine)  # as a restarted server would
    served = fresh.served()
    assert served is not None and fresh.last_error is None
    new_files = [p for p in model_files(folder) if p not in files_before]
    if new_files:  # the kill came after the rename: a whole model, and it is the one served
        assert served.trained_at > good.trained_at
    else:
        assert served == good
    assert fresh.get() is not None  # it answers

    as_started = reelmates("train", "--nice", "0", home=home, **env)
    assert as_started.returncode == 0 and "CPU priority" not in as_started.stdout
    newest = ModelHolder(settings.effective_model_dir, engine).served()
    assert newest is not None and newest.trained_at > served.trained_at
