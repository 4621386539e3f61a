"""Members' own marks of films they can watch without a media server: "we own it on disc",
"it's on a service I have" (the note says which)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from reelmates.store.media_models import MediaMark
from reelmates.store.models import Person


@dataclass(frozen=True, slots=True)
class MarkInfo:
    person_id: int
    person_name: str
    film_id: int
    kind: str  # disc | service
    note: str


class MediaMarkRepository:
    """Members' own marks: a film they can watch without a server."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def set_mark(self, person_id: int, film_id: int, kind: str, note: str, now: datetime) -> None:
        row = self.session.get(MediaMark, (person_id, film_id, kind))
        if row is None:
            self.session.add(
                MediaMark(
                    person_id=person_id, film_id=film_id, kind=kind, note=note, created_at=now
                )
            )
        else:
            row.note = note
        self.session.flush()

    def remove_mark(self, person_id: int, film_id: int, kind: str) -> bool:
        result = self.session.execute(
            delete(MediaMark).where(
                MediaMark.person_id == person_id,
                MediaMark.film_id == film_id,
                MediaMark.kind == kind,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    def marks_of(self, person_ids: Sequence[int]) -> list[MarkInfo]:
        ids = sorted({int(i) for i in person_ids})
        rows = self.session.execute(
            select(
                MediaMark.person_id,
                func.coalesce(Person.display_name, Person.handle),
                MediaMark.film_id,
                MediaMark.kind,
                MediaMark.note,
            )
            .join(Person, Person.id == MediaMark.person_id)
            .where(MediaMark.person_id.in_(ids))
            .order_by(MediaMark.film_id, MediaMark.person_id, MediaMark.kind)
        )
        return [MarkInfo(int(p), str(n), int(f), str(k), str(t)) for p, n, f, k, t in rows]
