"""Letterboxd imports on both databases: a re-import brings the person to what the export says."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from reelmates.importers.movielens import open_movielens
from reelmates.importers.sources import open_path
from reelmates.services.importing import import_movielens
from reelmates.services.letterboxd import LetterboxdReport, import_letterboxd
from reelmates.services.progress import Progress
from reelmates.services.uow import unit_of_work
from reelmates.store.models import Film, Person, Rating, SeenMark, WatchlistEntry
from sample_data import CSV_FILES, Files, write_folder

# The catalog (CSV_FILES): Toy Story (1995), The City of Lost Children (1995),
# The Godfather (1972), Bad Poems (2018).
FIRST: Files = {
    "ratings.csv": (
        "Date,Name,Year,Letterboxd URI,Rating\n"
        "2024-01-02,Toy Story,1995,https://boxd.it/a,4.5\n"
        "2024-01-03,The Godfather,1972,https://boxd.it/b,5\n"
    ),
    "watched.csv": "Date,Name,Year,Letterboxd URI\n2024-02-01,Bad Poems,2018,https://boxd.it/d\n",
    "diary.csv": (
        "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
        "2024-02-03,Bad Poems,2018,https://boxd.it/e,,,,2024-02-02\n"
    ),
    "watchlist.csv": (
        "Date,Name,Year,Letterboxd URI\n2024-03-01,The City of Lost Children,1995,https://boxd.it/f\n"
    ),
}
# Later: the Godfather rating deleted on Letterboxd, Bad Poems un-logged, the watchlist emptied,
# Toy Story re-rated.
SECOND: Files = {
    "ratings.csv": "Date,Name,Year,Letterboxd URI,Rating\n2024-05-06,Toy Story,1995,x,3\n",
    "watched.csv": "Date,Name,Year,Letterboxd URI\n",
    "watchlist.csv": "Date,Name,Year,Letterboxd URI\n",
}


def _catalog(engine: Engine, tmp_path: Path) -> None:
    with open_path(write_folder(tmp_path / "ml-latest-small", CSV_FILES)) as root:
        import_movielens(engine, open_movielens(root))


def _letterboxd(
    engine: Engine, folder: Path, files: Files, progress: Progress | None = None
) -> LetterboxdReport:
    with open_path(write_folder(folder, files)) as root:
        return import_letterboxd(engine, root, "Jess", progress=progress)


def _state(
    engine: Engine,
) -> tuple[dict[str, tuple[int, int | None]], dict[str, date | None], dict[str, date | None]]:
    with unit_of_work(engine) as session:
        jess = session.scalars(select(Person.id).where(Person.handle == "Jess")).one()
        ratings = session.execute(
            select(Film.title, Rating.half_stars, Rating.rated_at)
            .join(Rating, Rating.film_id == Film.id)
            .where(Rating.person_id == jess)
        )
        seen = session.execute(
            select(Film.title, SeenMark.seen_on)
            .join(SeenMark, SeenMark.film_id == Film.id)
            .where(SeenMark.person_id == jess)
        )
        listed = session.execute(
            select(Film.title, WatchlistEntry.added_on)
            .join(WatchlistEntry, WatchlistEntry.film_id == Film.id)
            .where(WatchlistEntry.person_id == jess)
        )
        return (
            {t: (h, at) for t, h, at in ratings},
            dict(seen.tuples().all()),
            dict(listed.tuples().all()),
        )


def _day(y: int, m: int, d: int) -> int:
    return int(datetime(y, m, d, tzinfo=UTC).timestamp())


LOST = "The City of Lost Children (La Cité des enfants perdus)"


def test_dates_of_the_export_are_kept(db_engine: Engine, tmp_path: Path) -> None:
    _catalog(db_engine, tmp_path)
    report = _letterboxd(db_engine, tmp_path / "first", FIRST)
    assert (report.ratings, report.seen_only, report.watchlist, report.removed) == (2, 1, 1, 0)
    ratings, seen, listed = _state(db_engine)
    assert ratings == {"Toy Story": (9, _day(2024, 1, 2)), "The Godfather": (10, _day(2024, 1, 3))}
    assert seen == {"Bad Poems": date(2024, 2, 2)}  # the diary's watched date, the latest
    assert listed == {LOST: date(2024, 3, 1)}


def test_a_reimport_removes_what_the_export_no_longer_says_and_reports_it(
    db_engine: Engine, tmp_path: Path
) -> None:
    _catalog(db_engine, tmp_path)
    _letterboxd(db_engine, tmp_path / "first", FIRST)
    report = _letterboxd(db_engine, tmp_path / "second", SECOND)
    assert not report.person_created
    assert report.ratings_removed == ["The Godfather (1972)"]
    assert report.seen_removed == ["Bad Poems (2018)"]
    assert report.watchlist_removed == [f"{LOST} (1995)"]
    assert report.removed == 3
    assert (report.ratings, report.seen_only, report.watchlist) == (1, 0, 0)
    assert _state(db_engine) == ({"Toy Story": (6, _day(2024, 5, 6))}, {}, {})


def test_an_upload_of_ratings_alone_keeps_the_watched_films_and_the_watchlist(
    db_engine: Engine, tmp_path: Path
) -> None:
    _catalog(db_engine, tmp_path)
    _letterboxd(db_engine, tmp_path / "first", FIRST)
    only = {"ratings.csv": SECOND["ratings.csv"]}
    report = _letterboxd(db_engine, tmp_path / "ratings-only", only)
    assert report.ratings_removed == ["The Godfather (1972)"]  # ratings.csv is there: synced
    assert report.seen_removed == [] and report.watchlist_removed == []
    ratings, seen, listed = _state(db_engine)
    assert ratings == {"Toy Story": (6, _day(2024, 5, 6))}
    assert seen == {"Bad Poems": date(2024, 2, 2)} and listed == {LOST: date(2024, 3, 1)}


def test_a_film_rated_since_loses_its_seen_mark(db_engine: Engine, tmp_path: Path) -> None:
    _catalog(db_engine, tmp_path)
    _letterboxd(db_engine, tmp_path / "first", FIRST)
    rated = dict(FIRST)
    rated["ratings.csv"] = str(FIRST["ratings.csv"]) + "2024-04-01,Bad Poems,2018,y,1\n"
    report = _letterboxd(db_engine, tmp_path / "rated", rated)
    assert report.seen_removed == ["Bad Poems (2018)"]  # a rating says seen already
    ratings, seen, _listed = _state(db_engine)
    assert ratings["Bad Poems"] == (2, _day(2024, 4, 1)) and seen == {}


class _InterruptedError(Exception):
    pass


class _StopWhileSaving:
    """A progress sink that fails once the import has written part of what it saves (as a
    Ctrl-C would)."""

    def __init__(self) -> None:
        self.saving = False
        self.steps = 0

    def stage(self, description: str, total: float | None = None) -> None:
        self.saving = description.startswith("saving")

    def advance(self, amount: float) -> None:
        if self.saving:
            self.steps += 1
            if self.steps == 2:  # ratings and seen marks replaced, the watchlist not yet
                raise _InterruptedError


def test_a_reimport_is_all_or_nothing(db_engine: Engine, tmp_path: Path) -> None:
    _catalog(db_engine, tmp_path)
    _letterboxd(db_engine, tmp_path / "first", FIRST)
    before = _state(db_engine)
    with pytest.raises(_InterruptedError):
        _letterboxd(db_engine, tmp_path / "second", SECOND, progress=_StopWhileSaving())
    assert _state(db_engine) == before


def test_numbers_in_words_match_and_near_misses_get_a_suggestion(
    db_engine: Engine, tmp_path: Path
) -> None:
    files = dict(CSV_FILES)
    files["movies.csv"] = str(files["movies.csv"]) + "32,Twelve Monkeys (1995),Sci-Fi\n"
    with open_path(write_folder(tmp_path / "ml-latest-small", files)) as root:
        import_movielens(db_engine, open_movielens(root))
    export: Files = {
        "ratings.csv": (
            "Date,Name,Year,Letterboxd URI,Rating\n"
            "2024-01-02,12 Monkeys,1995,x,4\n"
            "2024-01-03,The Godfathr,1972,y,5\n"
            "2024-01-04,Nothing Like It,1972,z,2\n"
        )
    }
    report = _letterboxd(db_engine, tmp_path / "lb", export)
    assert report.ratings == 1
    assert report.unmatched == ["The Godfathr (1972)", "Nothing Like It (1972)"]
    assert report.did_you_mean == {"The Godfathr (1972)": "The Godfather (1972)"}
    assert set(_state(db_engine)[0]) == {"Twelve Monkeys"}
