"""CSV in and out for the batch commands (``topn``, ``together``): ratings only, ids as given."""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

import numpy as np

from reelmates.errors import InputFileError, ReelmatesError
from reelmates.importers.lines import decode_all
from reelmates.taste.matrix import RatingsMatrix

HEADER = ["user", "item", "rating"]
MIN_STARS, MAX_STARS = 0.5, 5.0


def read_ratings_csv(path: str | Path) -> RatingsMatrix:
    """Read ``user,item,rating[,timestamp]`` with ratings of 0.5 to 5 stars; a bad line raises
    ``InputFileError(path, line)``."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputFileError(p, None, f"cannot read: {exc.strerror or exc}") from exc
    # UTF-16, a spreadsheet or bad bytes are named here, with what to do about them.
    text = decode_all(data, str(p), "utf-8-sig")
    del data
    users: list[str] = []
    items: list[str] = []
    stars: list[str] = []
    with io.StringIO(text, newline="") as f:
        reader = csv.reader(f)
        try:
            head = next(reader, None)
            if head is None:
                raise InputFileError(p, 1, "empty file; expected the header user,item,rating")
            cols = [h.strip().lower() for h in head]
            if cols[:3] != HEADER or cols[3:] not in ([], ["timestamp"]):
                raise InputFileError(
                    p, 1, f"header is {','.join(head)!r}; expected user,item,rating[,timestamp]"
                )
            width = len(cols)
            done = reader.line_num  # lines read before this row; a quoted field may span lines
            for row in reader:
                start, done = done + 1, reader.line_num
                if len(row) != width or not row[0] or not row[1]:
                    if not row:
                        continue  # blank line
                    shown = [field[:40] for field in row[:6]]
                    raise InputFileError(
                        p, start, f"expected {width} fields, got {len(row)}: {shown}"
                    )
                users.append(row[0])
                items.append(row[1])
                stars.append(row[2])
        except csv.Error as exc:
            raise InputFileError(p, reader.line_num, str(exc)) from exc
    if not users:
        raise InputFileError(p, None, "no ratings after the header")
    values = _parse_stars(p, text, stars)
    return RatingsMatrix.from_triples(np.array(users), np.array(items), values)


def _parse_stars(p: Path, text: str, stars: list[str]) -> np.ndarray:
    """The ratings as numbers from 0.5 to 5 (stars); the first that is not names its line."""
    try:
        values = np.array(stars, dtype=np.float64)
    except ValueError:
        values = None
    if values is not None:
        with np.errstate(invalid="ignore"):
            ok = (values >= MIN_STARS) & (values <= MAX_STARS)  # NaN compares False
        if ok.all():
            return values.astype(np.float32)
        bad = int(np.argmin(ok))
    else:
        bad = next(n for n, raw in enumerate(stars) if _number(raw) is None)
    raw = stars[bad]
    number = _number(raw)
    lines = _line_numbers(text)
    if number is None or not math.isfinite(number):
        raise InputFileError(p, lines[bad], f"rating {raw[:40]!r} is not a number")
    raise InputFileError(
        p,
        lines[bad],
        f"rating {raw[:40]!r} is not from {MIN_STARS:g} to {MAX_STARS:g} stars",
        hint="Ratings are stars, 0.5 to 5 (MovieLens's scale); rescale other scales first.",
    )


def _number(raw: str) -> float | None:
    try:
        return float(raw)
    except ValueError:
        return None


def _line_numbers(text: str) -> list[int]:
    # Only used on the error path: re-read to map data rows back to physical line numbers.
    out: list[int] = []
    with io.StringIO(text, newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        done = reader.line_num
        for row in reader:
            if row:
                out.append(done + 1)  # the row's first line (a quoted field may span lines)
            done = reader.line_num
    return out


class OutputCsv:
    """Where a batch command writes, checked *before* the work (a fit takes minutes): the
    folder exists and takes a new file, and the file itself, if there, may be replaced.

    Rows go to a temporary file beside the target, renamed over it once complete, so a failed
    or interrupted run leaves no half-written output. Use as a context manager: leaving it
    without :meth:`write` (an error) removes the temporary file.
    """

    def __init__(self, path: str | Path, option: str = "--out") -> None:
        self.path = Path(path)
        what = f"{option} {self.path}"
        folder = self.path.parent
        if self.path.is_dir():
            raise ReelmatesError(
                f"{what} is a folder", hint=f"Give a file name, e.g. {self.path / 'out.csv'}."
            )
        if not folder.exists():
            raise ReelmatesError(
                f"{what}: the folder {folder} does not exist",
                hint=f"Create it first (mkdir -p {folder}) or choose another {option}.",
            )
        if not folder.is_dir():
            raise ReelmatesError(
                f"{what}: {folder} is a file, not a folder", hint=f"Choose another {option}."
            )
        if self.path.exists() and not os.access(self.path, os.W_OK):
            raise ReelmatesError(
                f"{what}: the file exists and is read-only",
                hint=f"Make it writable or choose another {option}.",
            )
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{self.path.name}.", suffix=".part")
        except OSError as exc:
            raise ReelmatesError(
                f"{what}: cannot write in {folder} ({exc.strerror or exc})",
                hint=f"Choose a folder you can write to for {option}.",
            ) from exc
        os.close(fd)
        self._tmp: Path | None = Path(tmp)

    def write(self, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        if self._tmp is None:
            raise RuntimeError("this output was already written")
        write_csv(self._tmp, header, rows)
        # mkstemp makes the file private (0600): give it the mode a plain open() would have.
        if self.path.exists():
            mode = self.path.stat().st_mode & 0o7777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        self._tmp.chmod(mode)
        self._tmp.replace(self.path)
        self._tmp = None

    def discard(self) -> None:
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.discard()


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with Path(path).open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
