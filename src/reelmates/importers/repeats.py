"""Find a rating given twice anywhere in a file, with both line numbers.

Used only after the database has refused an import (the fast path checks repeats only within a
run of one user's lines): one more pass over the file, kept small by encoding every rating as one
int64 key and one int32 line number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from reelmates.importers.records import RatingRecord

_CHUNK = 1 << 20


@dataclass(frozen=True)
class RepeatedRating:
    person_id: str
    film_id: str
    first_line: int
    line: int


def find_repeated_rating(records: Iterable[RatingRecord]) -> RepeatedRating | None:
    """The repeat whose second occurrence comes first in the file, or None."""
    persons: dict[str, int] = {}
    films: dict[str, int] = {}
    keys: list[np.ndarray] = []
    lines: list[np.ndarray] = []
    key_buf = np.empty(_CHUNK, dtype=np.int64)
    line_buf = np.empty(_CHUNK, dtype=np.int64)
    filled = 0
    for rec in records:
        p = persons.setdefault(rec.person_id, len(persons))
        f = films.setdefault(rec.film_id, len(films))
        key_buf[filled] = (p << 32) | f
        line_buf[filled] = rec.line
        filled += 1
        if filled == _CHUNK:
            keys.append(key_buf.copy())
            lines.append(line_buf.copy())
            filled = 0
    keys.append(key_buf[:filled].copy())
    lines.append(line_buf[:filled].copy())
    all_keys, all_lines = np.concatenate(keys), np.concatenate(lines)
    order = np.lexsort((all_lines, all_keys))  # by key, then by line
    sorted_keys = all_keys[order]
    repeat = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
    if repeat.size == 0:
        return None
    seconds = all_lines[order][repeat + 1]
    j = int(repeat[np.argmin(seconds)])
    key = int(sorted_keys[j])
    return RepeatedRating(
        person_id=next(k for k, v in persons.items() if v == key >> 32),
        film_id=next(k for k, v in films.items() if v == key & 0xFFFFFFFF),
        first_line=int(all_lines[order][j]),
        line=int(all_lines[order][j + 1]),
    )
