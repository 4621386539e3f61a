"""The faults the malformed-file property tests found, each pinned by one example with its exact
answer: lines end at a newline only, every line is checked (a skipped one too), a rating given
twice is refused even for twin films, numbers of absurd length and over-long titles are named by
their line, and a zip's crafted names, lies and read errors are the file's fault, said plainly."""

from __future__ import annotations

from pathlib import Path

import pytest

from malformed_files import lie_about_size, write_zip
from reelmates.errors import InputFileError
from reelmates.importers import letterboxd, movielens
from reelmates.importers.letterboxd import LetterboxdExport
from reelmates.importers.movielens import open_movielens
from reelmates.importers.sources import open_path
from reelmates.importers.uploads import UploadLimits, open_upload
from sample_data import CSV_FILES, ML1M_FILES, ML100K_FILES, Files, write_folder

LIMITS = UploadLimits(max_files=5, max_file_bytes=100_000, max_total_bytes=150_000,
                      max_line_bytes=500)  # fmt: skip


def _refusal(path: Path) -> InputFileError:
    with pytest.raises(InputFileError) as caught, open_path(path) as root:
        dataset = open_movielens(root)
        list(dataset.films())
        list(dataset.ratings())
    return caught.value


def _bytes(files: Files) -> dict[str, bytes]:
    return {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}


def test_a_latin1_films_file_breaks_lines_at_newlines_only(tmp_path: Path) -> None:
    # \x85 is "…" in Windows-1252 and NEL in Latin-1; \x1c-\x1e are separators: str.splitlines
    # broke lines at each, so the title was cut in two and every later line misnumbered.
    files = dict(ML1M_FILES)
    files["movies.dat"] = (
        b"1::Toy Story\x85 (1995)::Animation\n"
        b"2::Jumanji (1995)::Adventure\x1e\n"
        b"29::City of Lost Children, The (1995)::Sci-Fi\n"
    )
    with open_path(write_folder(tmp_path / "ml-1m", files)) as root:
        films = list(open_movielens(root).films())
    assert [(f.source_id, f.title, f.line) for f in films] == [
        ("1", "Toy Story", 1),  # \x85 is white space to str.strip
        ("2", "Jumanji", 2),
        ("29", "The City of Lost Children", 3),
    ]
    # Line 1 is good (splitlines cut it at \x1c and called it bad); line 2 lacks a colon.
    files["movies.dat"] = b"1::Toy\x1cStory (1995)::Animation\n2:Jumanji (1995)::Drama\n"
    error = _refusal(write_folder(tmp_path / "ml-1m-bad", files))
    assert error.message.endswith("movies.dat:2: expected 3 fields separated by '::', found 2")


def test_a_placeholder_films_rating_is_checked_before_it_is_skipped(tmp_path: Path) -> None:
    files = dict(ML100K_FILES)
    files["u.data"] = "196\t1\t3\t881250949\n22\t267\t9\t878887116\n"
    error = _refusal(write_folder(tmp_path / "ml-100k", files))
    assert error.message.endswith("u.data:2: rating '9' is not 0.5 to 5 in half stars")


def test_an_id_of_thousands_of_digits_is_named_by_its_line(tmp_path: Path) -> None:
    # int() of more than 4,300 digits raises ValueError: it was a traceback.
    files = _bytes(ML100K_FILES)
    files["u.item"] = b"9" * 5_000 + files["u.item"][1:]
    error = _refusal(write_folder(tmp_path / "a", files))
    assert error.message == (
        f"{tmp_path / 'a' / 'u.item'}:1: film id {'9' * 20}... is longer than 12 digits"
    )
    files = _bytes(CSV_FILES)
    files["links.csv"] += b"5,0000001," + b"7" * 5_000 + b"\n"
    error = _refusal(write_folder(tmp_path / "b", files))
    assert error.message == (
        f"{tmp_path / 'b' / 'links.csv'}:6: movieId and tmdbId must be numbers of at most 12 digits"
    )


