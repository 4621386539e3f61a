"""Models of the connected media servers (Jellyfin, Emby, Plex; see 0010): the servers, their
libraries, which member is which server user, the films each library holds, the log of syncs,
and members' own marks of films they can watch without a server (on disc, on a service).

A server's ``owner_id`` is the member whose own server it is (deleting their account deletes it,
with everything below it), or NULL for the operator's server, shared with every member. Its
credentials are a Fernet token (``store.credentials``), never the key or token in clear.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from reelmates.catalog.records import TITLE_MAX_CHARS
from reelmates.store.base import Base

MEDIA_KINDS = ("jellyfin", "emby", "plex")
MARK_KINDS = ("disc", "service")
SERVER_NAME_MAX = 80
BASE_URL_MAX = 500
EXTERNAL_ID_MAX = 100  # a server's id of a library, a user or an item
LIBRARY_NAME_MAX = 200
USER_NAME_MAX = 120
WEB_URL_MAX = 1000
ERROR_MAX = 500  # characters of a sync's error message kept
NOTE_MAX = 200


class MediaServer(Base):
    __tablename__ = "media_servers"
    __table_args__ = (
        CheckConstraint("kind IN ('jellyfin', 'emby', 'plex')", name="kind_known"),
        CheckConstraint("sync_minutes IS NULL OR sync_minutes > 0", name="sync_minutes_positive"),
        Index("ix_media_servers_owner_id", "owner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(SERVER_NAME_MAX))  # shown: "Milly's Jellyfin"
    base_url: Mapped[str] = mapped_column(String(BASE_URL_MAX))
    credentials: Mapped[str] = mapped_column(Text)  # Fernet token of the API key / Plex token
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    sync_minutes: Mapped[int | None] = mapped_column(Integer)  # None: only on demand
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_sync_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_sync_ok: Mapped[bool | None] = mapped_column(Boolean)
    last_error: Mapped[str | None] = mapped_column(String(ERROR_MAX))
    last_good_sync_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:  # never the credentials
        return f"MediaServer(id={self.id!r}, kind={self.kind!r}, name={self.name!r})"


class MediaLibrary(Base):
    """A film library of a server. ``synced_at``: when the last good sync of it started (the
    next sync asks only for what changed since); None: never, so the next sync reads it all."""

    __tablename__ = "media_libraries"
    __table_args__ = (UniqueConstraint("server_id", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("media_servers.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(EXTERNAL_ID_MAX))
    name: Mapped[str] = mapped_column(String(LIBRARY_NAME_MAX))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MediaUserMap(Base):
    """A member is this server user: what that user watched and rated becomes theirs, and the
    server's libraries count as ones they can use."""

    __tablename__ = "media_user_maps"
    __table_args__ = (Index("ix_media_user_maps_person_id", "person_id"),)

    server_id: Mapped[int] = mapped_column(
        ForeignKey("media_servers.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    user_external_id: Mapped[str] = mapped_column(String(EXTERNAL_ID_MAX))
    user_name: Mapped[str] = mapped_column(String(USER_NAME_MAX))


class MediaItem(Base):
    """A film of a library, matched to a catalog film; title and year as the server said."""

    __tablename__ = "media_items"
    __table_args__ = (
        UniqueConstraint("server_id", "external_id"),
        Index("ix_media_items_library_id", "library_id"),
        Index("ix_media_items_film_id", "film_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("media_servers.id", ondelete="CASCADE"))
    library_id: Mapped[int] = mapped_column(ForeignKey("media_libraries.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(EXTERNAL_ID_MAX))
    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX_CHARS))
    year: Mapped[int | None] = mapped_column(SmallInteger)
    web_url: Mapped[str | None] = mapped_column(String(WEB_URL_MAX))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MediaSyncRun(Base):
    """One sync of a server: what it read and what became of it, or the error that stopped it
    (then nothing else changed). ``unmatched`` is JSON: the first films it could not match,
    each ``{"title", "year", "reason"}``; ``unmatched_count`` counts them all."""

    __tablename__ = "media_sync_runs"
    __table_args__ = (Index("ix_media_sync_runs_server_id", "server_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("media_servers.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    full_sync: Mapped[bool] = mapped_column(Boolean)  # True: read every film, not changes
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    matched_by_id: Mapped[int] = mapped_column(Integer, default=0)
    matched_by_title: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    unmatched_count: Mapped[int] = mapped_column(Integer, default=0)
    unmatched: Mapped[str] = mapped_column(Text, default="[]")
    error: Mapped[str | None] = mapped_column(String(ERROR_MAX))


class MediaMark(Base):
    """A member can watch this film without a server: "we own it on disc", "it's on a service I
    have" (the note says which)."""

    __tablename__ = "media_marks"
    __table_args__ = (
        CheckConstraint("kind IN ('disc', 'service')", name="kind_known"),
        Index("ix_media_marks_film_id", "film_id"),
    )

    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    film_id: Mapped[int] = mapped_column(
        ForeignKey("films.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    note: Mapped[str] = mapped_column(String(NOTE_MAX), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
