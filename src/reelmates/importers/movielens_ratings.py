"""The hot loop: MovieLens rating lines → RatingRecord, validated, at millions of lines a second.

The common case costs one ``split``, one dict lookup (which both validates and converts the
rating) and two set/str checks; anything unusual drops to a slow path that either accepts it
(``4.50``, ``007``) or says exactly what is wrong.
"""

from __future__ import annotations

from collections.abc import Container, Iterator
from dataclasses import dataclass
from typing import IO

from reelmates.errors import InputFileError
from reelmates.importers.lines import Progress, line_blocks
from reelmates.importers.records import RatingRecord

# Longer user ids or timestamps are refused (a 20-digit timestamp overflows a date).
_MAX_DIGITS = MAX_ID_DIGITS = 12
_STARS: dict[str, float] = {}
for _half in range(1, 11):
    _STARS[f"{_half / 2:.1f}"] = _half / 2
    if _half % 2 == 0:
        _STARS[str(_half // 2)] = _half / 2


@dataclass
class RatingTally:
    """Counts kept while streaming, readable after (or during) iteration."""

    skipped: int = 0  # ratings of placeholder films that were skipped
    bytes_read: int = 0

    def advance(self, n: int) -> None:
        self.bytes_read += n


def parse_stars(raw: str) -> float | None:
    """``"3.5"`` → 3.5; None unless it is 0.5–5 in half stars."""
    stars = _STARS.get(raw)
    if stars is not None:
        return stars
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if 0.5 <= value <= 5 and (value * 2).is_integer() else None


def parse_ratings(
    stream: IO[bytes],
    where: str,
    *,
    sep: str,
    encoding: str,
    header: str | None,
    films: Container[str],
    skip_films: Container[str],
    tally: RatingTally,
    progress: Progress | None = None,
) -> Iterator[RatingRecord]:
    """Stream ``user<sep>film<sep>rating<sep>timestamp`` lines; ``header`` is checked if given."""

    def advance(n: int) -> None:
        tally.bytes_read += n
        if progress is not None:
            progress(n)

    stars_of = _STARS.get
    new = tuple.__new__  # skips the NamedTuple's Python-level __new__: measurably faster
    record = RatingRecord
    for first, lines in line_blocks(stream, where, encoding, progress=advance):
        number = first - 1
        if first == 1 and header is not None:
            _check_header(lines[0] if lines else "", header, where)
            number += 1
            lines = lines[1:]
        for line in lines:
            number += 1
            parts = line.split(sep)
            if len(parts) == 4:
                user, film, raw, ts = parts
                stars = stars_of(raw)
                if (
                    stars is not None
                    and film in films
                    and user.isdecimal()
                    and ts.isdecimal()
                    and len(ts) <= _MAX_DIGITS
                    and len(user) <= _MAX_DIGITS
                ):
                    yield new(record, (user, film, stars, int(ts), number))
                    continue
            slow = _slow_path(parts, line, number, where, sep, films, skip_films)
            if slow is None:
                if line.strip():
                    tally.skipped += 1
            else:
                yield slow


def _check_header(found: str, expected: str, where: str) -> None:
    if found.lstrip("\ufeff").strip() != expected:
        raise InputFileError(where, 1, f"expected the header {expected!r}, found {found!r}")


def _slow_path(
    parts: list[str],
    line: str,
    number: int,
    where: str,
    sep: str,
    films: Container[str],
    skip_films: Container[str],
) -> RatingRecord | None:
    """A valid but unusual line's record; None to skip (blank, placeholder film); else raise."""

    def fail(message: str) -> InputFileError:
        return InputFileError(where, number, message)

    if not line.strip():
        return None
    if len(parts) != 4:
        raise fail(f"expected 4 fields separated by {sep!r}, found {len(parts)}: {line[:80]!r}")
    user, film, raw, ts = (p.strip() for p in parts)
    if not user.isdecimal():
        raise fail(f"user id {user[:40]!r} is not a number")
    if len(user) > _MAX_DIGITS:
        raise fail(f"user id {user[:20]}... is longer than {_MAX_DIGITS} digits")
    if not film.isdecimal():
        raise fail(f"film id {film[:40]!r} is not a number")
    if len(film) > _MAX_DIGITS:
        raise fail(f"film id {film[:20]}... is longer than {_MAX_DIGITS} digits")
    film = film if film in films or film in skip_films else str(int(film))
    if film not in films and film not in skip_films:
        raise fail(f"film id {film} is not in the films file")
    # A placeholder film's rating is skipped, but only once the whole line is known good.
    stars = parse_stars(raw)
    if stars is None:
        raise fail(f"rating {raw[:40]!r} is not 0.5 to 5 in half stars")
    if not ts.isdecimal():
        raise fail(f"timestamp {ts[:40]!r} is not a whole number of seconds")
    if len(ts) > _MAX_DIGITS:
        raise fail(f"timestamp {ts[:20]}... is too large for a date")
    if film in skip_films:
        return None
    return RatingRecord(user, film, stars, int(ts), number)
