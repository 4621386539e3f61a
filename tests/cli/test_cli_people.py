"""`reelmates people` as a user runs it: its real entry point, a real database file (one real
process too, to be sure the command works outside the test process)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from processes import reelmates, reelmates_here
from reelmates.catalog.identity import normalise_title


def _add_films(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        for title, year, genre in (("Alien", 1979, "Horror"), ("Heat", 1995, "Crime")):
            cur = conn.execute(
                "INSERT INTO films (title, title_key, year) VALUES (?, ?, ?)",
                (title, normalise_title(title), year),
            )
            conn.execute(
                "INSERT INTO film_genres (film_id, genre) VALUES (?, ?)", (cur.lastrowid, genre)
            )


def test_add_list_privacy_and_vetoes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = reelmates("people", home=tmp_path)
    assert empty.returncode == 0, empty.stderr
    assert "No members yet" in empty.stdout
    db = tmp_path / "data" / "reelmates.db"

    added = reelmates_here(
        monkeypatch, "people", "add", "Jess", "--name", "[bold]Jess[/bold] :smile:", home=tmp_path
    )
    assert added.returncode == 0, added.stderr
    assert "[bold]Jess[/bold] :smile:" in added.stdout  # data, not markup or emoji
    taken = reelmates_here(monkeypatch, "people", "add", "jess", home=tmp_path)
    assert taken.returncode != 0
    assert "taken" in taken.stdout + taken.stderr
    assert "Traceback" not in taken.stderr
    bad = reelmates_here(monkeypatch, "people", "add", "jess k", home=tmp_path)
    assert bad.returncode != 0 and "characters" in bad.stdout + bad.stderr

    _add_films(db)
    assert reelmates_here(monkeypatch, "people", "private", "JESS", home=tmp_path).returncode == 0
    vetoed = reelmates_here(
        monkeypatch,
        "people",
        "veto",
        "jess",
        "--genre",
        "horror",
        "--film",
        "Heat (1995)",
        home=tmp_path,
    )
    assert vetoed.returncode == 0, vetoed.stderr
    assert "jess vetoes horror." in vetoed.stdout
    listed = reelmates_here(monkeypatch, "people", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if "Jess" in line)
    assert "[bold]Jess[/bold] :smile:" in row
    assert "yes" in row  # private
    assert "Horror, Heat (1995)" in row
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT genre FROM genre_vetoes").fetchall() == [("Horror",)]
        assert conn.execute("SELECT private FROM persons").fetchall() == [(1,)]

    unvetoed = reelmates_here(
        monkeypatch, "people", "unveto", "Jess", "--film", "Heat", home=tmp_path
    )
    assert unvetoed.returncode == 0, unvetoed.stderr
    assert reelmates_here(monkeypatch, "people", "public", "Jess", home=tmp_path).returncode == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM film_vetoes").fetchone() == (0,)
        assert conn.execute("SELECT private FROM persons").fetchall() == [(0,)]


def test_unknown_person_genre_and_film_are_clear_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert reelmates_here(monkeypatch, "people", "add", "sam", home=tmp_path).returncode == 0
    _add_films(tmp_path / "data" / "reelmates.db")
    nobody = reelmates_here(monkeypatch, "people", "private", "nobody", home=tmp_path)
    assert nobody.returncode != 0
    assert "no member called 'nobody'" in nobody.stdout + nobody.stderr
    assert "`reelmates people` lists them" in nobody.stdout + nobody.stderr
    genre = reelmates_here(monkeypatch, "people", "veto", "sam", "--genre", "Horor", home=tmp_path)
    assert genre.returncode != 0 and "Did you mean Horror?" in genre.stdout + genre.stderr
    film = reelmates_here(
        monkeypatch, "people", "veto", "sam", "--film", "Nope (2031)", home=tmp_path
    )
    assert film.returncode != 0 and "no film called" in film.stdout + film.stderr
    for done in (nobody, genre, film):
        assert "Traceback" not in done.stderr
