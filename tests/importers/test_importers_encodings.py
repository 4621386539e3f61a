"""Files in the wrong form (UTF-16, a spreadsheet, binary bytes) are named with what to do."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from reelmates.errors import InputFileError
from reelmates.importers.letterboxd import LetterboxdExport, merge_entries
from reelmates.importers.lines import line_blocks
from reelmates.importers.movielens import open_movielens
from reelmates.importers.sources import open_path

Files = dict[str, str | bytes]
MakeDataset = Callable[..., Path]


def _ratings_error(path: Path) -> InputFileError:
    with open_path(path) as root, pytest.raises(InputFileError) as caught:
        list(open_movielens(root).ratings())
    return caught.value


@pytest.mark.parametrize(
    ("encoding", "says"),
    [
        ("utf-16", "is UTF-16 text (it starts with a UTF-16 byte-order mark)"),
        ("utf-16-le", "is UTF-16 text (every other byte is zero)"),
        ("utf-16-be", "is UTF-16 text (every other byte is zero)"),
        ("utf-32", "is UTF-32 text (it starts with a UTF-32 byte-order mark)"),
    ],
)
def test_a_utf16_u_data_says_so_and_how_to_convert(
    dataset: MakeDataset, ml100k_files: Files, encoding: str, says: str
) -> None:
    ml100k_files["u.data"] = str(ml100k_files["u.data"]).encode(encoding)
    folder = dataset(ml100k_files, "dir", "ml-100k")
    error = _ratings_error(folder)
    assert error.path == str(folder / "u.data")
    assert error.message == f"{folder / 'u.data'}: {says}; reelmates reads Latin-1 text"
    assert error.hint is not None and "iconv -f UTF-" in error.hint


def test_a_utf16_ratings_csv_is_told_to_be_saved_as_utf8(
    dataset: MakeDataset, csv_files: Files
) -> None:
    csv_files["ratings.csv"] = str(csv_files["ratings.csv"]).encode("utf-16")
    error = _ratings_error(dataset(csv_files, "zip", "ml-latest-small"))
    assert error.path.endswith("ml-latest-small.zip:ml-latest-small/ratings.csv")
    assert "is UTF-16 text" in error.message and "reads UTF-8 text" in error.message
    assert error.hint is not None and "Save it as UTF-8" in error.hint
    assert "iconv -f UTF-16 -t UTF-8" in error.hint


def test_a_spreadsheet_saved_under_the_csv_name(dataset: MakeDataset, csv_files: Files) -> None:
    csv_files["ratings.csv"] = b"PK\x03\x04" + bytes(range(256)) * 4
    error = _ratings_error(dataset(csv_files))
    assert "is a zip archive (an Excel .xlsx workbook?), not text" in error.message
    assert error.hint is not None and "CSV UTF-8" in error.hint


def test_nul_bytes_further_down_name_their_line(dataset: MakeDataset, csv_files: Files) -> None:
    csv_files["ratings.csv"] = str(csv_files["ratings.csv"]).encode() + b"3,1,4\x00\x00,1\n"
    error = _ratings_error(dataset(csv_files))
    assert (error.line, "binary data, not text (it holds NUL bytes)" in error.message) == (6, True)


def test_a_nul_in_a_later_block_is_found_with_its_line() -> None:
    data = b"1\t2\t3\t4\n" * 1000 + b"1\t2\x00\t3\t4\n"
    with pytest.raises(InputFileError) as caught:
        list(line_blocks(io.BytesIO(data), "u.data", "latin-1", block_bytes=1024))
    assert caught.value.line == 1001


def test_bad_utf8_bytes_name_the_byte_and_say_what_to_do(
    dataset: MakeDataset, csv_files: Files
) -> None:
    csv_files["ratings.csv"] = str(csv_files["ratings.csv"]).encode() + b"3,1,4.0,1\xe9\n"
    error = _ratings_error(dataset(csv_files))
    assert error.line == 6
    assert "not valid UTF-8 text (byte e9" in error.message
    assert error.hint is not None and "Save it as UTF-8" in error.hint


def test_a_utf16_letterboxd_file(dataset: MakeDataset) -> None:
    files: Files = {
        "ratings.csv": "Date,Name,Year,Letterboxd URI,Rating\n2024-01-02,Heat,1995,x,4\n".encode(
            "utf-16"
        )
    }
    with open_path(dataset(files)) as root, pytest.raises(InputFileError) as caught:
        merge_entries(LetterboxdExport(root).entries())
    assert caught.value.path.endswith("ratings.csv") and caught.value.line is None
    assert "is UTF-16 text" in caught.value.message
    assert caught.value.hint is not None and "Save it as UTF-8" in caught.value.hint
