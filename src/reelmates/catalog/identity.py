"""Film identity: when do two descriptions name the same film?

Sources disagree on how to write a title ("Godfather, The (1972)" in MovieLens, "The Godfather"
in Letterboxd), so titles are reduced to a *key* (casefolded, accent-free, article in front, no
punctuation) and films match by external id where both sides have one, else by key and year.
Pure: no I/O, no database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from reelmates.catalog.records import FilmRecord

K = TypeVar("K", bound=Hashable)

# Articles MovieLens moves to the end ("Ciudad, La"). "L'" attaches without a space.
_ARTICLES = frozenset(
    ("the", "a", "an", "le", "la", "les", "l'", "un", "une", "der", "die", "das", "den", "dem",
     "ein", "eine", "el", "los", "las", "il", "lo", "gli", "i", "o", "os", "as")
)  # fmt: skip
_TRAILING_ARTICLE = re.compile(r"^(?P<rest>.*\S),\s*(?P<article>[^\s,]+)$", re.DOTALL)
# "(1995)", "(1995) (V)", "(2006–2007)" (series in ml-latest), then optional "(V)"/"(TV)".
_TRAILING_YEAR = re.compile(
    r"^(?P<title>.*?)\s*\((?P<year>\d{4})(?:\s*[-–]\s*(?:\d{4})?)?\)(?:\s*\((?:V|TV)\))?$"
)
_AKA = re.compile(r"^(?:a\.?k\.?a\.?|aka)\s+", re.IGNORECASE)
_APOSTROPHES = str.maketrans("", "", "'’‘`´")
_NON_WORD = re.compile(r"[\W_]+")


def split_title_year(title: str) -> tuple[str, int | None]:
    """``"Toy Story (1995)"`` → ``("Toy Story", 1995)``; no trailing year → ``(title, None)``."""
    stripped = title.strip()
    found = _TRAILING_YEAR.match(stripped)
    if found is None or not found.group("title"):
        return stripped, None
    return found.group("title"), int(found.group("year"))


def _split_parentheticals(title: str) -> tuple[str, list[str]]:
    """``"Hate (Haine, La)"`` → ``("Hate", ["Haine, La"])``: alternate titles come last."""
    rest = title.strip()
    groups: list[str] = []
    while rest.endswith(")"):
        depth = 0
        for i in range(len(rest) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(rest[i], 0)
            if depth == 0:
                break
        if depth != 0 or i == 0 or not rest[:i].strip():
            break  # unbalanced, or the whole title is parenthesised: leave it alone
        groups.insert(0, rest[i + 1 : -1].strip())
        rest = rest[:i].rstrip()
    return rest, groups


def _article_first(title: str) -> str:
    """``"Godfather, The"`` → ``"The Godfather"``; ``"Appartement, L'"`` → ``"L'Appartement"``."""
    found = _TRAILING_ARTICLE.match(title.strip())
    if found is None or found.group("article").casefold() not in _ARTICLES:
        return title.strip()
    article, rest = found.group("article"), found.group("rest")
    return f"{article}{rest}" if article.endswith("'") else f"{article} {rest}"


def display_title(title: str) -> str:
    """How people write it: articles back in front, in the main and in each alternate title."""
    main, groups = _split_parentheticals(title)
    shown = [_article_first(main)]
    for group in groups:
        aka = _AKA.match(group)
        if aka:
            shown.append(f"({aka.group(0)}{_article_first(group[aka.end() :])})")
        else:
            shown.append(f"({_article_first(group)})")
    return " ".join(shown)


def _key(title: str) -> str:
    # NFKD on both sides of casefold: either can produce what the other would change ("ᴬ").
    text = unicodedata.normalize("NFKD", _article_first(title)).casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.replace("&", " and ").translate(_APOSTROPHES)
    return _NON_WORD.sub(" ", text).strip()


def normalise_title(title: str) -> str:
    """The matching key: ``"City of Lost Children, The (Cité des enfants perdus, La) (1995)"``
    → ``"the city of lost children"``."""
    base, _year = split_title_year(title)
    main, _groups = _split_parentheticals(base)
    return _key(main) or _key(base)


def title_keys(title: str) -> list[str]:
    """The main key first, then one per alternate title (``"Hate (Haine, La)"`` → la haine)."""
    base, _year = split_title_year(title)
    main, groups = _split_parentheticals(base)
    keys = [_key(main) or _key(base)]
    for group in groups:
        aka = _AKA.match(group)
        alt = _key(group[aka.end() :] if aka else group)
        if alt and alt not in keys:
            keys.append(alt)
    return keys


def normalise_imdb_id(value: str | int | None) -> str | None:
    """``"tt0068646"``, ``"0068646"``, ``68646`` → ``"tt0068646"``; blank → None."""
    if value is None:
        return None
    digits = str(value).strip().casefold().removeprefix("tt")
    if not digits:
        return None
    if not digits.isdigit():
        raise ValueError(f"not an IMDb id: {value!r}")
    return f"tt{int(digits):07d}"


@dataclass(frozen=True, slots=True)
class CatalogFilm(Generic[K]):
    """What the matcher needs to know about a film already in the catalog."""

    id: K
    title: str
    year: int | None
    imdb_id: str | None = None
    tmdb_id: int | None = None


@dataclass(slots=True)
class _Known:
    year: int | None
    imdb_id: str | None
    tmdb_id: int | None


class FilmMatcher(Generic[K]):
    """Finds the catalog film a record describes.

    Rules, in order: an IMDb or TMDB id both sides have decides (a *different* id means a
    different film even when the titles agree); else the same title key and year; else, only when
    the key names a single film, a year off by one or missing. Keys of alternate titles count
    after the main key. Films are matched in insertion order, so the first of duplicate titles
    wins: call :meth:`add` for films created during an import and later duplicates map to them.
    """

    def __init__(self, films: Iterable[CatalogFilm[K]] = ()) -> None:
        self._known: dict[K, _Known] = {}
        self._by_imdb: dict[str, K] = {}
        self._by_tmdb: dict[int, K] = {}
        self._by_key_year: dict[tuple[str, int | None], list[K]] = {}
        self._by_key: dict[str, list[K]] = {}
        for film in films:
            self.add(film.id, film.title, film.year, imdb_id=film.imdb_id, tmdb_id=film.tmdb_id)

    def __len__(self) -> int:
        return len(self._known)

    def add(
        self,
        film_id: K,
        title: str,
        year: int | None,
        *,
        imdb_id: str | None = None,
        tmdb_id: int | None = None,
    ) -> None:
        """Index a film. Adding a known id again only fills in external ids it lacked."""
        imdb = normalise_imdb_id(imdb_id)
        known = self._known.get(film_id)
        if known is None:
            known = self._known[film_id] = _Known(year, None, None)
            for key in title_keys(title):
                self._by_key_year.setdefault((key, year), []).append(film_id)
                self._by_key.setdefault(key, []).append(film_id)
        if imdb and known.imdb_id is None:
            known.imdb_id = imdb
            self._by_imdb.setdefault(imdb, film_id)
        if tmdb_id is not None and known.tmdb_id is None:
            known.tmdb_id = tmdb_id
            self._by_tmdb.setdefault(tmdb_id, film_id)

    def add_record(self, film_id: K, record: FilmRecord) -> None:
        self.add(film_id, record.title, record.year, imdb_id=record.imdb_id, tmdb_id=record.tmdb_id)

    def match(self, record: FilmRecord) -> K | None:
        return self.match_title(
            record.title, record.year, imdb_id=record.imdb_id, tmdb_id=record.tmdb_id
        )

    def match_title(
        self,
        title: str,
        year: int | None,
        *,
        imdb_id: str | None = None,
        tmdb_id: int | None = None,
    ) -> K | None:
        imdb = normalise_imdb_id(imdb_id)

        def compatible(film_id: K) -> bool:
            known = self._known[film_id]
            if imdb and known.imdb_id and imdb != known.imdb_id:
                return False
            return not (tmdb_id is not None and known.tmdb_id not in (None, tmdb_id))

        by_imdb = self._by_imdb.get(imdb) if imdb else None
        by_tmdb = self._by_tmdb.get(tmdb_id) if tmdb_id is not None else None
        for by_id in (by_imdb, by_tmdb):
            if by_id is not None and compatible(by_id):
                return by_id
        keys = title_keys(title)
        for key in keys:
            for film_id in self._by_key_year.get((key, year), ()):
                if compatible(film_id):
                    return film_id
        for key in keys:
            films = list(dict.fromkeys(self._by_key.get(key, ())))
            if len(films) != 1 or not compatible(films[0]):
                continue  # a near year is only trusted when the title is unambiguous
            other = self._known[films[0]].year
            if year is None or other is None or abs(year - other) <= 1:
                return films[0]
        return None


@dataclass
class FilmMapping(Generic[K]):
    """Where each source film went: ``ids[source_id]`` is its catalog id."""

    ids: dict[str, K] = field(default_factory=dict)
    matched: int = 0  # found in the catalog as it was before this import
    created: list[FilmRecord] = field(default_factory=list)
    duplicates: list[tuple[FilmRecord, K]] = field(default_factory=list)  # merged in-source twins


def map_films(
    records: Iterable[FilmRecord],
    matcher: FilmMatcher[K],
    create: Callable[[FilmRecord], K],
) -> FilmMapping[K]:
    """Match each record, calling ``create`` (which stores it and returns its id) for new films.

    A later record with the same identity in one source maps to the earlier one's film and is
    listed in ``duplicates`` (MovieLens 100K has 18 such pairs).
    """
    mapping: FilmMapping[K] = FilmMapping()
    seen: set[K] = set()
    for record in records:
        found = matcher.match(record)
        if found is None:
            found = create(record)
            matcher.add_record(found, record)
            mapping.created.append(record)
        elif found in seen:
            mapping.duplicates.append((record, found))
        else:
            mapping.matched += 1
        seen.add(found)
        mapping.ids[record.source_id] = found
    return mapping
