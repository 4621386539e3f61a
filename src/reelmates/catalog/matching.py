"""Which catalog film is a media server's film? Pure: no I/O, no database.

The rules, in order (see :class:`LibraryMatcher`):

1. the IMDb id, then the TMDB id, when a catalog film has it;
2. else the title key (:func:`reelmates.catalog.identity.title_keys`: the catalog's own
   normalisation: case, accents, punctuation, a trailing article, numbers in words) and the
   same year; else a year off by one (or a year missing on either side), when only one film
   of that key is that near;
3. else, with a usable title, a film the catalog lacks ("new": the sync adds it);
4. two catalog films equally good (same key and year, or two near years) or no usable title:
   unmatched, with the reason.

A catalog film with a *different* id from the server's is a different film, whatever its title
(as in :class:`~reelmates.catalog.identity.FilmMatcher`), so the rules never contradict the
importers' matcher: a film found "new" here is one :class:`FilmMatcher` creates too.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from reelmates.catalog.identity import CatalogFilm, normalise_imdb_id, title_keys
from reelmates.catalog.records import TITLE_MAX_CHARS

K = TypeVar("K", bound=Hashable)

MatchKind = Literal["imdb", "tmdb", "title", "new", "unmatched"]
YEAR_RANGE = (1870, 2100)  # the films.year CHECK; a year outside it is taken as unknown


@dataclass(frozen=True, slots=True)
class Match(Generic[K]):
    """How one film matched: ``film_id`` for imdb/tmdb/title, ``reason`` for unmatched."""

    kind: MatchKind
    film_id: K | None = None
    reason: str | None = None

    @property
    def by_id(self) -> bool:
        return self.kind in ("imdb", "tmdb")


@dataclass(frozen=True, slots=True)
class _Known:
    year: int | None
    imdb_id: str | None
    tmdb_id: int | None


def usable_year(year: int | None) -> int | None:
    return year if year is not None and YEAR_RANGE[0] <= year <= YEAR_RANGE[1] else None


def usable_tmdb_id(value: int | None) -> int | None:
    """A TMDB id the films.tmdb_id column can hold (a positive 32-bit integer), else None."""
    return value if value is not None and 0 < value < 2**31 else None


def usable_imdb_id(value: str | None) -> str | None:
    """The id normalised, or None for a blank or malformed one (servers hold junk sometimes)."""
    try:
        return normalise_imdb_id(value)
    except ValueError:
        return None


class LibraryMatcher(Generic[K]):
    """The catalog, indexed for matching a library's films (see the module's rules)."""

    def __init__(self, films: Iterable[CatalogFilm[K]] = ()) -> None:
        self._known: dict[K, _Known] = {}
        self._by_imdb: dict[str, K] = {}
        self._by_tmdb: dict[int, K] = {}
        self._by_key: dict[str, list[K]] = {}
        for film in films:
            self.add(film)

    def __len__(self) -> int:
        return len(self._known)

    def add(self, film: CatalogFilm[K]) -> None:
        if film.id in self._known:
            return
        imdb = usable_imdb_id(film.imdb_id)
        self._known[film.id] = _Known(film.year, imdb, film.tmdb_id)
        if imdb:
            self._by_imdb.setdefault(imdb, film.id)
        if film.tmdb_id is not None:
            self._by_tmdb.setdefault(film.tmdb_id, film.id)
        for key in title_keys(film.title):
            if key:
                films = self._by_key.setdefault(key, [])
                if film.id not in films:
                    films.append(film.id)

    def match(
        self,
        title: str | None,
        year: int | None,
        *,
        imdb_id: str | None = None,
        tmdb_id: int | None = None,
    ) -> Match[K]:
        imdb, tmdb_id = usable_imdb_id(imdb_id), usable_tmdb_id(tmdb_id)
        if imdb and (found := self._by_imdb.get(imdb)) is not None:
            return Match("imdb", found)
        found = self._by_tmdb.get(tmdb_id) if tmdb_id is not None else None
        if found is not None and self._compatible(found, imdb, None):
            return Match("tmdb", found)
        text = (title or "").strip()
        keys = [k for k in title_keys(text) if k] if text else []
        if not keys:
            return Match("unmatched", reason="no usable title")
        if len(text) > TITLE_MAX_CHARS:
            return Match("unmatched", reason=f"title longer than {TITLE_MAX_CHARS} characters")
        year = usable_year(year)
        for near in (False, True):
            for key in keys:
                found_ids = [
                    f
                    for f in self._by_key.get(key, ())
                    if self._compatible(f, imdb, tmdb_id) and self._year_fits(f, year, near)
                ]
                if len(found_ids) == 1:
                    return Match("title", found_ids[0])
                if len(found_ids) > 1:
                    when = "a year either side of" if near else "in"
                    return Match(
                        "unmatched",
                        reason=f"{len(found_ids)} catalog films have this title "
                        f"{when} {year if year is not None else 'any year'}",
                    )
        return Match("new")

    def _compatible(self, film_id: K, imdb: str | None, tmdb_id: int | None) -> bool:
        known = self._known[film_id]
        if imdb and known.imdb_id and imdb != known.imdb_id:
            return False
        return not (tmdb_id is not None and known.tmdb_id not in (None, tmdb_id))

    def _year_fits(self, film_id: K, year: int | None, near: bool) -> bool:
        other = self._known[film_id].year
        if not near:
            return other == year
        return year is None or other is None or abs(year - other) == 1
