"""People: members and community raters, their handles, privacy and vetoes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from reelmates.errors import ConflictError, NotFoundError
from reelmates.store.models import (
    DISPLAY_NAME_MAX,
    Film,
    FilmGenre,
    FilmVeto,
    GenreVeto,
    Person,
    Rating,
)


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

    def require_many(self, handles: Sequence[str]) -> list[Person]:
        """:meth:`require` for each handle, in one query (the group pick's hot path)."""
        keys = {h.casefold() for h in handles}
        rows = self.session.scalars(
            select(Person).where(or_(Person.handle_key.in_(keys), Person.handle.in_(set(handles))))
        ).all()
        by_key = {p.handle_key: p for p in rows if p.handle_key is not None}
        exact = {p.handle: p for p in rows}
        found = []
        for handle in handles:
            person = by_key.get(handle.casefold()) or exact.get(handle)
            if person is None:
                return [self.require(handle)]  # raises the one message for a missing person
            found.append(person)
        return found

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

    def preferences_of(self, people: Sequence[Person]) -> dict[int, PersonPreferences]:
        """:meth:`preferences` of persons already loaded, in two queries for all of them."""
        ids = [p.id for p in people]
        genres: dict[int, set[str]] = {i: set() for i in ids}
        films: dict[int, set[int]] = {i: set() for i in ids}
        for person_id, genre in self.session.execute(
            select(GenreVeto.person_id, GenreVeto.genre).where(GenreVeto.person_id.in_(ids))
        ):
            genres[person_id].add(genre)
        for person_id, film_id in self.session.execute(
            select(FilmVeto.person_id, FilmVeto.film_id).where(FilmVeto.person_id.in_(ids))
        ):
            films[person_id].add(film_id)
        return {
            p.id: PersonPreferences(
                bool(p.private), frozenset(genres[p.id]), frozenset(films[p.id])
            )
            for p in people
        }

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

    def set_handle(self, person_id: int, handle: str) -> None:
        """A member's new handle; the caller checked it is free in any case."""
        self.session.execute(
            update(Person)
            .where(Person.id == person_id)
            .values(handle=handle, handle_key=handle.casefold())
        )

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
