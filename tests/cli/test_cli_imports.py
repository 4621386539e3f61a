"""The `reelmates import` commands as a user runs them: a real process, a real database file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from processes import reelmates
from sample_data import CSV_FILES, write_folder, write_zip


def _ratings(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM ratings").fetchone()[0])


def test_import_movielens_zip_then_a_bad_file_leaves_the_database_as_it_was(
    tmp_path: Path,
) -> None:
    good = write_zip(tmp_path / "ml-latest-small.zip", CSV_FILES, "ml-latest-small")
    done = reelmates("import", "movielens", str(good), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "ratings" in done.stdout
    db = tmp_path / "data" / "reelmates.db"
    assert _ratings(db) == 4

    bad_files = dict(CSV_FILES)
    bad_files["ratings.csv"] = str(bad_files["ratings.csv"]) + "3,1,six,1445714885\n"
    bad = write_folder(tmp_path / "ml-bad", bad_files)
    failed = reelmates("import", "movielens", str(bad), home=tmp_path)
    assert failed.returncode != 0
    assert f"{bad / 'ratings.csv'}:6:" in " ".join(failed.stderr.split())
    assert _ratings(db) == 4


def test_db_option_wins_over_the_environment(tmp_path: Path) -> None:
    chosen = tmp_path / "chosen.db"
    data = write_folder(tmp_path / "ml", CSV_FILES)
    done = reelmates(
        "import",
        "movielens",
        str(data),
        "--db",
        f"sqlite:///{chosen}",
        home=tmp_path,
        REELMATES_DATABASE_URL=f"sqlite:///{tmp_path / 'env.db'}",
    )
    assert done.returncode == 0, done.stderr
    assert _ratings(chosen) == 4
    assert not (tmp_path / "env.db").exists()


def test_unknown_source_says_what_to_do(tmp_path: Path) -> None:
    failed = reelmates("import", "movielens", "ml-nonexistent", home=tmp_path)
    assert failed.returncode != 0
    assert "Known names" in failed.stderr
