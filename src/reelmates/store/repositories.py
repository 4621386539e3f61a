"""Repositories: the queries the services need, named for what they mean. The only SQL lives here
and in :mod:`reelmates.store.bulk`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from reelmates.errors import ConflictError, NotFoundError
from reelmates.store.models import (
    DISPLAY_NAME_MAX,
    IMPORT_SOURCE_MAX,
    Film,
    FilmGenre,
    FilmVeto,
    GenreVeto,
    ImportRun,
    Installation,
    Person,
    Rating,
    SeenMark,
    WatchlistEntry,
)

SEARCH_LIMIT = 36
# Title keys keep a leading article ("the dark knight"): a search for "dark knight" tries these.
SEARCH_ARTICLES = ("the", "a", "an")
_MAX_CHAR = "\U0010ffff"  # sorts after every character (UTF-8 bytes and code points alike)


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


@dataclass(frozen=True, slots=True)
class RatingsSnapshot:
    """All ratings as parallel arrays: what a taste model is fitted on."""

    person_ids: NDArray[np.int64]
    film_ids: NDArray[np.int64]
    stars: NDArray[np.float32]

    def __len__(self) -> int:
        return len(self.stars)


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


@dataclass(frozen=True, slots=True)
class PersonPreferences:
    """What a member keeps with them for every group: privacy and absolute vetoes."""

    private: bool
    vetoed_genres: frozenset[str]
    vetoed_films: frozenset[int]


@dataclass(frozen=True, slots=True)
class MemberSummary:
    """One member as ``reelmates people`` lists them."""

    id: int
    handle: str
    display_name: str
    private: bool
    ratings: int
    vetoed_genres: tuple[str, ...]
    vetoed_films: tuple[tuple[str, int | None], ...]  # (title, year), by title


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


class PersonRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_handle(self, handle: str) -> Person | None:
        """A member by their handle in any case, or a community rater by their exact handle."""
        found = self.session.scalar(select(Person).where(Person.handle_key == handle.casefold()))
        return found or self.session.scalar(select(Person).where(Person.handle == handle))

    def require(self, handle: str) -> Person:
        person = self.by_handle(handle)
        if person is None:
            raise NotFoundError(
                f"no person called {handle!r}", hint="Import their ratings or add them first."
            )
        return person

    def get_or_create_member(self, handle: str) -> tuple[Person, bool]:
        person = self.by_handle(handle)
        if person is not None:
            if person.kind != "member":
                raise ConflictError(
                    f"{handle!r} is a community rater imported from {person.source}",
                    hint="Choose another name for this person.",
                )
            return person, False
        person = Person(
            handle=handle,
            handle_key=handle.casefold(),
            display_name=handle[:DISPLAY_NAME_MAX],
            kind="member",
            source=None,
        )
        self.session.add(person)
        self.session.flush()
        return person, True

    def preferences(self, person_id: int) -> PersonPreferences:
        person = self.session.get(Person, person_id)
        if person is None:
            raise NotFoundError(f"no person with id {person_id}")
        genres = self.session.scalars(
            select(GenreVeto.genre).where(GenreVeto.person_id == person_id)
        )
        films = self.session.scalars(
            select(FilmVeto.film_id).where(FilmVeto.person_id == person_id)
        )
        return PersonPreferences(bool(person.private), frozenset(genres), frozenset(films))

    def add_member(self, handle: str, display_name: str) -> Person:
        """A new member; the caller checked the handle is free in any case."""
        person = Person(
            handle=handle,
            handle_key=handle.casefold(),
            display_name=display_name,
            kind="member",
            source=None,
        )
        self.session.add(person)
        self.session.flush()
        return person

    def set_display_name(self, person_id: int, display_name: str) -> None:
        self.session.execute(
            update(Person).where(Person.id == person_id).values(display_name=display_name)
        )

    def members(self) -> list[MemberSummary]:
        """Every member with their ratings count and vetoes, by handle (case-free)."""
        counts = (
            select(Rating.person_id, func.count().label("n"))
            .join(Person, Person.id == Rating.person_id)
            .where(Person.kind == "member")
            .group_by(Rating.person_id)
            .subquery()
        )
        rows = self.session.execute(
            select(
                Person.id,
                Person.handle,
                Person.display_name,
                Person.private,
                func.coalesce(counts.c.n, 0),
            )
            .outerjoin(counts, counts.c.person_id == Person.id)
            .where(Person.kind == "member")
            .order_by(Person.handle_key, Person.id)
        ).all()
        genres: dict[int, list[str]] = {}
        for pid, genre in self.session.execute(
            select(GenreVeto.person_id, GenreVeto.genre).order_by(GenreVeto.genre)
        ):
            genres.setdefault(pid, []).append(genre)
        films: dict[int, list[tuple[str, int | None]]] = {}
        for pid, title, year in self.session.execute(
            select(FilmVeto.person_id, Film.title, Film.year)
            .join(Film, Film.id == FilmVeto.film_id)
            .order_by(Film.title, Film.year)
        ):
            films.setdefault(pid, []).append((title, year))
        return [
            MemberSummary(
                id=pid,
                handle=handle,
                display_name=name or handle,
                private=bool(private),
                ratings=int(n),
                vetoed_genres=tuple(genres.get(pid, ())),
                vetoed_films=tuple(films.get(pid, ())),
            )
            for pid, handle, name, private, n in rows
        ]

    def catalog_genres(self) -> list[str]:
        """The genres the catalog knows (what a member can veto)."""
        return list(
            self.session.scalars(select(FilmGenre.genre).distinct().order_by(FilmGenre.genre))
        )

    def veto_genre(self, person_id: int, genre: str) -> bool:
        """True when the veto is new."""
        if self.session.get(GenreVeto, (person_id, genre)) is not None:
            return False
        self.session.add(GenreVeto(person_id=person_id, genre=genre))
        self.session.flush()
        return True

    def unveto_genre(self, person_id: int, genre: str) -> bool:
        """True when there was such a veto."""
        result = self.session.execute(
            delete(GenreVeto).where(GenreVeto.person_id == person_id, GenreVeto.genre == genre)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def veto_film(self, person_id: int, film_id: int) -> bool:
        if self.session.get(FilmVeto, (person_id, film_id)) is not None:
            return False
        self.session.add(FilmVeto(person_id=person_id, film_id=film_id))
        self.session.flush()
        return True

    def unveto_film(self, person_id: int, film_id: int) -> bool:
        result = self.session.execute(
            delete(FilmVeto).where(FilmVeto.person_id == person_id, FilmVeto.film_id == film_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def count_from_source(self, source: str) -> int:
        return (
            self.session.scalar(
                select(func.count()).select_from(Person).where(Person.source == source)
            )
            or 0
        )

    def delete_from_source(self, source: str) -> int:
        """Remove a dataset's community raters; their ratings go with them (ON DELETE CASCADE)."""
        ids = select(Person.id).where(Person.source == source).scalar_subquery()
        # Explicit child deletes: cheaper than row-by-row cascades and dialect independent.
        self.session.execute(delete(Rating).where(Rating.person_id.in_(ids)))
        result = self.session.execute(delete(Person).where(Person.source == source))
        return int(result.rowcount)  # type: ignore[attr-defined]


class RatingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Rating)) or 0

    def set_rating(self, person_id: int, film_id: int, stars: float, rated_at: int | None) -> None:
        half = half_stars(stars)
        existing = self.session.get(Rating, (person_id, film_id))
        if existing is None:
            self.session.add(
                Rating(person_id=person_id, film_id=film_id, half_stars=half, rated_at=rated_at)
            )
        else:
            existing.half_stars = half
            existing.rated_at = rated_at

    def replace_for_person(
        self, person_id: int, wanted: Mapping[int, tuple[float, int | None]]
    ) -> list[int]:
        """Make the person's ratings exactly ``wanted`` (film id → stars, rated_at); returns the
        films whose ratings were removed."""
        existing = {
            r.film_id: r
            for r in self.session.scalars(select(Rating).where(Rating.person_id == person_id))
        }
        removed = sorted(set(existing) - set(wanted))
        _delete_films(self.session, Rating, person_id, removed)
        for film_id, (stars, rated_at) in wanted.items():
            row = existing.get(film_id)
            if row is None:
                self.session.add(
                    Rating(
                        person_id=person_id,
                        film_id=film_id,
                        half_stars=half_stars(stars),
                        rated_at=rated_at,
                    )
                )
            else:
                row.half_stars, row.rated_at = half_stars(stars), rated_at
        self.session.flush()
        return removed

    def delete_rating(self, person_id: int, film_id: int) -> None:
        self.session.execute(
            delete(Rating).where(Rating.person_id == person_id, Rating.film_id == film_id)
        )

    def stars_of(self, person_id: int, film_id: int) -> float | None:
        """The person's rating of one film, or None."""
        row = self.session.get(Rating, (person_id, film_id))
        return None if row is None else row.half_stars / 2

    def for_person(self, person_id: int) -> list[tuple[int, float]]:
        rows = self.session.execute(
            select(Rating.film_id, Rating.half_stars).where(Rating.person_id == person_id)
        )
        return [(film_id, half / 2) for film_id, half in rows]

    def dated_for_person(self, person_id: int) -> list[tuple[int, float, int | None]]:
        """(film id, stars, rated_at) of each of the person's ratings, by film id."""
        rows = self.session.execute(
            select(Rating.film_id, Rating.half_stars, Rating.rated_at)
            .where(Rating.person_id == person_id)
            .order_by(Rating.film_id)
        )
        return [(film_id, half / 2, rated_at) for film_id, half, rated_at in rows]

    def snapshot(self, batch: int = 200_000) -> RatingsSnapshot:
        """Every rating as arrays, streamed in batches so memory stays near the arrays' size."""
        total = self.count()
        persons = np.empty(total, dtype=np.int64)
        films = np.empty(total, dtype=np.int64)
        halves = np.empty(total, dtype=np.int16)
        filled = 0
        result = self.session.execute(
            select(Rating.person_id, Rating.film_id, Rating.half_stars).execution_options(
                yield_per=batch
            )
        )
        for chunk in result.partitions():
            arr = np.asarray(chunk, dtype=np.int64).reshape(-1, 3)
            end = min(filled + len(arr), total)
            take = end - filled
            persons[filled:end] = arr[:take, 0]
            films[filled:end] = arr[:take, 1]
            halves[filled:end] = arr[:take, 2]
            filled = end
        return RatingsSnapshot(
            persons[:filled], films[:filled], halves[:filled].astype(np.float32) / np.float32(2)
        )


