"""Validated records the importers yield. Parsers are pure generators: text in, records out.

Every record keeps the source line it came from so that a later step (matching, storing) can
still say ``file:line`` when it rejects one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple


class RatingRecord(NamedTuple):
    """One community rating; a NamedTuple, not a dataclass: an import makes tens of millions."""

    person_id: str  # id inside the source
    film_id: str  # FilmRecord.source_id
    stars: float  # 0.5..5 in half stars
    rated_at: int | None  # unix seconds, UTC
    line: int


@dataclass(frozen=True, slots=True)
class DiaryEntry:
    """One line of a Letterboxd export file (ratings, watched, watchlist or diary)."""

    file: str
    line: int
    name: str
    year: int | None
    uri: str | None
    on: date | None  # the "Date" column (when logged) or "Watched Date" for the diary
    stars: float | None = None  # None: seen / listed without a rating
    rewatch: bool = False
    kind: str = ""  # "ratings" | "watched" | "watchlist" | "diary": which export file
