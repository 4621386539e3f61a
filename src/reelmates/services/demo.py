"""Use case: the offline worked example — seed the starter catalog, make sure a model exists,
and pick a film for the two demo friends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from reelmates.errors import ReelmatesError
from reelmates.services.accounts import DemoLogIn, Passwords, demo_log_in
from reelmates.services.progress import Progress, SilentProgress
from reelmates.services.starter import StarterReport, seed_starter_catalog
from reelmates.services.taste import (
    ModelHolder,
    TrainReport,
    train_taste_model,
)
from reelmates.services.together import GroupOptions, GroupPick, pick_together
from reelmates.services.uow import unit_of_work
from reelmates.settings import Settings
from reelmates.store.accounts import SecretRepository
from reelmates.store.friends import FriendshipRepository
from reelmates.store.people import PersonRepository

DEMO_FRIENDS = ("Jess", "Milly")
DEMO_FRIENDSHIP_SECRET = "demo-friendship"


@dataclass(frozen=True)
class DemoResult:
    starter: StarterReport
    trained: TrainReport | None  # None when an up-to-date model was already there
    pick: GroupPick


def model_is_stale(engine: Engine, settings: Settings) -> bool:
    """True when this database has no usable model, or the database changed after the newest one
    was fitted (what the model file records against the database now, not file times)."""
    try:
        return ModelHolder(settings.effective_model_dir, engine).get().stale_reason is not None
    except ReelmatesError:  # no model of this database, or none that can be loaded
        return True


def run_demo(
    engine: Engine, settings: Settings, *, k: int = 5, progress: Progress | None = None
) -> DemoResult:
    progress = progress or SilentProgress()
    starter = seed_starter_catalog(engine)
    trained = None
    if model_is_stale(engine, settings):
        trained = train_taste_model(engine, settings, progress=progress, now=datetime.now(UTC))
    holder = ModelHolder(settings.effective_model_dir, engine)
    with unit_of_work(engine, read_only=True) as session:
        pick = pick_together(session, holder.get(), DEMO_FRIENDS, GroupOptions(k=k))
    return DemoResult(starter=starter, trained=trained, pick=pick)


def demo_log_ins(
    engine: Engine, settings: Settings, *, now: datetime | None = None
) -> tuple[DemoLogIn, ...]:
    """The demo friends' web log-ins: each gets an account with a random password the first
    time (kept in the database, so every run prints the same ones); an account they already had
    is left alone, its password not shown (:func:`demo_log_in`)."""
    passwords = Passwords.from_settings(settings)
    moment = now or datetime.now(UTC)
    with unit_of_work(engine) as session:
        found = [demo_log_in(session, passwords, handle, moment) for handle in DEMO_FRIENDS]
        _befriend_once(session, moment)
        return tuple(log_in for log_in in found if log_in is not None)


def _befriend_once(session: Session, now: datetime) -> None:
    """Lifelong friends are friends in the app too — made once per database, so a friendship one
    of them ends later stays ended."""
    secrets = SecretRepository(session)
    if secrets.find(DEMO_FRIENDSHIP_SECRET) is not None:
        return
    people = PersonRepository(session)
    ids = [p.id for p in (people.by_handle(h) for h in DEMO_FRIENDS) if p is not None]
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            FriendshipRepository(session).add(a, b, now)
    secrets.put(DEMO_FRIENDSHIP_SECRET, "made")
