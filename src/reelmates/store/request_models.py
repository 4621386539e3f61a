"""The model of films asked of the operator's request service (Radarr, or Jellyseerr/Overseerr;
see 0011): one row per service and film, so asking twice never sends twice.

``night_id`` is the night it was first asked from, ``requested_by`` the member who asked; both
``SET NULL``: the request stands on the service whatever becomes of the night or the account
(deleting an account keeps the row for the night's other members, without them).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from reelmates.store.base import Base

REQUEST_SERVICES = ("radarr", "jellyseerr")
REQUEST_STATES = ("pending", "wanted", "available", "declined", "unmonitored")
EXTERNAL_ID_MAX = 100
DETAIL_MAX = 500  # characters of a failed check's message kept


class MediaRequest(Base):
    """A film asked of a service: the service's id of it, its state when last checked, and the
    last check's problem (None: the last check went through)."""

    __tablename__ = "media_requests"
    __table_args__ = (
        CheckConstraint("service IN ('radarr', 'jellyseerr')", name="service_known"),
        CheckConstraint(
            "status IN ('pending', 'wanted', 'available', 'declined', 'unmonitored')",
            name="status_known",
        ),
        UniqueConstraint("service", "film_id"),
        Index("ix_media_requests_film_id", "film_id"),
        Index("ix_media_requests_night_id", "night_id"),
        Index("ix_media_requests_requested_by", "requested_by"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service: Mapped[str] = mapped_column(String(12))
    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"))
    night_id: Mapped[int | None] = mapped_column(ForeignKey("nights.id", ondelete="SET NULL"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    external_id: Mapped[str] = mapped_column(String(EXTERNAL_ID_MAX))
    status: Mapped[str] = mapped_column(String(12))
    status_detail: Mapped[str | None] = mapped_column(String(DETAIL_MAX))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
