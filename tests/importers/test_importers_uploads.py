"""Uploaded Letterboxd exports: names, sizes and lines checked before and while reading."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from reelmates.errors import InputFileError, TooLargeError
from reelmates.importers.letterboxd import LetterboxdExport
from reelmates.importers.uploads import UploadLimits, open_upload, unsafe_member_name

RATINGS = "Date,Name,Year,Letterboxd URI,Rating\n2024-01-02,Heat,1995,x,4\n"
LIMITS = UploadLimits(
    max_files=5, max_file_bytes=100_000, max_total_bytes=150_000, max_line_bytes=500
)


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("ratings.csv", None),
        ("letterboxd-export/ratings.csv", None),
        ("..", "points outside the archive (..)"),
        ("a/../../evil.csv", "points outside the archive (..)"),
        ("/etc/passwd", "is an absolute path"),
        ("C:/evil.csv", "is an absolute path"),
        ("a\\..\\evil.csv", "has a backslash"),
        ("evil\n.csv", "has control characters"),
    ],
)
def test_unsafe_member_names(name: str, why: str | None) -> None:
    assert unsafe_member_name(name) == why


def _write(path: Path, files: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def test_a_good_zip_and_a_single_csv_read_and_name_the_upload(tmp_path: Path) -> None:
    zipped = _write(tmp_path / "u1.part", {"export/ratings.csv": RATINGS})
    with open_upload(zipped, "my export.zip", LIMITS) as root:
        entries = list(LetterboxdExport(root).entries())
        assert [e.name for e in entries] == ["Heat"]
        assert entries[0].file == "my export.zip:ratings.csv"  # never the stored path
    single = tmp_path / "u2.part"
    single.write_text(RATINGS)
    with open_upload(single, "C:\\Users\\me\\Ratings.CSV", LIMITS) as root:
        assert root.label == "Ratings.CSV"
        assert [e.name for e in LetterboxdExport(root).entries()] == ["Heat"]


def _lying_zip(path: Path, real: bytes, claimed: int) -> Path:
    """A zip whose headers claim the entry expands to ``claimed`` bytes (it expands to more)."""
    data = bytearray(_write(path, {"ratings.csv": real}).read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        data[at + offset : at + offset + 4] = struct.pack("<I", claimed)
    path.write_bytes(bytes(data))
    return path


def test_a_zip_that_lies_about_its_size_is_refused_when_read(tmp_path: Path) -> None:
    path = _lying_zip(tmp_path / "u.part", RATINGS.encode() + b"0" * 5_000_000, claimed=100)
    with open_upload(path, "x.zip", LIMITS) as root, pytest.raises(InputFileError):
        list(LetterboxdExport(root).entries())


def test_expanded_sizes_are_counted_while_reading(tmp_path: Path) -> None:
    # Two files each within the per-file limit whose sum passes the total.
    path = _write(
        tmp_path / "u.part", {"ratings.csv": RATINGS + "\n" * 90_000, "watched.csv": "\n" * 90_000}
    )
    with pytest.raises(TooLargeError, match="expands to"):
        open_upload(path, "x.zip", LIMITS)


def test_a_line_too_long_names_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "u.part", {"ratings.csv": RATINGS + "x" * 501 + "\n"})
    with open_upload(path, "x.zip", LIMITS) as root, pytest.raises(InputFileError) as caught:
        list(LetterboxdExport(root).entries())
    assert caught.value.line == 3 and "longer than 500 bytes" in caught.value.message


def test_an_empty_or_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "u.part"
    broken.write_bytes(b"PK\x03\x04" + bytes(40))
    with pytest.raises(InputFileError, match="not a readable zip"):
        open_upload(broken, "x.zip", LIMITS)
    empty = tmp_path / "e.part"
    empty.write_bytes(io.BytesIO().getvalue())
    with pytest.raises(InputFileError, match="neither a zip"):
        open_upload(empty, "empty.bin", LIMITS)
