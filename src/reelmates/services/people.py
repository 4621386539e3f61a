"""Members: adding them, listing them, their privacy and their vetoes.

Every function takes a Session: the caller opens :func:`reelmates.services.uow.unit_of_work`.
"""

from __future__ import annotations

import difflib

from sqlalchemy.orm import Session

from reelmates.errors import ConflictError, NotFoundError, ReelmatesError
from reelmates.store.films import FilmRepository
from reelmates.store.models import DISPLAY_NAME_MAX, HANDLE_MAX, Person
from reelmates.store.people import MemberSummary, PersonRepository

HANDLE_PUNCTUATION = "._-"
# Words an account's handle cannot be: the web app's fixed addresses beside a friend's page
# (``/friends/{handle}``, ``/api/friends/{handle}``), which would hide that friend's page.
RESERVED_HANDLES = frozenset(
    {"accept", "accept-code", "code", "decline", "invites", "join", "join-as-guest", "remove"}
)
LIST_HINT = "`reelmates people` lists them"


def check_handle(handle: str) -> str:
    """The handle as stored (surrounding blanks removed), or an error saying what is wrong."""
    cleaned = handle.strip()
    if not cleaned:
        raise ReelmatesError("a handle cannot be empty", hint="e.g. `reelmates people add jess`")
    bad = sorted({c for c in cleaned if not (c.isalnum() or c in HANDLE_PUNCTUATION)})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise ReelmatesError(
            f"the handle {cleaned!r} has characters a handle cannot have: {shown}",
            hint="Use letters, digits, '.', '_' and '-' (put spaces in the display name).",
        )
    if len(cleaned) > HANDLE_MAX:
        raise ReelmatesError(
            f"the handle is {len(cleaned)} characters long; at most {HANDLE_MAX} fit"
        )
    return cleaned


def check_account_handle(handle: str) -> str:
    """:func:`check_handle`, and not one of the :data:`RESERVED_HANDLES` (in any case): for a
    member with an account (sign-up, keeping a guest's account, an operator made by hand)."""
    cleaned = check_handle(handle)
    if cleaned.casefold() in RESERVED_HANDLES:
        raise ReelmatesError(
            f"the handle {cleaned!r} is reserved: the web app uses it in its addresses",
            hint="Choose another handle (adding a letter or a digit will do).",
        )
    return cleaned


def add_member(session: Session, handle: str, display_name: str | None = None) -> MemberSummary:
    handle = check_handle(handle)
    name = handle if display_name is None or not display_name.strip() else display_name.strip()
    if len(name) > DISPLAY_NAME_MAX:
        raise ReelmatesError(
            f"the display name is {len(name)} characters long; at most {DISPLAY_NAME_MAX} fit"
        )
    persons = PersonRepository(session)
    taken = persons.by_handle(handle)
    if taken is not None:
        raise ConflictError(
            f"the handle {handle!r} is taken (by {taken.handle!r})",
            hint="Handles are the same in any case; choose another.",
        )
    person = persons.add_member(handle, name)
    return MemberSummary(person.id, person.handle, name, False, 0, (), ())


def list_people(session: Session) -> list[MemberSummary]:
    return PersonRepository(session).members()


def set_private(session: Session, handle: str, private: bool) -> None:
    _member(session, handle).private = private
    session.flush()


def veto_genre(session: Session, handle: str, genre: str) -> bool:
    """True when the veto is new (vetoing twice is harmless)."""
    person = _member(session, handle)
    return PersonRepository(session).veto_genre(person.id, _known_genre(session, genre))


def unveto_genre(session: Session, handle: str, genre: str) -> bool:
    """True when there was such a veto."""
    person = _member(session, handle)
    persons = PersonRepository(session)
    wanted = genre.strip().casefold()
    vetoed = persons.preferences(person.id).vetoed_genres
    # A veto of a genre the catalog no longer has can still be lifted.
    match = next((g for g in vetoed if g.casefold() == wanted), None)
    if match is None:
        match = _known_genre(session, genre)
    return persons.unveto_genre(person.id, match)


def veto_film(session: Session, handle: str, film_id: int) -> bool:
    person = _member(session, handle)
    _require_film(session, film_id)
    return PersonRepository(session).veto_film(person.id, film_id)


def unveto_film(session: Session, handle: str, film_id: int) -> bool:
    person = _member(session, handle)
    return PersonRepository(session).unveto_film(person.id, film_id)


def _member(session: Session, handle: str) -> Person:
    person = PersonRepository(session).by_handle(handle)
    if person is None or person.kind != "member":
        raise NotFoundError(f"no member called {handle!r}", hint=LIST_HINT)
    return person


def _known_genre(session: Session, genre: str) -> str:
    """The catalog's spelling of ``genre`` (any case), or an error naming the near ones."""
    known = PersonRepository(session).catalog_genres()
    wanted = genre.strip().casefold()
    for g in known:
        if g.casefold() == wanted:
            return g
    by_key = {g.casefold(): g for g in known}
    near = [by_key[k] for k in difflib.get_close_matches(wanted, list(by_key), n=3, cutoff=0.6)]
    hint = (
        f"Did you mean {', '.join(near)}?"
        if near
        else f"The catalog's genres: {', '.join(known)}."
        if known
        else "The catalog has no genres yet: import films first."
    )
    raise NotFoundError(f"the catalog has no genre {genre!r}", hint=hint)


def _require_film(session: Session, film_id: int) -> None:
    if film_id not in FilmRepository(session).by_ids([film_id]):
        raise NotFoundError(f"no film with id {film_id} in the catalog")
