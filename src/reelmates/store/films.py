"""The catalog and its provenance: films (search, facts, identities, bulk insert), the log of
imports, and the database's identity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from reelmates.errors import NotFoundError
from reelmates.store.models import (
    IMPORT_SOURCE_MAX,
    Film,
    FilmGenre,
    ImportRun,
    Installation,
)

SEARCH_LIMIT = 36
# Title keys keep a leading article ("the dark knight"): a search for "dark knight" tries these.
SEARCH_ARTICLES = ("the", "a", "an")
_MAX_CHAR = "\U0010ffff"  # sorts after every character (UTF-8 bytes and code points alike)
# Title keys keep a leading article ("the dark knight"): a search for "dark knight" tries these.


@dataclass(frozen=True, slots=True)
class FilmIdentity:
    """What film matching needs to know of a catalog entry."""

    id: int
    title: str
    year: int | None
    imdb_id: str | None
    tmdb_id: int | None


@dataclass(frozen=True, slots=True)
class FilmFacts:
    """A film's facts, as the taste engine's content model and the front ends read them."""

    id: int
    title: str
    year: int | None
    genres: tuple[str, ...]
    runtime_minutes: int | None
    director: str | None
    cast: tuple[str, ...]
    premise: str | None


class FilmRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Film)) or 0

    def extent(self) -> tuple[int, int]:
        """(number of films, highest film id), both 0 for an empty catalog."""
        # Two scalar subqueries, not one select of both aggregates: SQLite answers each from an
        # index in microseconds, but scans the whole table (6 ms for 60,000 films) for the pair.
        films, max_id = self.session.execute(
            select(
                select(func.count()).select_from(Film).scalar_subquery(),
                select(func.max(Film.id)).scalar_subquery(),
            )
        ).one()
        return int(films or 0), int(max_id or 0)

    def insert_rows(
        self, films: Sequence[dict[str, object]], genres: Sequence[dict[str, object]]
    ) -> None:
        """Bulk-insert new films (with their ids) and their genre rows, in chunks."""
        for chunk in range(0, len(films), 5_000):
            self.session.execute(insert(Film), films[chunk : chunk + 5_000])
        for chunk in range(0, len(genres), 10_000):
            self.session.execute(insert(FilmGenre), genres[chunk : chunk + 10_000])

    def identities(self) -> list[FilmIdentity]:
        rows = self.session.execute(
            select(Film.id, Film.title, Film.year, Film.imdb_id, Film.tmdb_id)
        )
        return [FilmIdentity(*row) for row in rows]

    def by_ids(self, film_ids: Sequence[int], chunk: int = 5_000) -> dict[int, Film]:
        found: dict[int, Film] = {}
        unique = sorted(set(film_ids))
        for start in range(0, len(unique), chunk):  # stay under SQLite's bound-parameter limit
            part = unique[start : start + chunk]
            found.update(
                (f.id, f) for f in self.session.scalars(select(Film).where(Film.id.in_(part)))
            )
        return found

    def find_by_title(self, title_key: str, year: int | None = None) -> list[Film]:
        query = select(Film).where(Film.title_key == title_key)
        if year is not None:
            query = query.where(Film.year == year)
        return list(self.session.scalars(query.order_by(Film.year, Film.id)))

    def get(self, film_id: int) -> Film | None:
        return self.session.get(Film, film_id)

    def search(self, key: str, limit: int = SEARCH_LIMIT) -> list[Film]:
        """Films whose title key (:func:`reelmates.catalog.identity.normalise_title` of what was
        typed, given as ``key``) starts the way ``key`` does, with or without a leading article,
        exact keys first; then, while there is room, films with a later word starting so
        ("heat" finds "In the Heat of the Night"). At most ``limit``, by key then year.

        The prefix queries are ranges on ``title_key`` (its index ``ix_films_title_key_year``
        answers them): byte order on SQLite, collation "C" on PostgreSQL, where a prefix range
        is exact. Only the later-word fallback reads every title."""
        key = key.strip()
        if not key or limit <= 0:
            return []
        prefixes = [key] + [f"{a} {key}" for a in SEARCH_ARTICLES if not key.startswith(a + " ")]
        col = Film.title_key if self._dialect() == "sqlite" else Film.title_key.collate("C")
        found: dict[int, Film] = {}
        for prefix in prefixes:
            query = (
                select(Film)
                .where(col >= prefix, col < prefix + _MAX_CHAR)
                .order_by(col, Film.year, Film.id)
                .limit(limit)
            )
            for film in self.session.scalars(query):
                found.setdefault(film.id, film)
        ranked = sorted(
            found.values(),
            key=lambda f: (f.title_key not in prefixes, f.title_key, f.year or 0, f.id),
        )[:limit]
        if len(ranked) < limit:
            later = (
                select(Film)
                .where(Film.title_key.contains(f" {key}", autoescape=True))
                .order_by(Film.title_key, Film.year, Film.id)
                .limit(limit + len(ranked))
            )
            for film in self.session.scalars(later):
                if film.id not in found and len(ranked) < limit:
                    found[film.id] = film
                    ranked.append(film)
        return ranked

    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def ids_by_external(self, column: str) -> list[tuple[object, int]]:
        """(external id, film id) for every film that has one in ``column``."""
        col = getattr(Film, column)
        return [
            (ext, fid)
            for ext, fid in self.session.execute(select(col, Film.id).where(col.is_not(None)))
        ]

    def external_ids_in_use(self, column: str) -> set[object]:
        col = getattr(Film, column)
        return set(self.session.scalars(select(col).where(col.is_not(None))))

    def facts(self) -> list[FilmFacts]:
        genres: dict[int, list[str]] = {}
        for film_id, genre in self.session.execute(select(FilmGenre.film_id, FilmGenre.genre)):
            genres.setdefault(film_id, []).append(genre)
        rows = self.session.execute(
            select(
                Film.id,
                Film.title,
                Film.year,
                Film.runtime_minutes,
                Film.director,
                Film.leading_cast,
                Film.premise,
            ).order_by(Film.id)
        )
        return [
            FilmFacts(
                id=fid,
                title=title,
                year=year,
                genres=tuple(sorted(genres.get(fid, ()))),
                runtime_minutes=runtime,
                director=director,
                cast=tuple(cast.split("|")) if cast else (),
                premise=premise,
            )
            for fid, title, year, runtime, director, cast, premise in rows
        ]


class ImportRunRepository:
    """The log of imports: what came in when (one row per import, starter catalog included)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        kind: str,
        source: str,
        *,
        finished_at: datetime,
        dataset: str | None = None,
        person_id: int | None = None,
        films_added: int = 0,
        films_matched: int = 0,
        persons_added: int = 0,
        ratings_added: int = 0,
    ) -> None:
        """Log an import. A source label longer than its column keeps its end (the file name)."""
        limit = IMPORT_SOURCE_MAX
        label = source if len(source) <= limit else "…" + source[-(limit - 1) :]
        self.session.add(
            ImportRun(
                kind=kind,
                source=label,
                dataset=dataset,
                person_id=person_id,
                films_added=films_added,
                films_matched=films_matched,
                persons_added=persons_added,
                ratings_added=ratings_added,
                finished_at=finished_at,
            )
        )

    def last_id(self) -> int:
        return int(self.session.scalar(select(func.max(ImportRun.id))) or 0)

    def since(self, import_id: int) -> tuple[int, int]:
        """(imports after ``import_id``, films they added)."""
        runs, added = self.session.execute(
            select(func.count(ImportRun.id), func.sum(ImportRun.films_added)).where(
                ImportRun.id > import_id
            )
        ).one()
        return int(runs or 0), int(added or 0)

    def any_of_kind(self, kind: str) -> bool:
        query = select(ImportRun.id).where(ImportRun.kind == kind).limit(1)
        return self.session.scalar(query) is not None


class InstallationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def database_id(self) -> str:
        """This database's identity (written by the migrations)."""
        found = self.session.scalar(select(Installation.id).limit(1))
        if found is None:  # pragma: no cover - the migration writes it
            raise NotFoundError("this database has no identity row; run the migrations")
        return found
