"""A film as a source describes it, before it is matched to the catalog."""

from __future__ import annotations

from dataclasses import dataclass

TITLE_MAX_CHARS = 300  # the films.title column's length: a longer title is refused on import
SOURCE_MAX_CHARS = 40  # a community dataset's name (its folder or zip), as the database keeps it


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
