"""Validated records the importers yield. Parsers are pure generators: text in, records out.

Every record keeps the source line it came from so that a later step (matching, storing) can
still say ``file:line`` when it rejects one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class FilmRecord:
    """A film as a source describes it. ``source_id`` is the id inside that source."""

    source_id: str
    title: str  # display form, e.g. "The Godfather" for MovieLens's "Godfather, The"
    year: int | None
    genres: tuple[str, ...] = ()
    runtime_minutes: int | None = None
    director: str | None = None
    cast: tuple[str, ...] = ()
    premise: str | None = None
    imdb_id: str | None = None  # "tt0068646"
    tmdb_id: int | None = None
    line: int = 0


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
