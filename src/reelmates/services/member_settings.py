"""A member's own settings, as their settings page shows and changes them: display name, private
taste (see :mod:`reelmates.privacy`), genre and film vetoes.

Every function acts for the caller (an :class:`~reelmates.services.accounts.Identity`) on their
own person only: there is no way to name someone else.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from reelmates.catalog.identity import split_title_year
from reelmates.errors import NotFoundError, ReelmatesError
from reelmates.privacy import rule_text
from reelmates.services import people
from reelmates.services.accounts import Identity
from reelmates.services.films import catalog_matcher
from reelmates.store.films import FilmRepository
from reelmates.store.models import DISPLAY_NAME_MAX
from reelmates.store.people import PersonRepository


@dataclass(frozen=True, slots=True)
class VetoedFilm:
    film_id: int
    title: str
    year: int | None

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


@dataclass(frozen=True, slots=True)
class MemberSettings:
    handle: str
    display_name: str
    private: bool
    vetoed_genres: tuple[str, ...]
    vetoed_films: tuple[VetoedFilm, ...]  # by title
    genres: tuple[str, ...]  # the catalog's genres, to choose a veto from
    privacy_rule: tuple[str, ...]  # what "private" means, in paragraphs


def settings_of(session: Session, me: Identity) -> MemberSettings:
    persons = PersonRepository(session)
    person = persons.preferences(me.person_id)
    found = FilmRepository(session).by_ids(sorted(person.vetoed_films))
    films = sorted(
        (VetoedFilm(f.id, f.title, f.year) for f in found.values()),
        key=lambda f: (f.title.casefold(), f.year or 0),
    )
    row = persons.by_handle(me.holder.handle)
    display_name = (row.display_name if row else None) or me.holder.handle
    return MemberSettings(
        handle=me.holder.handle,
        display_name=display_name,
        private=person.private,
        vetoed_genres=tuple(sorted(person.vetoed_genres, key=str.casefold)),
        vetoed_films=tuple(films),
        genres=tuple(persons.catalog_genres()),
        privacy_rule=tuple(rule_text()),
    )


def update_settings(
    session: Session,
    me: Identity,
    *,
    display_name: str | None = None,
    private: bool | None = None,
) -> MemberSettings:
    """Change what is given (None: leave it); returns the settings as they now are."""
    if display_name is not None:
        name = display_name.strip()
        if not name:
            raise ReelmatesError(
                "a display name cannot be empty", hint="It is how friends see you: e.g. Jess."
            )
        if len(name) > DISPLAY_NAME_MAX:
            raise ReelmatesError(
                f"the display name is {len(name)} characters long; at most {DISPLAY_NAME_MAX} fit"
            )
        PersonRepository(session).set_display_name(me.person_id, name)
    if private is not None:
        people.set_private(session, me.holder.handle, private)
    session.flush()
    return settings_of(session, me)


def veto_genre(session: Session, me: Identity, genre: str) -> bool:
    return people.veto_genre(session, me.holder.handle, genre)


def unveto_genre(session: Session, me: Identity, genre: str) -> bool:
    return people.unveto_genre(session, me.holder.handle, genre)


def veto_film(session: Session, me: Identity, film_id: int) -> bool:
    return people.veto_film(session, me.holder.handle, film_id)


def unveto_film(session: Session, me: Identity, film_id: int) -> bool:
    return people.unveto_film(session, me.holder.handle, film_id)


def find_film(session: Session, text: str) -> int:
    """The catalog film ``text`` names ("Heat (1995)" or "Heat"), or an error with the film it
    most likely meant."""
    title, year = split_title_year(text.strip())
    if not title:
        raise ReelmatesError("name a film", hint="e.g. The Godfather (1972)")
    films = FilmRepository(session)
    matcher = catalog_matcher(films)
    found = matcher.match_title(title, year)
    if found is not None:
        return found
    guess = matcher.suggest(title, year)
    hint = None
    if guess is not None:
        film = films.by_ids([guess])[guess]
        hint = f"Did you mean {film.title} ({film.year})?" if film.year else None
    raise NotFoundError(f"the catalog has no film {text.strip()!r}", hint=hint)
