"""Connected media servers: the servers (credentials only ever encrypted), their libraries, the
members mapped to their users, the films each library holds, the log of syncs, and members'
own "on disc" / "on a service" marks. See ``media_models.py`` for the tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import SecretStr
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from reelmates.errors import NotFoundError
from reelmates.store.credentials import CredentialCipher
from reelmates.store.media_models import (
    ERROR_MAX,
    MediaItem,
    MediaLibrary,
    MediaServer,
    MediaSyncRun,
    MediaUserMap,
)
from reelmates.store.models import Person

_CHUNK = 500  # ids per IN (...): well under SQLite's bound-parameter limit


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """A connected server as pages and the sync see it: everything but the credentials."""

    id: int
    kind: str
    name: str
    base_url: str
    owner_id: int | None  # None: the operator's, shared with every member
    sync_minutes: int | None
    created_at: datetime
    last_sync_at: datetime | None
    last_sync_ok: bool | None
    last_error: str | None
    last_good_sync_at: datetime | None


@dataclass(frozen=True, slots=True)
class LibraryInfo:
    id: int
    external_id: str
    name: str
    enabled: bool
    synced_at: datetime | None


@dataclass(frozen=True, slots=True)
class UserMapping:
    person_id: int
    user_external_id: str
    user_name: str


@dataclass(frozen=True, slots=True)
class ItemRow:
    id: int
    library_id: int
    external_id: str
    film_id: int


@dataclass(frozen=True, slots=True)
class ItemWrite:
    """A library's film as the sync writes it: inserted, or updated by (server, external id)."""

    library_id: int
    external_id: str
    film_id: int
    title: str
    year: int | None
    web_url: str | None
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class SyncRunInfo:
    id: int
    started_at: datetime
    finished_at: datetime
    full_sync: bool
    fetched: int
    matched_by_id: int
    matched_by_title: int
    added: int
    removed: int
    unmatched_count: int
    unmatched: str  # JSON
    error: str | None


@dataclass(frozen=True, slots=True)
class ServerPlace:
    """A film in an enabled library of a server (one row per film and server)."""

    film_id: int
    server_id: int
    web_url: str | None


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without a zone; every one written here is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _utc_known(moment: datetime) -> datetime:
    found = _utc(moment)
    assert found is not None
    return found


def _server_info(row: MediaServer) -> ServerInfo:
    return ServerInfo(
        id=row.id,
        kind=row.kind,
        name=row.name,
        base_url=row.base_url,
        owner_id=row.owner_id,
        sync_minutes=row.sync_minutes,
        created_at=_utc_known(row.created_at),
        last_sync_at=_utc(row.last_sync_at),
        last_sync_ok=row.last_sync_ok,
        last_error=row.last_error,
        last_good_sync_at=_utc(row.last_good_sync_at),
    )


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


class MediaServerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- servers -------------------------------------------------------------------------

    def add(
        self,
        *,
        kind: str,
        name: str,
        base_url: str,
        credentials: SecretStr,
        cipher: CredentialCipher,
        owner_id: int | None,
        sync_minutes: int | None,
        now: datetime,
    ) -> int:
        row = MediaServer(
            kind=kind,
            name=name,
            base_url=base_url,
            credentials=cipher.encrypt(credentials),
            owner_id=owner_id,
            sync_minutes=sync_minutes,
            created_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def _row(self, server_id: int) -> MediaServer:
        row = self.session.get(MediaServer, server_id)
        if row is None:
            raise NotFoundError(f"there is no media server {server_id}")
        return row

    def get(self, server_id: int) -> ServerInfo | None:
        row = self.session.get(MediaServer, server_id)
        return None if row is None else _server_info(row)

    def all(self) -> list[ServerInfo]:
        return [
            _server_info(r)
            for r in self.session.scalars(select(MediaServer).order_by(MediaServer.id))
        ]

    def decrypt_credentials(self, server_id: int, cipher: CredentialCipher) -> SecretStr:
        """The server's API key or token in clear, for its client only."""
        return cipher.decrypt(self._row(server_id).credentials)

    def set_credentials(
        self, server_id: int, credentials: SecretStr, cipher: CredentialCipher
    ) -> None:
        self._row(server_id).credentials = cipher.encrypt(credentials)

    def set_schedule(self, server_id: int, sync_minutes: int | None) -> None:
        self._row(server_id).sync_minutes = sync_minutes

    def record_sync(self, server_id: int, at: datetime, *, error: str | None) -> None:
        """The outcome of a sync that started ``at``: good (``error`` None) or not."""
        row = self._row(server_id)
        row.last_sync_at, row.last_sync_ok = at, error is None
        row.last_error = None if error is None else error[:ERROR_MAX]
        if error is None:
            row.last_good_sync_at = at

    def delete(self, server_id: int) -> bool:
        result = self.session.execute(delete(MediaServer).where(MediaServer.id == server_id))
        return bool(getattr(result, "rowcount", 0))

    def usable_by(self, person_ids: Sequence[int]) -> list[ServerInfo]:
        """Servers any of ``person_ids`` can use: shared ones, their own, those they are on."""
        ids = sorted({int(i) for i in person_ids})
        mapped = select(MediaUserMap.server_id).where(MediaUserMap.person_id.in_(ids))
        query = select(MediaServer).where(
            or_(
                MediaServer.owner_id.is_(None),
                MediaServer.owner_id.in_(ids),
                MediaServer.id.in_(mapped),
            )
        )
        return [_server_info(r) for r in self.session.scalars(query.order_by(MediaServer.id))]

    def names(self, person_ids: Iterable[int]) -> dict[int, str]:
        """Display name (else handle) of each person, as places name them."""
        ids = sorted({int(i) for i in person_ids})
        rows = self.session.execute(
            select(Person.id, func.coalesce(Person.display_name, Person.handle)).where(
                Person.id.in_(ids)
            )
        )
        return {int(pid): str(name) for pid, name in rows}

    # --- libraries -----------------------------------------------------------------------

    def libraries(self, server_id: int) -> list[LibraryInfo]:
        query = select(MediaLibrary).where(MediaLibrary.server_id == server_id)
        return [
            LibraryInfo(r.id, r.external_id, r.name, r.enabled, _utc(r.synced_at))
            for r in self.session.scalars(query.order_by(MediaLibrary.id))
        ]

    def replace_libraries(self, server_id: int, found: Sequence[tuple[str, str]]) -> int:
        """Make the server's libraries those ``found`` ((external id, name)): new ones enabled,
        known ones renamed and keeping their setting, gone ones deleted with their films.
        Returns how many films went with them."""
        wanted = dict(found)
        rows = {
            r.external_id: r
            for r in self.session.scalars(
                select(MediaLibrary).where(MediaLibrary.server_id == server_id)
            )
        }
        gone = [r.id for ext, r in rows.items() if ext not in wanted]
        removed = 0
        for part in _chunks(gone):
            removed += int(
                self.session.scalar(
                    select(func.count())
                    .select_from(MediaItem)
                    .where(MediaItem.library_id.in_(part))
                )
                or 0
            )
            self.session.execute(delete(MediaItem).where(MediaItem.library_id.in_(part)))
            self.session.execute(delete(MediaLibrary).where(MediaLibrary.id.in_(part)))
        for ext, name in wanted.items():
            row = rows.get(ext)
            if row is None:
                self.session.add(MediaLibrary(server_id=server_id, external_id=ext, name=name))
            elif row.name != name:
                row.name = name
        self.session.flush()
        return removed

    def set_library_enabled(self, server_id: int, external_id: str, enabled: bool) -> bool:
        result = self.session.execute(
            update(MediaLibrary)
            .where(MediaLibrary.server_id == server_id, MediaLibrary.external_id == external_id)
            .values(enabled=enabled, synced_at=None)  # enabled again: read it all next time
        )
        return bool(getattr(result, "rowcount", 0))

    def mark_library_synced(self, library_id: int, at: datetime) -> None:
        self.session.execute(
            update(MediaLibrary).where(MediaLibrary.id == library_id).values(synced_at=at)
        )

    # --- members and server users ----------------------------------------------------------

    def map_user(self, server_id: int, person_id: int, user_external_id: str, name: str) -> None:
        row = self.session.get(MediaUserMap, (server_id, person_id))
        if row is None:
            self.session.add(
                MediaUserMap(
                    server_id=server_id,
                    person_id=person_id,
                    user_external_id=user_external_id,
                    user_name=name,
                )
            )
        else:
            row.user_external_id, row.user_name = user_external_id, name
        self.session.flush()

    def unmap_user(self, server_id: int, person_id: int) -> bool:
        result = self.session.execute(
            delete(MediaUserMap).where(
                MediaUserMap.server_id == server_id, MediaUserMap.person_id == person_id
            )
        )
        return bool(getattr(result, "rowcount", 0))

    def mappings(self, server_id: int) -> list[UserMapping]:
        query = select(MediaUserMap).where(MediaUserMap.server_id == server_id)
        return [
            UserMapping(r.person_id, r.user_external_id, r.user_name)
            for r in self.session.scalars(query.order_by(MediaUserMap.person_id))
        ]

    # --- items -----------------------------------------------------------------------------

    def items(self, server_id: int) -> dict[str, ItemRow]:
        rows = self.session.execute(
            select(
                MediaItem.id, MediaItem.library_id, MediaItem.external_id, MediaItem.film_id
            ).where(MediaItem.server_id == server_id)
        )
        return {ext: ItemRow(iid, lib, ext, fid) for iid, lib, ext, fid in rows}

    def write_items(
        self, server_id: int, rows: Sequence[ItemWrite], existing: dict[str, ItemRow]
    ) -> None:
        """Insert the rows new to the server, update the others (by ``existing``'s ids)."""
        new: list[dict[str, object]] = []
        changed: list[dict[str, object]] = []
        for row in rows:
            values: dict[str, object] = {
                "library_id": row.library_id,
                "film_id": row.film_id,
                "title": row.title,
                "year": row.year,
                "web_url": row.web_url,
                "updated_at": row.updated_at,
            }
            known = existing.get(row.external_id)
            if known is None:
                new.append({"server_id": server_id, "external_id": row.external_id, **values})
            else:
                changed.append({"id": known.id, **values})
        for start in range(0, len(new), 2_000):
            self.session.execute(insert(MediaItem), new[start : start + 2_000])
        if changed:
            self.session.execute(update(MediaItem), changed)

    def delete_items(self, item_ids: Sequence[int]) -> None:
        for part in _chunks(sorted(item_ids)):
            self.session.execute(delete(MediaItem).where(MediaItem.id.in_(part)))

    def places(
        self, server_ids: Sequence[int], film_ids: Sequence[int] | None = None
    ) -> list[ServerPlace]:
        """The films of the servers' enabled libraries (a film twice on a server: once); only
        those of ``film_ids`` when given (the cards and matches shown)."""
        found: dict[tuple[int, int], ServerPlace] = {}
        films = None if film_ids is None else sorted({int(f) for f in film_ids})
        if films is not None and not films:
            return []
        film_parts: list[Sequence[int] | None] = [None] if films is None else list(_chunks(films))
        for part in _chunks(sorted(set(server_ids))):
            for film_part in film_parts:
                query = (
                    select(MediaItem.film_id, MediaItem.server_id, MediaItem.web_url)
                    .join(MediaLibrary, MediaLibrary.id == MediaItem.library_id)
                    .where(MediaItem.server_id.in_(part), MediaLibrary.enabled.is_(True))
                    .order_by(MediaItem.film_id, MediaItem.server_id, MediaItem.id)
                )
                if film_part is not None:
                    query = query.where(MediaItem.film_id.in_(film_part))
                for film_id, server_id, web_url in self.session.execute(query):
                    found.setdefault((film_id, server_id), ServerPlace(film_id, server_id, web_url))
        return sorted(found.values(), key=lambda p: (p.film_id, p.server_id))

    # --- sync runs -------------------------------------------------------------------------

    def add_run(self, server_id: int, run: SyncRunInfo) -> None:
        """Log a sync (``run.id`` is ignored: the database numbers the runs)."""
        self.session.add(
            MediaSyncRun(
                server_id=server_id,
                started_at=run.started_at,
                finished_at=run.finished_at,
                full_sync=run.full_sync,
                fetched=run.fetched,
                matched_by_id=run.matched_by_id,
                matched_by_title=run.matched_by_title,
                added=run.added,
                removed=run.removed,
                unmatched_count=run.unmatched_count,
                unmatched=run.unmatched,
                error=None if run.error is None else run.error[:ERROR_MAX],
            )
        )
        self.session.flush()

    def runs(self, server_id: int, limit: int = 10) -> list[SyncRunInfo]:
        """The server's latest syncs, newest first."""
        query = (
            select(MediaSyncRun)
            .where(MediaSyncRun.server_id == server_id)
            .order_by(MediaSyncRun.id.desc())
            .limit(limit)
        )
        return [
            SyncRunInfo(
                r.id,
                _utc_known(r.started_at),
                _utc_known(r.finished_at),
                r.full_sync,
                r.fetched,
                r.matched_by_id,
                r.matched_by_title,
                r.added,
                r.removed,
                r.unmatched_count,
                r.unmatched,
                r.error,
            )
            for r in self.session.scalars(query)
        ]
