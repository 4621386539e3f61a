"""MovieLens 100K, 1M and CSV layouts, from folders and zips, with exact file:line errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from reelmates.catalog.records import FilmRecord
from reelmates.errors import InputFileError
from reelmates.importers.movielens import MovieLensDataset, map_genres, open_movielens
from reelmates.importers.records import RatingRecord
from reelmates.importers.sources import open_path

Files = dict[str, str | bytes]
MakeDataset = Callable[..., Path]


def load(path: Path) -> tuple[MovieLensDataset, list[FilmRecord], list[RatingRecord]]:
    with open_path(path) as root:
        dataset = open_movielens(root)
        return dataset, list(dataset.films()), list(dataset.ratings())


@pytest.mark.parametrize("form", ["dir", "zip"])
def test_100k(dataset: MakeDataset, ml100k_files: Files, form: str) -> None:
    ml, films, ratings = load(dataset(ml100k_files, form, "ml-100k"))
    assert (ml.layout, ml.name, ml.id_space) == ("100k", "ml-100k", "ml-100k")
    assert [(f.source_id, f.title, f.year, f.genres, f.line) for f in films] == [
        ("1", "Toy Story", 1995, ("Animation", "Children", "Comedy"), 1),
        ("2", "La Cité des enfants perdus", 1995, ("Drama",), 2),  # Latin-1 decoded
        ("3", "Chasing Amy", 1997, ("Drama",), 3),
        ("4", "Chasing Amy", 1997, ("Drama",), 5),  # duplicates are kept; the matcher merges
    ]
    # The "unknown" placeholder and its rating are left out and counted.
    assert [f.source_id for f in ml.skipped.films] == ["267"]
    assert ml.tally.skipped == 1
    assert ratings == [
        RatingRecord("196", "1", 3.0, 881250949, 1),
        RatingRecord("186", "2", 5.0, 891717742, 2),
        RatingRecord("22", "3", 4.0, 878887117, 4),
        RatingRecord("244", "4", 2.0, 880606923, 5),
    ]


@pytest.mark.parametrize("form", ["dir", "zip"])
def test_1m(dataset: MakeDataset, ml1m_files: Files, form: str) -> None:
    ml, films, ratings = load(dataset(ml1m_files, form, "ml-1m"))
    assert (ml.layout, ml.id_space) == ("1m", "movielens")
    assert [(f.source_id, f.title, f.year, f.genres) for f in films] == [
        ("1", "Toy Story", 1995, ("Animation", "Children", "Comedy")),
        ("29", "The City of Lost Children (La Cité des enfants perdus)", 1995,
         ("Adventure", "Sci-Fi")),
    ]  # fmt: skip
    assert ratings[0] == RatingRecord("1", "1", 5.0, 978824268, 1)
    assert [r.film_id for r in ratings] == ["1", "29", "29"]


@pytest.mark.parametrize("form", ["dir", "zip"])
def test_csv_release_with_links(dataset: MakeDataset, csv_files: Files, form: str) -> None:
    ml, films, ratings = load(dataset(csv_files, form, "ml-latest-small"))
    assert (ml.layout, ml.name, ml.id_space) == ("csv", "ml-latest-small", "movielens")
    by_id = {f.source_id: f for f in films}
    assert by_id["858"].title == "The Godfather"
    assert (by_id["858"].imdb_id, by_id["858"].tmdb_id) == ("tt0068646", 238)
    assert by_id["29"].genres == ("Drama",)  # IMAX dropped
    assert by_id["209163"].genres == ()  # "(no genres listed)"
    assert (by_id["209163"].imdb_id, by_id["209163"].tmdb_id) == ("tt6755366", None)
    assert [(r.person_id, r.film_id, r.stars, r.line) for r in ratings] == [
        ("1", "1", 4.0, 2),
        ("1", "29", 3.5, 3),
        ("2", "858", 0.5, 4),
        ("2", "209163", 5.0, 5),
    ]


def test_csv_without_links_and_with_crlf(dataset: MakeDataset, csv_files: Files) -> None:
    del csv_files["links.csv"]
    ratings = str(csv_files["ratings.csv"]).replace("\n", "\r\n")
    csv_files["ratings.csv"] = ratings.replace("964982703", "964982703 ") + "\r\n"
    _ml, films, records = load(dataset(csv_files))
    assert all(f.imdb_id is None for f in films)
    assert [r.rated_at for r in records][:1] == [964982703]
    assert len(records) == 4


def test_unusual_but_valid_values_take_the_slow_path(
    dataset: MakeDataset, csv_files: Files
) -> None:
    csv_files["ratings.csv"] = "userId,movieId,rating,timestamp\n7,0858,4.50,1\n"
    _ml, _films, ratings = load(dataset(csv_files))
    assert ratings == [RatingRecord("7", "858", 4.5, 1, 2)]


# (file, bad line number, line content, expected message fragment) per layout.
BAD_LINES = [
    ("100k", "u.data", 2, "186\t2\t5", "expected 4 fields"),
    ("100k", "u.data", 2, "x\t2\t5\t891717742", "user id 'x' is not a number"),
    ("100k", "u.data", 2, "186\t2\t6\t891717742", "rating '6' is not 0.5 to 5"),
    ("100k", "u.data", 2, "186\t2\t5\tyesterday", "timestamp 'yesterday'"),
    ("100k", "u.data", 2, "186\t99\t5\t891717742", "film id 99 is not in the films file"),
    ("100k", "u.item", 2, "2|Broken (1995)|01-Jan-1995", "expected 24 fields"),
    ("100k", "u.item", 2, "two|Broken (1995)|||x|" + "0|" * 18 + "0", "film id 'two'"),
    ("1m", "ratings.dat", 2, "1::29::4.2::978824291", "rating '4.2'"),
    ("1m", "ratings.dat", 2, "1::x::4::978824291", "film id 'x' is not a number"),
    ("1m", "movies.dat", 2, "29::Lost", "expected 3 fields"),
    ("csv", "ratings.csv", 3, "1,29,0,964981247", "rating '0' is not 0.5 to 5"),
    ("csv", "ratings.csv", 3, "1,29,3.5,1.5", "timestamp '1.5'"),
    ("csv", "ratings.csv", 1, "user,movie,rating,time", "expected the header"),
    ("csv", "movies.csv", 3, '29,"Unclosed, The (1995),Drama', "expected 3 fields"),
    ("csv", "movies.csv", 4, "1,Toy Story again (1995),Comedy", "film id 1 appears twice"),
    ("csv", "links.csv", 2, "1,tt-x,862", "imdbId 'tt-x' is not a number"),
]


def _replace_line(content: str | bytes, number: int, line: str) -> bytes:
    raw = content if isinstance(content, bytes) else content.encode("utf-8")
    lines = raw.split(b"\n")
    lines[number - 1] = line.encode("latin-1")
    return b"\n".join(lines)


@pytest.mark.parametrize(("layout", "file", "number", "line", "message"), BAD_LINES)
@pytest.mark.parametrize("form", ["dir", "zip"])
def test_bad_line_names_file_and_line(
    dataset: MakeDataset,
    ml100k_files: Files,
    ml1m_files: Files,
    csv_files: Files,
    form: str,
    layout: str,
    file: str,
    number: int,
    line: str,
    message: str,
) -> None:
    files = {"100k": ml100k_files, "1m": ml1m_files, "csv": csv_files}[layout]
    files[file] = _replace_line(files[file], number, line)
    path = dataset(files, form, "release")
    where = f"{path}:release/{file}" if form == "zip" else str(path / file)
    with pytest.raises(InputFileError) as caught:
        load(path)
    assert caught.value.path == where
    assert caught.value.line == number
    assert str(caught.value).startswith(f"{where}:{number}: ")
    assert message in str(caught.value)


def test_undecodable_utf8_names_the_line(dataset: MakeDataset, csv_files: Files) -> None:
    csv_files["ratings.csv"] = str(csv_files["ratings.csv"]).encode() + b"3,1,4.0,1\xff\n"
    expected = "ratings.csv:6: not valid UTF-8 text (byte ff"
    with pytest.raises(InputFileError, match=re.escape(expected)):
        load(dataset(csv_files))


def test_not_a_movielens_folder(dataset: MakeDataset) -> None:
    with pytest.raises(InputFileError, match="not a MovieLens dataset"):
        load(dataset({"readme.txt": "hi"}))


def test_progress_counts_bytes_and_estimate_is_close(dataset: MakeDataset) -> None:
    rows = "".join(f"{u}\t1\t{1 + u % 5}\t{880000000 + u}\n" for u in range(30_000))
    files: Files = {"u.item": "1|Toy Story (1995)|||x|" + "0|" * 18 + "0\n", "u.data": rows}
    with open_path(dataset(files, "zip", "ml-100k")) as root:
        ml = open_movielens(root)
        seen: list[int] = []
        count = sum(1 for _ in ml.ratings(progress=seen.append))
        assert count == 30_000
        assert sum(seen) == ml.tally.bytes_read == ml.ratings_bytes() == len(rows)
        # From the first 64 KiB, whose user ids are shorter than later ones: within 10%.
        assert abs(ml.count_ratings_estimate() - 30_000) < 3_000


def test_map_genres() -> None:
    assert map_genres(["Children's", "IMAX", "unknown", "Sci-Fi", "(no genres listed)"]) == (
        "Children",
        "Sci-Fi",
    )


@pytest.mark.movielens
def test_real_ml100k(ml100k_dir: Path) -> None:
    with open_path(ml100k_dir) as root:
        ml = open_movielens(root)
        films = list(ml.films())
        count = sum(1 for _ in ml.ratings())
    assert len(films) == 1681  # 1682 minus the "unknown" placeholder
    assert [f.source_id for f in ml.skipped.films] == ["267"]
    assert count + ml.tally.skipped == 100_000
    assert ml.tally.skipped == 9
    titles = {f.source_id: f.title for f in films}
    assert titles["543"] == "Les Misérables"  # Latin-1