class MarkRepository:
    """Seen marks and watchlist entries."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def mark_seen(self, person_id: int, film_id: int, on: date | None) -> None:
        if self.session.get(SeenMark, (person_id, film_id)) is None:
            self.session.add(SeenMark(person_id=person_id, film_id=film_id, seen_on=on))

    def add_to_watchlist(self, person_id: int, film_id: int, on: date | None) -> None:
        if self.session.get(WatchlistEntry, (person_id, film_id)) is None:
            self.session.add(WatchlistEntry(person_id=person_id, film_id=film_id, added_on=on))

    def unmark_seen(self, person_id: int, film_id: int) -> bool:
        """True when there was such a mark."""
        result = self.session.execute(
            delete(SeenMark).where(SeenMark.person_id == person_id, SeenMark.film_id == film_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def remove_from_watchlist(self, person_id: int, film_id: int) -> bool:
        """True when the film was on the watchlist."""
        result = self.session.execute(
            delete(WatchlistEntry).where(
                WatchlistEntry.person_id == person_id, WatchlistEntry.film_id == film_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def film_marks(self, person_id: int, film_id: int) -> tuple[bool, bool]:
        """(marked seen, on the watchlist) for one film."""
        return (
            self.session.get(SeenMark, (person_id, film_id)) is not None,
            self.session.get(WatchlistEntry, (person_id, film_id)) is not None,
        )

    def replace_seen(self, person_id: int, wanted: Mapping[int, date | None]) -> list[int]:
        """Make the person's seen marks exactly ``wanted`` (film id → date); returns the films
        whose marks were removed."""
        return _replace_dated(self.session, SeenMark, "seen_on", person_id, wanted)

    def replace_watchlist(self, person_id: int, wanted: Mapping[int, date | None]) -> list[int]:
        """Make the person's watchlist exactly ``wanted`` (film id → date added); returns the
        films taken off it."""
        return _replace_dated(self.session, WatchlistEntry, "added_on", person_id, wanted)

    def seen_dated(self, person_id: int) -> dict[int, date | None]:
        """Film id → the day seen (None: not known), of the person's seen marks."""
        rows = self.session.execute(
            select(SeenMark.film_id, SeenMark.seen_on).where(SeenMark.person_id == person_id)
        )
        return dict(rows.tuples().all())

    def watchlist_dated(self, person_id: int) -> dict[int, date | None]:
        """Film id → the day it went on the person's watchlist (None: not known)."""
        rows = self.session.execute(
            select(WatchlistEntry.film_id, WatchlistEntry.added_on).where(
                WatchlistEntry.person_id == person_id
            )
        )
        return dict(rows.tuples().all())

    def seen(self, person_id: int) -> set[int]:
        return set(
            self.session.scalars(select(SeenMark.film_id).where(SeenMark.person_id == person_id))
        )

    def watchlist(self, person_id: int) -> set[int]:
        return set(
            self.session.scalars(
                select(WatchlistEntry.film_id).where(WatchlistEntry.person_id == person_id)
            )
        )


def _replace_dated(
    session: Session,
    model: type[SeenMark] | type[WatchlistEntry],
    date_column: str,
    person_id: int,
    wanted: Mapping[int, date | None],
) -> list[int]:
    """A person's rows of ``model`` made exactly ``wanted`` (film id → date); the removed films."""
    query = select(model).where(model.person_id == person_id)
    rows = cast("list[SeenMark | WatchlistEntry]", list(session.scalars(query)))
    existing = {row.film_id: row for row in rows}
    removed = sorted(set(existing) - set(wanted))
    _delete_films(session, model, person_id, removed)
    for film_id, on in wanted.items():
        row = existing.get(film_id)
        if row is None:
            session.add(model(person_id=person_id, film_id=film_id, **{date_column: on}))
        else:
            setattr(row, date_column, on)
    session.flush()
    return removed


def _delete_films(
    session: Session,
    model: type[Rating] | type[SeenMark] | type[WatchlistEntry],
    person_id: int,
    film_ids: Sequence[int],
    chunk: int = 500,
) -> None:
    for start in range(0, len(film_ids), chunk):
        session.execute(
            delete(model).where(
                model.person_id == person_id, model.film_id.in_(film_ids[start : start + chunk])
            )
        )


def half_stars(stars: float) -> int:
    half = round(stars * 2)
    if abs(half - stars * 2) > 1e-6 or not 1 <= half <= 10:
        raise ValueError(f"{stars} is not a rating from 0.5 to 5 in half stars")
    return int(half)
