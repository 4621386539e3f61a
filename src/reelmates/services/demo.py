"""Use case: the offline worked example — seed the starter catalog, make sure a model exists,
and pick a film for the two demo friends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from reelmates.services.progress import Progress, SilentProgress
from reelmates.services.starter import StarterReport, seed_starter_catalog
from reelmates.services.taste import (
    ModelHolder,
    TrainReport,
    newest_model_file,
    train_taste_model,
)
from reelmates.services.together import GroupOptions, GroupPick, pick_together
from reelmates.services.uow import unit_of_work
from reelmates.settings import Settings
from reelmates.store.models import ImportRun

DEMO_FRIENDS = ("Jess", "Milly")


@dataclass(frozen=True)
class DemoResult:
    starter: StarterReport
    trained: TrainReport | None  # None when an up-to-date model was already there
    pick: GroupPick


def model_is_stale(engine: Engine, settings: Settings) -> bool:
    """True when there is no model, or something was imported after the newest one was fitted."""
    newest = newest_model_file(settings.effective_model_dir)
    if newest is None:
        return True
    with unit_of_work(engine, read_only=True) as session:
        last_import = session.scalar(select(func.max(ImportRun.finished_at)))
    if last_import is None:
        return False
    if last_import.tzinfo is None:  # SQLite hands back naive datetimes; we store UTC
        last_import = last_import.replace(tzinfo=UTC)
    return last_import.timestamp() > newest.stat().st_mtime


def run_demo(
    engine: Engine, settings: Settings, *, k: int = 5, progress: Progress | None = None
) -> DemoResult:
    progress = progress or SilentProgress()
    starter = seed_starter_catalog(engine)
    trained = None
    if model_is_stale(engine, settings):
        trained = train_taste_model(engine, settings, progress=progress, now=datetime.now(UTC))
    holder = ModelHolder(settings.effective_model_dir, engine)
    pick = pick_together(holder, DEMO_FRIENDS, GroupOptions(k=k))
    return DemoResult(starter=starter, trained=trained, pick=pick)
