"""Turn ``PATH|URL|NAME`` into a readable dataset root: a folder or a zip read in place.

A root hides the zip-or-folder difference and the single top folder most archives wrap their
files in (``ml-100k.zip`` holds ``ml-100k/u.data``), so parsers ask for ``u.data`` and get it.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from abc import ABC, abstractmethod
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import IO, Self

from reelmates.errors import InputFileError, NotFoundError
from reelmates.importers.download import (
    MOVIELENS_NAMES,
    DownloadProgress,
    fetch,
    grouplens_url,
)


class DatasetRoot(ABC):
    """A set of files, by name relative to the dataset's top folder. Use as a context manager."""

    label: str  # what the user gave, for messages
    name: str  # the dataset's own folder name, e.g. "ml-100k"

    @abstractmethod
    def members(self) -> list[str]:
        """Names of the files directly in the top folder."""

    @abstractmethod
    def open(self, member: str) -> IO[bytes]: ...

    @abstractmethod
    def size(self, member: str) -> int:
        """Uncompressed size in bytes (a progress bar's total)."""

    @abstractmethod
    def where(self, member: str) -> str:
        """How to name the file in a ``file:line`` message."""

    def has(self, member: str) -> bool:
        return member in self.members()

    def close(self) -> None:  # noqa: B027 - only zips hold a resource
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class DirectoryRoot(DatasetRoot):
    def __init__(self, path: Path) -> None:
        self.label = str(path)
        self._dir = _descend_single_folder(path)
        self.name = self._dir.name

    def members(self) -> list[str]:
        return sorted(p.name for p in self._dir.iterdir() if p.is_file())

    def open(self, member: str) -> IO[bytes]:
        return (self._dir / member).open("rb")

    def size(self, member: str) -> int:
        return (self._dir / member).stat().st_size

    def where(self, member: str) -> str:
        return str(self._dir / member)


def _descend_single_folder(path: Path) -> Path:
    entries = [p for p in path.iterdir() if not p.name.startswith((".", "__MACOSX"))]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return path


def unsafe_member_name(name: str) -> str | None:
    """Why a zip entry's name is refused, or None when it is an ordinary relative name."""
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "has control characters"
    if "\\" in name:
        return "has a backslash"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "is an absolute path"
    if ".." in PurePosixPath(name).parts:
        return "points outside the archive (..)"
    return None


_ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError)


class _ZipMember(io.RawIOBase):
    """A zip entry's stream whose read errors (a bad CRC, a cut or lying archive) are the
    user's file's fault: InputFileError naming the entry, not a traceback."""

    def __init__(self, inner: IO[bytes], where: str) -> None:
        super().__init__()
        self._inner, self._where = inner, where

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self._inner.read(len(buffer))
        except _ZIP_READ_ERRORS as exc:
            raise InputFileError(self._where, None, f"cannot be read from the zip ({exc})") from exc
        buffer[: len(data)] = data
        return len(data)

    def read(self, size: int | None = -1) -> bytes:
        try:
            return self._inner.read(-1 if size is None else size)
        except _ZIP_READ_ERRORS as exc:
            raise InputFileError(self._where, None, f"cannot be read from the zip ({exc})") from exc

    def close(self) -> None:
        self._inner.close()
        super().close()


class ZipRoot(DatasetRoot):
    """Reads members in place; nothing is extracted. A crafted entry name (absolute, ``..``,
    backslashes, control characters) refuses the whole archive: no release has one."""

    def __init__(self, path: Path, *, label: str | None = None) -> None:
        """``label`` names the zip in messages (an upload's name, not where it is stored)."""
        self.label = label or str(path)
        try:
            self._zip = zipfile.ZipFile(path)
        except _ZIP_READ_ERRORS as exc:
            raise InputFileError(self.label, None, f"not a readable zip file ({exc})") from exc
        for name in self._zip.namelist():
            why = unsafe_member_name(name)
            if why is not None:
                self._zip.close()
                raise InputFileError(self.label, None, f"the file named {name!r} {why}")
        names = [
            n for n in self._zip.namelist() if not n.startswith("__MACOSX/") and not n.endswith("/")
        ]
        tops = {n.split("/", 1)[0] for n in names}
        nested = all("/" in n for n in names)
        self._prefix = f"{tops.pop()}/" if len(tops) == 1 and nested else ""
        self.name = self._prefix.rstrip("/") or path.stem
        self._members = {
            n[len(self._prefix) :]: n
            for n in names
            if n.startswith(self._prefix) and "/" not in n[len(self._prefix) :]
        }

    def members(self) -> list[str]:
        return sorted(self._members)

    def _info(self, member: str) -> zipfile.ZipInfo:
        try:
            return self._zip.getinfo(self._members[member])
        except KeyError as exc:
            raise NotFoundError(f"{self.label} has no {member}") from exc

    def open(self, member: str) -> IO[bytes]:
        where = self.where(member)
        try:
            stream = self._zip.open(self._info(member))
        except _ZIP_READ_ERRORS as exc:
            raise InputFileError(where, None, f"cannot be read from the zip ({exc})") from exc
        return _ZipMember(stream, where)  # type: ignore[return-value]

    def size(self, member: str) -> int:
        return self._info(member).file_size

    def where(self, member: str) -> str:
        return f"{self.label}:{self._members.get(member, self._prefix + member)}"

    def close(self) -> None:
        self._zip.close()


def open_path(path: str | Path) -> DatasetRoot:
    """A local folder or zip file."""
    local = Path(path).expanduser()
    if local.is_dir():
        return DirectoryRoot(local)
    if local.is_file():
        return ZipRoot(local)
    raise NotFoundError(f"{path}: no such file or folder")


def is_url(spec: str) -> bool:
    return spec.startswith(("http://", "https://"))


def resolve_source(
    spec: str | Path,
    *,
    cache_dir: Path,
    progress: DownloadProgress | None = None,
    timeout: float = 60.0,
) -> DatasetRoot:
    """``PATH`` (folder or zip), ``URL`` (downloaded once into ``cache_dir``) or a GroupLens
    ``NAME`` such as ``ml-latest-small``. Raises SourceUnavailableError when a download fails."""
    text = str(spec)
    if is_url(text):
        return ZipRoot(fetch(text, cache_dir, progress=progress, timeout=timeout))
    if Path(text).expanduser().exists():
        return open_path(text)
    if text in MOVIELENS_NAMES:
        return ZipRoot(fetch(grouplens_url(text), cache_dir, progress=progress, timeout=timeout))
    raise NotFoundError(
        f"{text}: not a file, folder, URL or known dataset name",
        hint=f"Known names: {', '.join(MOVIELENS_NAMES)}.",
    )


def source_url(spec: str | Path) -> str | None:
    """The URL ``spec`` would be downloaded from, or None for a local path (no network)."""
    text = str(spec)
    if is_url(text):
        return text
    if not Path(text).expanduser().exists() and text in MOVIELENS_NAMES:
        return grouplens_url(text)
    return None
