"""Import use cases on both databases: all or nothing, matched to the catalog, idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from reelmates.errors import ConflictError, InputFileError
from reelmates.importers.movielens import open_movielens
from reelmates.importers.sources import open_path
from reelmates.services.importing import MovieLensReport, import_movielens
from reelmates.services.letterboxd import import_letterboxd
from reelmates.services.uow import unit_of_work
from reelmates.store.db import create_db_engine
from reelmates.store.migrate import upgrade_to_head
from reelmates.store.models import Film, ImportRun, Person, Rating, SeenMark, WatchlistEntry
from sample_data import CSV_FILES, ML1M_FILES, ML100K_FILES, write_folder, write_zip


def _counts(engine: Engine) -> dict[str, int]:
    with unit_of_work(engine) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Film, Person, Rating, SeenMark, WatchlistEntry, ImportRun)
        }


def _import(engine: Engine, path: Path, *, replace: bool = False) -> MovieLensReport:
    with open_path(path) as root:
        return import_movielens(engine, open_movielens(root), replace=replace)


def test_ml100k_layout_imports_films_people_and_ratings(db_engine: Engine, tmp_path: Path) -> None:
    report = _import(db_engine, write_folder(tmp_path / "ml-100k", ML100K_FILES))
    counts = _counts(db_engine)
    # Films 1..4 with 3 and 4 both "Chasing Amy (1997)" (merged), 267 "unknown" (skipped).
    assert counts["films"] == 3
    assert counts["persons"] == 4  # users 196, 186, 22, 244
    assert counts["ratings"] == 4  # the rating of "unknown" is skipped
    assert report.skipped_ratings == 1
    assert report.duplicate_titles == ["Chasing Amy (1997)"]
    with unit_of_work(db_engine) as session:
        titles = set(session.scalars(select(Film.title)))
        stars = session.scalar(
            select(Rating.half_stars)
            .join(Person, Person.id == Rating.person_id)
            .where(Person.handle == "ml-100k:186")
        )
    assert titles == {"Toy Story", "La Cité des enfants perdus", "Chasing Amy"}
    assert stars == 10


def test_twin_films_rated_by_one_person_keep_the_newer_rating(
    db_engine: Engine, tmp_path: Path
) -> None:
    files = dict(ML100K_FILES)
    files["u.data"] = "7\t3\t2\t100\n7\t4\t5\t200\n"  # one person rates both Chasing Amy entries
    report = _import(db_engine, write_folder(tmp_path / "ml-100k", files))
    with unit_of_work(db_engine) as session:
        assert list(session.scalars(select(Rating.half_stars))) == [10]
    assert report.ratings_merged == 1


def test_csv_release_from_a_zip_with_links(db_engine: Engine, tmp_path: Path) -> None:
    _import(db_engine, write_zip(tmp_path / "ml-latest-small.zip", CSV_FILES, "ml-latest-small"))
    with unit_of_work(db_engine) as session:
        godfather = session.scalars(select(Film).where(Film.title == "The Godfather")).one()
        assert (godfather.imdb_id, godfather.tmdb_id, godfather.movielens_id) == (
            "tt0068646",
            238,
            858,
        )
        assert godfather.genre_names == ("Crime", "Drama")


@pytest.mark.parametrize(
    ("file", "bad_line", "line_no"),
    [
        ("ratings.csv", "2,858,7.0,1445714835", 4),  # stars out of range
        ("ratings.csv", "2,999999,4.0,1445714835", 4),  # unknown film
        ("movies.csv", "858,Godfather (1972)", 4),  # missing field
    ],
)
def test_a_bad_line_names_file_and_line_and_changes_nothing(
    db_engine: Engine, tmp_path: Path, file: str, bad_line: str, line_no: int
) -> None:
    _import(db_engine, write_folder(tmp_path / "ok", ML100K_FILES))
    before = _counts(db_engine)
    files = dict(CSV_FILES)
    lines = str(files[file]).splitlines()
    lines[line_no - 1] = bad_line
    files[file] = "\n".join(lines) + "\n"
    with pytest.raises(InputFileError) as caught:
        _import(db_engine, write_folder(tmp_path / "bad", files))
    assert caught.value.line == line_no
    assert caught.value.path.endswith(file)
    assert _counts(db_engine) == before


def test_a_rating_given_twice_is_refused_with_its_line(db_engine: Engine, tmp_path: Path) -> None:
    files = dict(CSV_FILES)
    files["ratings.csv"] = str(files["ratings.csv"]) + "2,858,4.0,1445714999\n"
    with pytest.raises(InputFileError, match="twice") as caught:
        _import(db_engine, write_folder(tmp_path / "dup", files))
    assert caught.value.line == 6
    assert _counts(db_engine)["ratings"] == 0


def test_importing_again_needs_replace_and_then_replaces(db_engine: Engine, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "ml-latest-small", CSV_FILES)
    _import(db_engine, folder)
    first = _counts(db_engine)
    with pytest.raises(ConflictError, match="already imported"):
        _import(db_engine, folder)
    assert _counts(db_engine) == first
    _import(db_engine, folder, replace=True)
    again = _counts(db_engine)
    assert again["films"] == first["films"]  # matched, not duplicated
    assert again["ratings"] == first["ratings"]
    assert again["import_runs"] == 2


LETTERBOXD = {
    "ratings.csv": (
        "Date,Name,Year,Letterboxd URI,Rating\n"
        "2024-01-02,Toy Story,1995,https://boxd.it/a,4.5\n"
        "2024-01-03,The Godfather,1972,https://boxd.it/b,5\n"
        "2024-01-04,A Film Nobody Has,2031,https://boxd.it/c,3\n"
    ),
    "watched.csv": (
        "Date,Name,Year,Letterboxd URI\n"
        "2024-01-02,Toy Story,1995,https://boxd.it/a\n"
        "2024-02-01,Bad Poems,2018,https://boxd.it/d\n"
    ),
    "watchlist.csv": "Date,Name,Year,Letterboxd URI\n2024-03-01,Godfather: Part II,1974,x\n",
}


def test_letterboxd_export_rates_marks_and_reports_unmatched(
    db_engine: Engine, tmp_path: Path
) -> None:
    _import(db_engine, write_folder(tmp_path / "ml", CSV_FILES))
    with open_path(write_zip(tmp_path / "letterboxd.zip", LETTERBOXD)) as root:
        report = import_letterboxd(db_engine, root, "Jess")
    assert report.person_created
    assert (report.ratings, report.seen_only, report.watchlist) == (2, 1, 0)
    assert sorted(report.unmatched) == ["A Film Nobody Has (2031)", "Godfather: Part II (1974)"]
    with unit_of_work(db_engine) as session:
        jess = session.scalars(select(Person).where(Person.handle == "Jess")).one()
        rows = session.execute(
            select(Film.title, Rating.half_stars)
            .join(Rating, Rating.film_id == Film.id)
            .where(Rating.person_id == jess.id)
        )
        stars = dict(rows.tuples().all())
        seen = session.scalar(select(func.count()).select_from(SeenMark))
    assert stars == {"Toy Story": 9, "The Godfather": 10}
    assert seen == 1
    # Importing the same export again changes nothing but the provenance log.
    before = _counts(db_engine)
    with open_path(write_zip(tmp_path / "again.zip", LETTERBOXD)) as root:
        import_letterboxd(db_engine, root, "Jess")
    after = _counts(db_engine)
    assert {k: v for k, v in after.items() if k != "import_runs"} == {
        k: v for k, v in before.items() if k != "import_runs"
    }


def test_bad_letterboxd_line_changes_nothing(db_engine: Engine, tmp_path: Path) -> None:
    _import(db_engine, write_folder(tmp_path / "ml", CSV_FILES))
    before = _counts(db_engine)
    bad = dict(LETTERBOXD)
    bad["ratings.csv"] = str(bad["ratings.csv"]) + "2024-01-05,Toy Story,1995,x,4.2\n"
    with (
        pytest.raises(InputFileError) as caught,
        open_path(write_folder(tmp_path / "bad", bad)) as root,
    ):
        import_letterboxd(db_engine, root, "Milly")
    assert caught.value.line == 5
    assert _counts(db_engine) == before


def test_ml1m_layout_imports_with_latin1_titles(db_engine: Engine, tmp_path: Path) -> None:
    report = _import(db_engine, write_folder(tmp_path / "ml-1m", ML1M_FILES))
    assert (report.films_created, report.persons_added, report.ratings_added) == (2, 2, 3)
    with unit_of_work(db_engine) as session:
        film = session.scalars(select(Film).where(Film.movielens_id == 29)).one()
    assert film.title == "The City of Lost Children (La Cité des enfants perdus)"
    assert film.genre_names == ("Adventure", "Sci-Fi")


@pytest.mark.slow
@pytest.mark.movielens
def test_real_ml100k_imports_whole(db_engine: Engine, ml100k_dir: Path) -> None:
    report = _import(db_engine, ml100k_dir)
    # 100,000 ratings less the 9 of the "unknown" placeholder, less 309 merged duplicates
    # (people who rated both entries of a film that 100K lists twice keep their newer rating).
    assert report.ratings_added + report.ratings_merged + report.skipped_ratings == 100_000
    assert report.skipped_ratings == 9
    assert report.persons_added == 943
    assert report.films_created + len(report.duplicate_titles) == 1_681
    assert _counts(db_engine)["ratings"] == report.ratings_added


def test_a_scattered_duplicate_is_refused_by_the_database_and_nothing_lands(
    db_engine: Engine, tmp_path: Path
) -> None:
    files = dict(ML100K_FILES)
    # 100K's u.data is not grouped by user: the duplicate is only caught by the primary key.
    files["u.data"] = "7\t1\t2\t100\n8\t1\t3\t100\n7\t1\t4\t200\n"
    with pytest.raises(InputFileError, match="user 7 rates film 1 twice") as caught:
        _import(db_engine, write_folder(tmp_path / "ml-100k", files))
    assert caught.value.line == 3
    assert "(first on line 1)" in caught.value.message
    assert _counts(db_engine) == dict.fromkeys(_counts(db_engine), 0)


def test_import_into_an_in_memory_sqlite_database(tmp_path: Path) -> None:
    # The pipelined writer works from a thread of its own; the connection must allow that.
    engine = create_db_engine("sqlite://")
    upgrade_to_head(engine)
    _import(engine, write_folder(tmp_path / "ml-latest-small", CSV_FILES))
    assert _counts(engine)["ratings"] == 4


def test_a_later_release_matches_films_by_movielens_id_even_if_retitled(
    db_engine: Engine, tmp_path: Path
) -> None:
    _import(db_engine, write_folder(tmp_path / "ml-latest-small", CSV_FILES))
    films_before = _counts(db_engine)["films"]
    renamed = dict(CSV_FILES)
    renamed["movies.csv"] = str(renamed["movies.csv"]).replace(
        '"Godfather, The (1972)"', '"Mario Puzo\'s The Godfather (1972)"'
    )
    renamed["links.csv"] = "movieId,imdbId,tmdbId\n"  # no ids to match on: only movieId
    report = _import(db_engine, write_folder(tmp_path / "ml-latest", renamed))
    assert report.films_created == 0
    assert report.films_matched == 4
    assert _counts(db_engine)["films"] == films_before


def test_letterboxd_cannot_write_onto_a_community_rater(db_engine: Engine, tmp_path: Path) -> None:
    _import(db_engine, write_folder(tmp_path / "ml-latest-small", CSV_FILES))
    before = _counts(db_engine)
    with (
        pytest.raises(ConflictError, match="community rater"),
        open_path(write_zip(tmp_path / "lb.zip", LETTERBOXD)) as root,
    ):
        import_letterboxd(db_engine, root, "ml-latest-small:1")
    assert _counts(db_engine) == before


def test_real_ml100k_imports_again_with_replace_twins_merged_again(
    db_engine: Engine, ml100k_dir: Path
) -> None:
    first = _import(db_engine, ml100k_dir)
    before = _counts(db_engine)
    # Failed before with "UNIQUE constraint failed: ratings.person_id, ratings.film_id": the
    # twins matched the existing film by source id and were no longer merged.
    again = _import(db_engine, ml100k_dir, replace=True)
    assert _counts(db_engine)["ratings"] == before["ratings"] == first.ratings_added
    assert again.ratings_added == first.ratings_added
    assert again.ratings_merged == first.ratings_merged > 0
    assert again.films_created == 0
    assert again.duplicate_titles == first.duplicate_titles != []  # reported again


def test_real_ml100k_from_a_second_folder_merges_twins(
    db_engine: Engine, ml100k_dir: Path, tmp_path: Path
) -> None:
    first = _import(db_engine, ml100k_dir)
    second_root = tmp_path / "ml-100k-copy"
    second_root.mkdir()
    for name in ("u.item", "u.data"):
        (second_root / name).symlink_to(ml100k_dir / name)
    second = _import(db_engine, second_root)
    assert second.dataset != first.dataset
    assert second.ratings_added == first.ratings_added
    assert second.films_created == 0
    assert _counts(db_engine)["ratings"] == 2 * first.ratings_added


def test_an_empty_ratings_file_is_refused_naming_it(db_engine: Engine, tmp_path: Path) -> None:
    files = dict(ML100K_FILES)
    files["u.data"] = ""
    with pytest.raises(InputFileError, match="no ratings") as caught:
        _import(db_engine, write_folder(tmp_path / "ml-100k", files))
    assert caught.value.path.endswith("u.data")
    assert _counts(db_engine)["films"] == 0


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("196\t1\t3\t" + "9" * 20, "too large"),  # was OverflowError
        ("9" * 10_000_000, "the line is longer than 1,048,576 bytes"),  # a 10 MB line
        ("9" * 5_000 + "\t1\t3\t881250949", "longer than"),  # was int() digit limit
    ],
)
def test_absurd_numbers_are_refused_with_file_and_line(
    db_engine: Engine, tmp_path: Path, bad_line: str, message: str
) -> None:
    files = dict(ML100K_FILES)
    files["u.data"] = "186\t1\t5\t891717742\n" + bad_line + "\n"
    with pytest.raises(InputFileError, match=message) as caught:
        _import(db_engine, write_folder(tmp_path / "ml-100k", files))
    assert caught.value.line == 2
    assert len(str(caught.value)) < 400


def test_titles_listed_twice_are_reported_on_every_import(
    db_engine: Engine, tmp_path: Path
) -> None:
    # ML100K_FILES lists "Chasing Amy (1997)" as films 3 and 4.
    first = _import(db_engine, write_folder(tmp_path / "ml-100k", ML100K_FILES))
    assert first.duplicate_titles == ["Chasing Amy (1997)"]
    assert (first.films_created, first.films_matched) == (3, 0)
    again = _import(db_engine, write_folder(tmp_path / "ml-100k", ML100K_FILES), replace=True)
    assert again.duplicate_titles == ["Chasing Amy (1997)"]
    assert (again.films_created, again.films_matched) == (0, 3)  # the twin is not a match
    copy = _import(db_engine, write_folder(tmp_path / "copy" / "ml-100k-b", ML100K_FILES))
    assert copy.duplicate_titles == ["Chasing Amy (1997)"]
    assert (copy.films_created, copy.films_matched) == (0, 3)


def test_a_dataset_name_as_long_as_the_database_keeps_imports_and_a_longer_one_is_refused(
    db_engine: Engine, tmp_path: Path
) -> None:
    longest = "ml-" + "x" * 37  # 40 characters: PostgreSQL's column holds it
    _import(db_engine, write_folder(tmp_path / longest, ML100K_FILES))
    with unit_of_work(db_engine) as session:
        assert session.scalar(select(ImportRun.dataset)) == longest
    before = _counts(db_engine)
    with pytest.raises(InputFileError, match="longer than 40 characters") as refused:
        _import(db_engine, write_folder(tmp_path / (longest + "y"), ML100K_FILES))
    assert "Rename the folder" in (refused.value.hint or "")
    assert _counts(db_engine) == before