def test_a_title_longer_than_the_column_and_an_imdb_id_too_long_are_refused(
    tmp_path: Path,
) -> None:
    # SQLite kept a 600-character title; PostgreSQL raised a DataError (a traceback).
    files = _bytes(CSV_FILES)
    files["movies.csv"] += b'7,"' + b"Long " * 120 + b'(2001)",Drama\n'
    error = _refusal(write_folder(tmp_path / "a", files))
    assert error.line == 6 and "film 7's title is longer than 300 characters" in error.message
    files = _bytes(CSV_FILES)
    files["links.csv"] += b"1,12345678901234,862\n"
    error = _refusal(write_folder(tmp_path / "b", files))
    assert error.message.endswith("links.csv:6: imdbId '12345678901234' is not a number")


def test_crafted_names_in_a_movielens_zip_refuse_it(tmp_path: Path) -> None:
    entries = {f"ml/{k}": v for k, v in _bytes(CSV_FILES).items()} | {"../../etc/passwd": b"x"}
    path = write_zip(tmp_path / "ml.zip", entries)
    error = _refusal(path)
    assert (
        error.message
        == f"{path}: the file named '../../etc/passwd' points outside the archive (..)"
    )
    path = write_zip(tmp_path / "ml2.zip", {"ml\\ratings.csv": b"x", "ml/movies.csv": b"x"})
    assert "has a backslash" in _refusal(path).message


def test_a_zip_that_lies_about_a_size_is_named_not_a_traceback(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "ml.zip", {f"ml/{k}": v for k, v in _bytes(CSV_FILES).items()})
    lie_about_size(path, 10)  # zipfile reads 10 bytes, then the CRC fails: BadZipFile
    error = _refusal(path)
    assert (
        error.message.startswith(f"{path}:ml/") and "cannot be read from the zip" in error.message
    )
    # An upload names the file as it was sent, never where the server keeps it.
    stored = write_zip(tmp_path / "u.part", {"ratings.csv": b"Date,Name,Year,Rating\n" * 50})
    lie_about_size(stored, 10)
    with (
        open_upload(stored, "my export.zip", LIMITS) as root,
        pytest.raises(InputFileError) as caught,
    ):
        list(LetterboxdExport(root).entries())
    assert caught.value.message.startswith("my export.zip:ratings.csv: cannot be read from the zip")


def test_files_read_whole_and_endless_lines_are_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(movielens, "MAX_FILMS_FILE_BYTES", 1_000)
    files = _bytes(CSV_FILES)
    files["movies.csv"] += b"\n" * 1_000
    error = _refusal(write_folder(tmp_path / "a", files))
    assert error.line is None and error.message.endswith("movies.csv: is larger than 0 MB, too "
                                                        "large to be this file")  # fmt: skip
    files = _bytes(CSV_FILES)
    files["ratings.csv"] += b"1" * (1 << 20) + b"2"  # one line that never ends
    error = _refusal(write_folder(tmp_path / "b", files))
    assert error.message.endswith("ratings.csv:6: the line is longer than 1,048,576 bytes")
    monkeypatch.setattr(letterboxd, "MAX_EXPORT_FILE_BYTES", 1_000)
    export = write_zip(
        tmp_path / "lb.zip", {"ratings.csv": b"Date,Name,Year,Rating\n" + b"\n" * 2_000}
    )
    with open_path(export) as root, pytest.raises(InputFileError) as caught:
        list(LetterboxdExport(root).entries())
    assert caught.value.message.endswith(
        "ratings.csv: is larger than 0 MB, too large to be this file"
    )


def test_a_letterboxd_year_of_thousands_of_digits_names_its_line(tmp_path: Path) -> None:
    folder = tmp_path / "lb"
    folder.mkdir()
    (folder / "watched.csv").write_bytes(b"Date,Name,Year\n2024-01-01,Heat," + b"1" * 5_000 + b"\n")
    with open_path(folder) as root, pytest.raises(InputFileError) as caught:
        list(LetterboxdExport(root).entries())
    assert caught.value.message == f"{folder / 'watched.csv'}:2: year '{'1' * 40}' is not a year"
