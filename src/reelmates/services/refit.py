"""Use case: keep the community's taste model fresh while the server runs.

A member's own new rating counts at once (fold-in); what goes stale is the community's model,
which only a refit updates. :func:`refit_if_due` is one check, run by :class:`BackgroundRefit`
(a thread the web app starts in its lifespan, never inside a request) every
``settings.refit_check_seconds``:

1. a model is being served (the first one is fitted by ``reelmates train`` or the demo), it is
   at least ``refit_min_interval_seconds`` old, and at least ``refit_min_new_ratings`` ratings
   are new since it was fitted (0 turns the background refit off). *New* is the larger of two
   counts that can only fall short: ratings stored now less those the model was fitted on (an
   import), and ratings made after it was fitted (a change of mind on a film counts too);
2. the lease ``taste-model`` is taken in the database (``store.leases``), so that with several
   server processes only one refits; the check is made again under it (another process may
   have just saved a model, which the holder then loads instead);
3. the model is fitted and saved as ``reelmates train`` does, the holder swaps it in at once
   (other processes' holders load the newer file on their next request), and the lease is
   given up.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from reelmates.errors import ReelmatesError
from reelmates.services.taste import ModelHolder, ModelMeta, TrainReport, train_taste_model
from reelmates.services.uow import unit_of_work
from reelmates.settings import Settings
from reelmates.store.leases import LeaseRepository
from reelmates.store.ratings import RatingRepository

LEASE = "taste-model"

log = logging.getLogger(__name__)


def process_id() -> str:
    """Who holds a lease: host, process and a random part (a restarted process is someone new)."""
    return f"{socket.gethostname()[:50]}:{os.getpid()}:{secrets.token_hex(4)}"


def trained_at(meta: ModelMeta) -> datetime:
    moment = datetime.fromisoformat(meta.trained_at)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class RefitCheck:
    due: bool
    new_ratings: int  # since the served model (0 when not counted)
    why: str


def check_refit(holder: ModelHolder, settings: Settings, now: datetime) -> RefitCheck:
    """Whether the served model should be refitted now (cheap: one count of the ratings, made
    only once the model is old enough)."""
    if settings.refit_min_new_ratings == 0:
        return RefitCheck(False, 0, "the background refit is off")
    meta = holder.served()
    if meta is None:
        return RefitCheck(False, 0, "no model is served yet (`reelmates train` fits the first)")
    fitted = trained_at(meta)
    if now - fitted < timedelta(seconds=settings.refit_min_interval_seconds):
        return RefitCheck(False, 0, f"the model was fitted at {fitted.isoformat()}, too recently")
    with unit_of_work(holder.engine, read_only=True) as session:
        total, newer = RatingRepository(session).count_and_newer(int(fitted.timestamp()))
    new = max(total - meta.ratings, newer, 0)
    if new < settings.refit_min_new_ratings:
        return RefitCheck(False, new, f"{new:,} new ratings, fewer than the threshold")
    return RefitCheck(True, new, f"{new:,} new ratings since the model was fitted")


def refit_if_due(
    holder: ModelHolder,
    settings: Settings,
    owner: str,
    *,
    now: datetime | None = None,
    seed: int = 0,
) -> TrainReport | None:
    """One check (see the module's docstring): the new model's report, or None when nothing
    was due or another process holds the lease."""
    moment = now or datetime.now(UTC)
    if not check_refit(holder, settings, moment).due:
        return None
    until = moment + timedelta(seconds=settings.refit_lease_seconds)
    with unit_of_work(holder.engine) as session:
        if not LeaseRepository(session).acquire(LEASE, owner, moment, until):
            return None
    try:
        again = check_refit(holder, settings, moment)  # another process may have just refitted
        if not again.due:
            return None
        log.info("refitting the taste model: %s", again.why)
        report = train_taste_model(holder.engine, settings, seed=seed)
        holder.served()  # swap it in now, not on the next request
        log.info("taste model refitted on %s ratings: %s", f"{report.ratings:,}", report.path)
        return report
    finally:
        with unit_of_work(holder.engine) as session:
            LeaseRepository(session).release(LEASE, owner, moment)


class BackgroundRefit:
    """A thread that runs :func:`refit_if_due` every ``settings.refit_check_seconds`` until
    stopped; a failed check is logged and the next one runs as usual."""

    def __init__(self, holder: ModelHolder, settings: Settings) -> None:
        self.holder = holder
        self.settings = settings
        self.owner = process_id()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.refits = 0  # models fitted by this process

    @property
    def enabled(self) -> bool:
        return self.settings.refit_min_new_ratings > 0

    def start(self) -> None:
        if not self.enabled or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="reelmates-refit", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to stop and wait a little (a fit under way finishes on its own; the
        thread is a daemon, so it never keeps the process alive)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.settings.refit_check_seconds):
            try:
                if refit_if_due(self.holder, self.settings, self.owner) is not None:
                    self.refits += 1
            except ReelmatesError as exc:  # busy database, empty catalog: try again later
                log.warning("background refit skipped: %s", exc.message)
            except Exception:
                log.exception("background refit failed")
