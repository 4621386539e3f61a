"""Films asked of the operator's request service: one row per service and film (see
``request_models``), read back with the name of the member who asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reelmates.store.accounts import _utc
from reelmates.store.models import Person
from reelmates.store.request_models import DETAIL_MAX, MediaRequest


@dataclass(frozen=True, slots=True)
class RequestRow:
    id: int
    service: str
    film_id: int
    night_id: int | None
    requested_by: int | None  # None once their account is gone
    requester_name: str | None
    external_id: str
    status: str
    status_detail: str | None  # the last check's problem
    created_at: datetime
    checked_at: datetime


def _aware(moment: datetime) -> datetime:
    found = _utc(moment)
    assert found is not None
    return found


class FilmRequestRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, service: str, film_id: int) -> RequestRow | None:
        row = self.session.execute(
            select(MediaRequest, func.coalesce(Person.display_name, Person.handle))
            .outerjoin(Person, Person.id == MediaRequest.requested_by)
            .where(MediaRequest.service == service, MediaRequest.film_id == film_id)
        ).first()
        if row is None:
            return None
        found, name = row
        return RequestRow(
            found.id,
            found.service,
            found.film_id,
            found.night_id,
            found.requested_by,
            None if name is None else str(name),
            found.external_id,
            found.status,
            found.status_detail,
            _aware(found.created_at),
            _aware(found.checked_at),
        )

    def record(
        self,
        *,
        service: str,
        film_id: int,
        night_id: int | None,
        requested_by: int | None,
        external_id: str,
        status: str,
        now: datetime,
    ) -> RequestRow:
        """The film's request as the service just answered. When another member's request for
        the same film was recorded meanwhile (the service answered both with the one request),
        that row is kept and brought up to date."""
        try:
            with self.session.begin_nested():
                self.session.add(
                    MediaRequest(
                        service=service,
                        film_id=film_id,
                        night_id=night_id,
                        requested_by=requested_by,
                        external_id=external_id,
                        status=status,
                        status_detail=None,
                        created_at=now,
                        checked_at=now,
                    )
                )
        except IntegrityError:
            self.update_status(service, film_id, external_id, status, None, now)
        found = self.find(service, film_id)
        assert found is not None
        return found

    def update_status(
        self,
        service: str,
        film_id: int,
        external_id: str,
        status: str,
        detail: str | None,
        now: datetime,
    ) -> None:
        row = self.session.execute(
            select(MediaRequest).where(
                MediaRequest.service == service, MediaRequest.film_id == film_id
            )
        ).scalar_one()
        row.external_id = external_id
        row.status = status
        row.status_detail = None if detail is None else detail[:DETAIL_MAX]
        row.checked_at = now
        self.session.flush()
