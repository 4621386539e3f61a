"""A member's own marks of films they can watch without a media server: "we own it on disc",
"it's on a service I have" (with a short note such as "Netflix"). Each member sets and removes
only their own (the caller's person id: no one addresses another's marks); the marks count
toward what a group including them can watch (``available``), and are shown, by the member's
display name, only to such a group."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from reelmates.errors import InvalidValueError, NotFoundError
from reelmates.store.films import FilmRepository
from reelmates.store.media_marks import MediaMarkRepository

NOTE_LIMIT = 80  # characters of a mark's note ("Netflix", "the Blu-ray box")


class MarkKind(StrEnum):
    DISC = "disc"
    SERVICE = "service"


KIND_TEXT = {MarkKind.DISC: "We own it on disc", MarkKind.SERVICE: "It's on a service I have"}


@dataclass(frozen=True, slots=True)
class MyMark:
    film_id: int
    title: str
    year: int | None
    kind: MarkKind
    note: str

    @property
    def text(self) -> str:
        """ "We own it on disc", "It's on a service I have: Netflix"."""
        said = KIND_TEXT[self.kind]
        return f"{said}: {self.note}" if self.note else said


def mark_kind(kind: str) -> MarkKind:
    try:
        return MarkKind(kind)
    except ValueError:
        raise InvalidValueError(
            f"there is no mark {kind[:40]!r}",
            hint="A mark is 'disc' (we own it on disc) or 'service' (it's on a service I have).",
        ) from None


def clean_note(note: str) -> str:
    """The note as stored: control characters out, runs of spaces one space; too long is an
    error (nothing is cut without saying)."""
    text = "".join(c if not unicodedata.category(c).startswith("C") else " " for c in note)
    text = " ".join(text.split())
    if len(text) > NOTE_LIMIT:
        raise InvalidValueError(
            f"a mark's note is at most {NOTE_LIMIT} characters; this one has {len(text)}",
            hint='Say just where, e.g. "Netflix".',
        )
    return text


def _film(session: Session, film_id: int) -> tuple[str, int | None]:
    film = FilmRepository(session).get(film_id)
    if film is None:
        raise NotFoundError(
            f"no film with id {film_id} in the catalog", hint="Search the catalog for it."
        )
    return film.title, film.year


def set_mark(
    session: Session, person_id: int, film_id: int, kind: str, note: str, now: datetime
) -> MyMark:
    """Set (or change the note of) the member's mark of ``kind`` on the film."""
    which, text = mark_kind(kind), clean_note(note)
    title, year = _film(session, film_id)
    MediaMarkRepository(session).set_mark(person_id, film_id, str(which), text, now)
    return MyMark(film_id, title, year, which, text)


def remove_mark(session: Session, person_id: int, film_id: int, kind: str) -> bool:
    """Take the member's mark off (True: there was one). Removing one not set changes nothing."""
    which = mark_kind(kind)
    _film(session, film_id)
    return MediaMarkRepository(session).remove_mark(person_id, film_id, str(which))


def my_marks(session: Session, person_id: int, film_id: int | None = None) -> list[MyMark]:
    """The member's own marks (on one film, when ``film_id`` is given), by film then kind."""
    marks = [
        m
        for m in MediaMarkRepository(session).marks_of([person_id])
        if film_id is None or m.film_id == film_id
    ]
    films = FilmRepository(session).by_ids(sorted({m.film_id for m in marks}))
    return [
        MyMark(m.film_id, films[m.film_id].title, films[m.film_id].year, MarkKind(m.kind), m.note)
        for m in marks
        if m.film_id in films
    ]
