"""Letterboxd exports: the four files, from a folder or a zip, merged into per-film facts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from reelmates.errors import InputFileError
from reelmates.importers.letterboxd import LetterboxdExport, LetterboxdFilm, merge_entries
from reelmates.importers.sources import open_path

Files = dict[str, str | bytes]
MakeDataset = Callable[..., Path]

EXPORT: Files = {
    "ratings.csv": (
        "\ufeffDate,Name,Year,Letterboxd URI,Rating\n"
        "2023-01-02,The Godfather,1972,https://boxd.it/2bcA,5\n"
        '2023-01-03,"Crouching Tiger, Hidden Dragon",2000,https://boxd.it/1x,3.5\n'
    ),
    "watched.csv": (
        "Date,Name,Year,Letterboxd URI\n"
        "2023-01-02,The Godfather,1972,https://boxd.it/2bcA\n"
        "2023-02-01,Amélie,2001,https://boxd.it/2b0k\n"
    ),
    "watchlist.csv": "Date,Name,Year,Letterboxd URI\n2023-03-01,La Haine,1995,https://boxd.it/1\n",
    "diary.csv": (
        "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
        "2023-02-02,Amélie,2001,https://boxd.it/d1,3,,,2023-02-01\n"
        "2023-02-10,Amélie,2001,https://boxd.it/d2,4.5,Yes,cosy,2023-02-09\n"
        "2023-02-11,The Godfather,1972,https://boxd.it/d3,2,Yes,,2023-02-11\n"
        "2023-02-12,Heat,,https://boxd.it/d4,,,,2023-02-12\n"
    ),
    "profile.csv": "Date Joined,Username\n2020-01-01,someone\n",
}


def read(path: Path) -> list[LetterboxdFilm]:
    with open_path(path) as root:
        return merge_entries(LetterboxdExport(root).entries())


@pytest.mark.parametrize(("form", "top"), [("dir", None), ("zip", None), ("zip", "export")])
def test_whole_export_merges_to_per_film_facts(
    dataset: MakeDataset, form: str, top: str | None
) -> None:
    facts = {f.label: f for f in read(dataset(dict(EXPORT), form, top))}
    assert list(facts) == [
        "The Godfather (1972)",
        "Crouching Tiger, Hidden Dragon (2000)",
        "Amélie (2001)",
        "La Haine (1995)",
        "Heat",
    ]
    godfather = facts["The Godfather (1972)"]
    # ratings.csv wins over a later diary rating.
    assert (godfather.stars, godfather.rated_on, godfather.seen) == (5.0, date(2023, 1, 2), True)
    # No ratings.csv line: the latest diary rating counts, dated by its watched date.
    amelie = facts["Amélie (2001)"]
    assert (amelie.stars, amelie.rated_on, amelie.seen) == (4.5, date(2023, 2, 9), True)
    haine = facts["La Haine (1995)"]
    assert (haine.stars, haine.seen, haine.on_watchlist) == (None, False, True)
    heat = facts["Heat"]
    assert (heat.year, heat.stars, heat.seen) == (None, None, True)
    assert godfather.where.endswith("ratings.csv:2")
    # Watched dates: the latest diary "Watched Date" or watched.csv date; the watchlist's date.
    assert godfather.watched_on == date(2023, 2, 11)  # rewatched after the 2023-01-02 mark
    assert amelie.watched_on == date(2023, 2, 9)
    assert (heat.watched_on, heat.listed_on) == (date(2023, 2, 12), None)
    assert (haine.watched_on, haine.listed_on) == (None, date(2023, 3, 1))
    assert facts["Crouching Tiger, Hidden Dragon (2000)"].watched_on is None  # rated only


def test_entries_keep_file_kind_and_line(dataset: MakeDataset) -> None:
    with open_path(dataset(dict(EXPORT))) as root:
        export = LetterboxdExport(root)
        assert export.files == ["ratings.csv", "watched.csv", "watchlist.csv", "diary.csv"]
        diary = list(export.entries("diary.csv"))
    assert [(e.kind, e.line, e.stars, e.rewatch, e.on) for e in diary] == [
        ("diary", 2, 3.0, False, date(2023, 2, 1)),
        ("diary", 3, 4.5, True, date(2023, 2, 9)),
        ("diary", 4, 2.0, True, date(2023, 2, 11)),
        ("diary", 5, None, False, date(2023, 2, 12)),
    ]


def test_only_ratings_is_enough(dataset: MakeDataset) -> None:
    facts = read(dataset({"ratings.csv": EXPORT["ratings.csv"]}, "zip"))
    assert [(f.name, f.stars) for f in facts] == [
        ("The Godfather", 5.0),
        ("Crouching Tiger, Hidden Dragon", 3.5),
    ]


def test_an_export_with_none_of_the_files_is_an_error(dataset: MakeDataset) -> None:
    with (
        open_path(dataset({"profile.csv": "x\n"})) as root,
        pytest.raises(InputFileError, match="not a Letterboxd export"),
    ):
        LetterboxdExport(root)


@pytest.mark.parametrize(
    ("file", "line", "message"),
    [
        ("ratings.csv", "2023-01-02,Heat,1995,https://boxd.it/x,4.3", "rating '4.3'"),
        ("ratings.csv", "2023-01-02,Heat,1995,https://boxd.it/x,", "the Rating is empty"),
        ("ratings.csv", "2023-01-02,Heat,95ish,https://boxd.it/x,4", "year '95ish'"),
        ("watched.csv", "02/01/2023,Heat,1995,https://boxd.it/x", "Date '02/01/2023'"),
        ("watchlist.csv", "2023-01-02,,1995,https://boxd.it/x", "the Name is empty"),
        ("diary.csv", "2023-01-02,Heat,1995,u,4,,,2023-13-01", "Watched Date '2023-13-01'"),
        ("diary.csv", "2023-01-02,Heat,1995", "expected 8 fields, found 3"),
    ],
)
@pytest.mark.parametrize("form", ["dir", "zip"])
def test_bad_line_names_file_and_line(
    dataset: MakeDataset, form: str, file: str, line: str, message: str
) -> None:
    files = dict(EXPORT)
    lines = str(files[file]).splitlines()
    lines.insert(2, line)
    files[file] = "\n".join(lines) + "\n"
    path = dataset(files, form)
    where = f"{path}:{file}" if form == "zip" else str(path / file)
    with pytest.raises(InputFileError) as caught:
        read(path)
    assert str(caught.value).startswith(f"{where}:3: ")
    assert message in str(caught.value)


def test_a_missing_column_is_reported_on_the_header(dataset: MakeDataset) -> None:
    path = dataset({"ratings.csv": "Date,Name,Letterboxd URI,Rating\n2023-01-02,Heat,u,4\n"})
    with pytest.raises(InputFileError, match=r"ratings\.csv:1: missing column\(s\) Year"):
        read(path)
