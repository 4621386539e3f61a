"""Scheduled syncs of the media servers while ``reelmates serve`` runs.

:class:`BackgroundSync` is a thread the web app starts in its lifespan (as the background
refit, ``services/refit.py``): every ``settings.media_sync_check_seconds`` it asks
:func:`~reelmates.services.media.sync.servers_due` which servers' schedule says a sync is due,
and syncs each in turn, under the server's own lease (``services/media/servers.py``: with
several server processes, or a "sync now" under way, a server is never synced twice at
once). A server that fails is logged (its message only: what the server answered, with every
secret taken out by the client, never the credentials) and recorded on the server as the sync
records it; the others go on. Stopping waits for the sync under way to end
(a server's answers are time-limited), so it ends cleanly at shutdown.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine

from reelmates.errors import ConflictError, ReelmatesError
from reelmates.services.media.sync import servers_due
from reelmates.services.media.syncing import sync_server
from reelmates.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Round:
    """What one look found and did."""

    synced: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # server id → the message
    busy: list[int] = field(default_factory=list)  # being synced already (another process)


def sync_due(engine: Engine, settings: Settings, now: datetime | None = None) -> Round:
    """One look: every server due now synced in turn (each under its own lease)."""
    moment = now or datetime.now(UTC)
    found = Round()
    for server_id in servers_due(engine, moment):
        try:
            sync_server(engine, settings, server_id, datetime.now(UTC))
        except ConflictError:
            found.busy.append(server_id)
        except ReelmatesError as exc:
            found.failed[server_id] = exc.message
            log.warning("scheduled sync of media server %d failed: %s", server_id, exc.message)
        else:
            found.synced.append(server_id)
    return found


class BackgroundSync:
    """A thread running :func:`sync_due` every ``settings.media_sync_check_seconds``."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.rounds = 0  # looks made by this process

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="reelmates-media-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to stop, and wait for the sync under way (at most ``timeout``; by
        default a little over one server request's time limit)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout or self.settings.media_timeout_seconds * 2 + 5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.settings.media_sync_check_seconds):
            try:
                sync_due(self.engine, self.settings)
            except ReelmatesError as exc:  # a busy database: the next look tries again
                log.warning("scheduled media syncs skipped: %s", exc.message)
            except Exception:
                log.exception("scheduled media syncs failed")
            self.rounds += 1
