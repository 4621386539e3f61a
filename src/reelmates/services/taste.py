"""Use cases around the taste model: train it from the database, and hold the newest one.

Model files live in ``settings.effective_model_dir`` as ``taste-<UTC time>.npz``; the holder loads
the newest once per process and reloads when a newer file appears (another process trained).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from reelmates.errors import NotFoundError
from reelmates.services.catalog_index import CatalogIndex
from reelmates.services.progress import Progress, SilentProgress
from reelmates.services.uow import unit_of_work
from reelmates.settings import Settings
from reelmates.store.repositories import FilmRepository, RatingRepository
from reelmates.taste.base import Scorer
from reelmates.taste.default import fit_default
from reelmates.taste.persist import load_scorer, save_scorer

MODEL_GLOB = "taste-*.npz"


@dataclass(frozen=True)
class TrainReport:
    path: Path
    model: str
    films: int
    persons: int
    ratings: int
    seconds: float


def train_taste_model(
    engine: Engine,
    settings: Settings,
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
    seed: int = 0,
) -> TrainReport:
    """Snapshot every rating and film fact, fit the default (hybrid) scorer, save it."""
    progress = progress or SilentProgress()
    started = datetime.now(UTC)
    progress.stage("reading ratings and films", total=2)
    with unit_of_work(engine, read_only=True) as session:
        snapshot = RatingRepository(session).snapshot()
        progress.advance(1)
        facts = FilmRepository(session).facts()
        progress.advance(1)
    if not facts:
        raise NotFoundError(
            "the catalog is empty: nothing to train on",
            hint="Run `reelmates demo` or `reelmates import movielens ...` first.",
        )
    progress.stage(f"fitting on {len(snapshot):,} ratings of {len(facts):,} films", total=1)
    scorer = fit_default(
        snapshot.person_ids.astype(str),
        snapshot.film_ids.astype(str),
        snapshot.stars,
        films={str(f.id): f for f in facts},
        seed=seed,
    )
    progress.advance(1)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%f")
    model_dir = settings.effective_model_dir
    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / f"taste-{stamp}.npz"
    progress.stage("saving the model", total=1)
    save_scorer(scorer, path)
    progress.advance(1)
    return TrainReport(
        path=path,
        model=scorer.describe(),
        films=scorer.n_items,
        persons=scorer.matrix.n_users,
        ratings=len(snapshot),
        seconds=(datetime.now(UTC) - started).total_seconds(),
    )


def newest_model_file(model_dir: Path) -> Path | None:
    files = sorted(model_dir.glob(MODEL_GLOB))
    return files[-1] if files else None


@dataclass(frozen=True)
class TasteContext:
    """A loaded model and the catalog index that maps its items to films."""

    path: Path
    scorer: Scorer
    catalog: CatalogIndex


class ModelHolder:
    """The newest fitted taste model, loaded once and reloaded when a newer file appears."""

    def __init__(self, model_dir: Path, engine: Engine) -> None:
        self._dir = model_dir
        self.engine = engine
        self._lock = threading.Lock()
        self._context: TasteContext | None = None

    def get(self) -> TasteContext:
        newest = newest_model_file(self._dir)
        if newest is None:
            raise NotFoundError(
                "no taste model has been trained yet", hint="Run `reelmates train` first."
            )
        with self._lock:
            if self._context is None or self._context.path != newest:
                scorer = load_scorer(newest)
                with unit_of_work(self.engine, read_only=True) as session:
                    films = FilmRepository(session).facts()
                self._context = TasteContext(newest, scorer, CatalogIndex.build(scorer, films))
            return self._context
