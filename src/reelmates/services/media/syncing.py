"""Use case: sync one media server now, for a person (``sync now``) or for the schedule, under
the server's own lease: a second sync of it at once (the schedule's, another server process's,
a second click) is refused, never run beside it. A server that is down or answers garbage gives
a message that says what to do; its last good sync stays in use (``sync.py`` writes nothing of
a failed sync but its error)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import SecretStr
from sqlalchemy import Engine

from reelmates.errors import ConflictError, NotFoundError, SourceUnavailableError
from reelmates.media.fetch import origin_of
from reelmates.services.media import clients
from reelmates.services.media.access import Caller, server_for
from reelmates.services.media.sync import SyncReport, sync
from reelmates.services.refit import process_id
from reelmates.services.uow import unit_of_work
from reelmates.settings import Settings
from reelmates.store.leases import LeaseRepository
from reelmates.store.media import MediaServerRepository, ServerInfo

SYNC_LEASE = "media-sync"  # one lease a server: "media-sync:12"
SYNC_LEASE_SECONDS = 3600  # a sync that died holding it frees it after this long


def sync_now(
    engine: Engine,
    settings: Settings,
    caller: Caller,
    server_id: int,
    now: datetime,
    *,
    full: bool = False,
) -> SyncReport:
    """Sync the server at once (manage only). A server that is down or answers garbage raises
    :class:`SourceUnavailableError` with what to do; its last good sync stays in use."""
    with unit_of_work(engine, read_only=True) as session:
        server = server_for(session, caller, server_id, manage=True)
        secret = clients.secret_of(session, settings, server_id)
    return _sync(engine, settings, server, secret, now, full=full)


def _sync(
    engine: Engine,
    settings: Settings,
    server: ServerInfo,
    secret: SecretStr,
    now: datetime,
    *,
    full: bool,
) -> SyncReport:
    """One sync, under the server's lease: a second one at once (the schedule's, another
    process's, a second click) is refused, never run beside it."""
    lease, holder = f"{SYNC_LEASE}:{server.id}", process_id()
    moment = datetime.now(UTC)
    with unit_of_work(engine) as session:
        until = moment + timedelta(seconds=SYNC_LEASE_SECONDS)
        if not LeaseRepository(session).acquire(lease, holder, moment, until):
            raise ConflictError(
                f"{server.name} is being synced already",
                hint="Wait a moment and look again: its page shows the result.",
            )
    try:
        with clients.opened(server.kind, server.base_url, secret, settings) as client:
            return sync(engine, server.id, client, now, full=full)
    except SourceUnavailableError as exc:
        hint = exc.hint or "Try again later."
        origin = origin_of(server.base_url)
        if origin not in clients.allow_list(settings).origins:  # taken off the list since
            hint = (
                f"The operator adds {origin} to {clients.ALLOW_SETTING} again, or removes this "
                "server."
            )
        raise SourceUnavailableError(
            f"{server.name} could not be synced: {exc.message}",
            hint=hint + " Until a sync works, the films of its last good sync stay available.",
        ) from None
    finally:
        with unit_of_work(engine) as session:
            LeaseRepository(session).release(lease, holder, datetime.now(UTC))


def sync_server(engine: Engine, settings: Settings, server_id: int, now: datetime) -> SyncReport:
    """Sync a server for the scheduler (no caller: the schedule is the operator's)."""
    with unit_of_work(engine, read_only=True) as session:
        server = MediaServerRepository(session).get(server_id)
        if server is None:
            raise NotFoundError(f"there is no media server {server_id}")
        secret = clients.secret_of(session, settings, server_id)
    return _sync(engine, settings, server, secret, now, full=False)
