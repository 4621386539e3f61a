"""A Letterboxd export someone uploaded: a zip or one of its CSV files, read with limits a hostile
file cannot pass.

A zip is checked from its directory before anything is read: how many entries, each entry's name
(no absolute paths, no ``..``, no backslashes or control characters: nothing is ever extracted,
but such a name is a sign of a crafted file), each entry's declared size and their sum, no
encryption. Reading then stops at the same limits whatever the directory claimed (a zip can lie
about sizes), and every line must be shorter than the line limit.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from reelmates.errors import InputFileError, TooLargeError
from reelmates.importers.letterboxd import LETTERBOXD_FILES
from reelmates.importers.sources import DatasetRoot, ZipRoot, unsafe_member_name

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_EXPORT_HINT = (
    "Upload the zip from letterboxd.com → Settings → Data → Export, or one of its files "
    f"({', '.join(LETTERBOXD_FILES)})."
)


@dataclass(frozen=True, slots=True)
class UploadLimits:
    max_files: int = 20
    max_file_bytes: int = 50 * 1024 * 1024
    max_total_bytes: int = 100 * 1024 * 1024
    max_line_bytes: int = 10_000


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


def check_zip(path: Path, label: str, limits: UploadLimits) -> None:
    """Refuse a zip whose directory breaks a limit; reads no entry's data."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputFileError(label, None, f"not a readable zip file ({exc})") from exc
    if len(infos) > limits.max_files:
        raise TooLargeError(
            f"{label} holds {len(infos)} files; at most {limits.max_files} are accepted",
            hint=_EXPORT_HINT,
        )
    total = 0
    for info in infos:
        why = unsafe_member_name(info.filename)
        if why is not None:
            raise InputFileError(label, None, f"the file named {info.filename!r} {why}")
        if info.flag_bits & 0x1:
            raise InputFileError(
                label, None, f"{info.filename!r} is encrypted", hint="Upload the export as it is."
            )
        if info.file_size > limits.max_file_bytes:
            raise TooLargeError(
                f"{label}: {info.filename!r} expands to {_megabytes(info.file_size)}; at most "
                f"{_megabytes(limits.max_file_bytes)} per file are accepted",
                hint=_EXPORT_HINT,
            )
        total += info.file_size
    if total > limits.max_total_bytes:
        raise TooLargeError(
            f"{label} expands to {_megabytes(total)}; at most "
            f"{_megabytes(limits.max_total_bytes)} are accepted",
            hint=_EXPORT_HINT,
        )


class SingleFileRoot(DatasetRoot):
    """One uploaded CSV, known by the name it was uploaded under (``ratings.csv``)."""

    def __init__(self, path: Path, member: str, label: str) -> None:
        self._path, self._member = path, member
        self.label = label
        self.name = member

    def members(self) -> list[str]:
        return [self._member]

    def open(self, member: str) -> IO[bytes]:
        return self._path.open("rb")

    def size(self, member: str) -> int:
        return self._path.stat().st_size

    def where(self, member: str) -> str:
        return self.label


class LimitedRoot(DatasetRoot):
    """Another root, read within limits: each file and all together at most so many bytes,
    every line at most so long. Messages name the upload, never where it is stored."""

    def __init__(self, inner: DatasetRoot, label: str, limits: UploadLimits) -> None:
        self._inner = inner
        self.label = label
        self.name = inner.name
        self._limits = limits
        self._read = 0
        self._single = isinstance(inner, SingleFileRoot)

    def members(self) -> list[str]:
        return self._inner.members()

    def size(self, member: str) -> int:
        return self._inner.size(member)

    def where(self, member: str) -> str:
        return self.label if self._single else f"{self.label}:{member}"

    def open(self, member: str) -> IO[bytes]:
        limits = self._limits
        where = self.where(member)
        try:
            with self._inner.open(member) as stream:
                data = stream.read(limits.max_file_bytes + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise InputFileError(where, None, f"cannot be read from the zip ({exc})") from exc
        if len(data) > limits.max_file_bytes:
            raise TooLargeError(
                f"{where} expands to more than {_megabytes(limits.max_file_bytes)}",
                hint=_EXPORT_HINT,
            )
        self._read += len(data)
        if self._read > limits.max_total_bytes:
            raise TooLargeError(
                f"{self.label} expands to more than {_megabytes(limits.max_total_bytes)}",
                hint=_EXPORT_HINT,
            )
        _check_lines(data, where, limits.max_line_bytes)
        return io.BytesIO(data)

    def close(self) -> None:
        self._inner.close()


def _check_lines(data: bytes, where: str, limit: int) -> None:
    start, line = 0, 1
    while start < len(data):
        end = data.find(b"\n", start)
        if end < 0:
            end = len(data)
        if end - start > limit:
            raise InputFileError(
                where,
                line,
                f"the line is longer than {limit:,} bytes",
                hint="This is not a Letterboxd export line; upload the export as it is.",
            )
        start, line = end + 1, line + 1


def open_upload(path: Path, filename: str, limits: UploadLimits) -> DatasetRoot:
    """The uploaded file at ``path`` (sent as ``filename``) as a root the Letterboxd reader
    takes: a zip export, or one export CSV named as Letterboxd names it."""
    label = PurePosixPath(filename.replace("\\", "/")).name or "the upload"
    with path.open("rb") as stream:
        head = stream.read(4)
    if head.startswith(_ZIP_MAGIC):
        check_zip(path, label, limits)
        return LimitedRoot(ZipRoot(path, label=label), label, limits)
    member = label.casefold()
    if member not in LETTERBOXD_FILES:
        raise InputFileError(
            label, None, "is neither a zip nor a Letterboxd export file", hint=_EXPORT_HINT
        )
    if path.stat().st_size > limits.max_file_bytes:
        raise TooLargeError(
            f"{label} is larger than {_megabytes(limits.max_file_bytes)}", hint=_EXPORT_HINT
        )
    return LimitedRoot(SingleFileRoot(path, member, label), label, limits)
