"""Use cases around the taste model: train it from the database, and hold the newest one.

Model files live per database in ``settings.effective_model_dir / <database id>`` as
``taste-<UTC time>.npz`` and record the database id and what they were fitted on (ratings, films,
max film id, newest import run, trained-at). The holder serves only models of its own database:
it loads the newest once per process, reloads (outside its lock) when a newer file appears, keeps
serving the old model when a new file cannot be loaded, and says when the model is out of date.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from reelmates.errors import ConfigurationError, NotFoundError
from reelmates.services.catalog_index import CatalogIndex
from reelmates.services.progress import Progress, SilentProgress
from reelmates.services.uow import unit_of_work
from reelmates.settings import Settings
from reelmates.store.films import FilmRepository, ImportRunRepository, InstallationRepository
from reelmates.store.ratings import RatingRepository
from reelmates.taste.base import Scorer
from reelmates.taste.default import fit_default
from reelmates.taste.persist import load_model, save_scorer

MODEL_GLOB = "taste-*.npz"
KEEP_MODELS = 3  # model files of one database kept after a successful train
RETRAIN = "run `reelmates train`"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DatabaseState:
    """What the database holds now, in the terms a model file records (cheap queries only)."""

    films: int
    max_film_id: int
    last_import_id: int

    @classmethod
    def read(cls, session: Session) -> DatabaseState:
        films, max_id = FilmRepository(session).extent()
        return cls(
            films=films, max_film_id=max_id, last_import_id=ImportRunRepository(session).last_id()
        )


@dataclass(frozen=True)
class ModelMeta:
    """What a model file was fitted on, and for which database."""

    database_id: str
    ratings: int
    films: int
    max_film_id: int
    last_import_id: int
    trained_at: str

    def as_dict(self) -> dict[str, str | int]:
        return {
            "database_id": self.database_id,
            "ratings": self.ratings,
            "films": self.films,
            "max_film_id": self.max_film_id,
            "last_import_id": self.last_import_id,
            "trained_at": self.trained_at,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, object], path: Path) -> ModelMeta:
        try:
            return cls(
                database_id=str(raw["database_id"]),
                ratings=int(str(raw["ratings"])),
                films=int(str(raw["films"])),
                max_film_id=int(str(raw["max_film_id"])),
                last_import_id=int(str(raw["last_import_id"])),
                trained_at=str(raw["trained_at"]),
            )
        except (KeyError, ValueError) as exc:
            raise ConfigurationError(
                f"taste model {path} does not record which database it was fitted on",
                hint=f"{RETRAIN} to refit it",
            ) from exc


def database_model_dir(model_dir: Path, database_id: str) -> Path:
    """Where the model files of one database live."""
    return model_dir / database_id


def model_files(folder: Path) -> list[Path]:
    """Model files in ``folder``, oldest first (the UTC stamp in the name sorts by time)."""
    return sorted(p for p in folder.glob(MODEL_GLOB) if p.is_file())


def newest_model_file(folder: Path) -> Path | None:
    files = model_files(folder)
    return files[-1] if files else None


def prune_models(folder: Path, keep: int = KEEP_MODELS) -> int:
    """Delete all but the ``keep`` newest model files in ``folder``; how many were deleted."""
    files = model_files(folder)
    old = files[: max(len(files) - keep, 0)]
    for path in old:
        path.unlink(missing_ok=True)
    return len(old)


@dataclass(frozen=True)
class TrainReport:
    path: Path
    model: str
    films: int
    persons: int
    ratings: int
    seconds: float
    deleted: int = 0  # older model files of this database removed after saving


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
        database_id = InstallationRepository(session).database_id()
        state = DatabaseState.read(session)
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
    trained_at = now or datetime.now(UTC)
    stamp = trained_at.strftime("%Y%m%dT%H%M%S%f")
    folder = database_model_dir(settings.effective_model_dir, database_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"taste-{stamp}.npz"
    meta = ModelMeta(
        database_id=database_id,
        ratings=len(snapshot),
        films=len(facts),
        max_film_id=max(f.id for f in facts),
        last_import_id=state.last_import_id,
        trained_at=trained_at.isoformat(),
    )
    progress.stage("saving the model", total=1)
    save_scorer(scorer, path, meta=meta.as_dict())
    progress.advance(1)
    deleted = prune_models(folder)
    return TrainReport(
        path=path,
        model=scorer.describe(),
        films=scorer.n_items,
        persons=scorer.matrix.n_users,
        ratings=len(snapshot),
        seconds=(datetime.now(UTC) - started).total_seconds(),
        deleted=deleted,
    )


def stale_reason(meta: ModelMeta, state: DatabaseState, engine: Engine) -> str | None:
    """Why a model no longer matches the database, or None when it still does."""
    if state.last_import_id > meta.last_import_id:
        with unit_of_work(engine, read_only=True) as session:
            n, films = ImportRunRepository(session).since(meta.last_import_id)
        return (
            f"{n} import{'s' if n != 1 else ''} since the model was trained "
            f"({films:,} new film{'s' if films != 1 else ''}); {RETRAIN}"
        )
    if state.films != meta.films or state.max_film_id != meta.max_film_id:
        diff = state.films - meta.films
        change = (
            f"{diff:,} film{'s' if diff != 1 else ''} added" if diff > 0 else "the catalog changed"
        )
        return f"{change} since the model was trained; {RETRAIN}"
    return None


@dataclass(frozen=True)
class TasteContext:
    """A loaded model and the catalog index that maps its items to films."""

    path: Path
    scorer: Scorer
    catalog: CatalogIndex
    meta: ModelMeta | None = None
    stale_reason: str | None = None  # set when the database changed after the model was fitted


@dataclass
class _Loaded:
    path: Path
    scorer: Scorer
    meta: ModelMeta
    catalog: CatalogIndex | None = None
    catalog_key: tuple[int, int] = (-1, -1)  # (films count, max film id) the index was built on


@dataclass
class _Failed:
    paths: set[Path] = field(default_factory=set)


class ModelHolder:
    """The newest fitted taste model of this database, loaded once and reloaded when a newer
    file appears; a file that cannot be loaded never replaces a model being served."""

    def __init__(self, model_dir: Path, engine: Engine) -> None:
        self._dir = model_dir
        self.engine = engine
        self._lock = threading.Lock()
        self._loaded: _Loaded | None = None
        self._failed = _Failed()
        self._database_id: str | None = None
        self.last_error: str | None = None  # why the newest file is not the one being served

    @property
    def database_id(self) -> str:
        if self._database_id is None:
            with unit_of_work(self.engine, read_only=True) as session:
                self._database_id = InstallationRepository(session).database_id()
        return self._database_id

    @property
    def folder(self) -> Path:
        return database_model_dir(self._dir, self.database_id)

    def _load(self, path: Path) -> tuple[Scorer, ModelMeta]:
        scorer, raw = load_model(path)
        meta = ModelMeta.from_dict(raw, path)
        if meta.database_id != self.database_id:
            raise ConfigurationError(
                f"taste model {path} was fitted on database {meta.database_id}, "
                f"not on this one ({self.database_id})",
                hint=f"{RETRAIN} on this database",
            )
        return scorer, meta

    def _no_model(self) -> NotFoundError:
        others = (
            sorted(p.name for p in self._dir.iterdir() if p.is_dir() and p.name != self.database_id)
            if self._dir.is_dir()
            else []
        )
        loose = bool(self._dir.is_dir() and model_files(self._dir))
        note = ""
        if others:
            note = f" (the model folder {self._dir} has models of {len(others)} other database"
            note += "s)" if len(others) != 1 else ")"
        elif loose:
            note = f" (the model files directly in {self._dir} are of an older layout)"
        return NotFoundError(
            f"no taste model for this database yet; {RETRAIN}{note}",
            hint="Run `reelmates train` first.",
        )

    def _refresh(self) -> _Loaded | None:
        """Load the newest loadable file newer than the one served (outside the lock)."""
        with self._lock:
            current = self._loaded
            failed = set(self._failed.paths)
        for path in reversed(model_files(self.folder)):
            if current is not None and path == current.path:
                return current
            if path in failed:
                continue
            try:
                scorer, meta = self._load(path)
            except Exception as exc:  # corrupt, wrong version, wrong database: keep the old one
                message = str(exc)
                log.warning("not serving taste model %s: %s", path, message)
                with self._lock:
                    self._failed.paths.add(path)
                    self.last_error = message
                continue
            with self._lock:
                if self._loaded is None or self._loaded.path < path:
                    self._loaded = _Loaded(path, scorer, meta)
                    self.last_error = None
                return self._loaded
        return current

    def served(self) -> ModelMeta | None:
        """What the model served now was fitted on, after loading any newer file (the background
        refit calls this once it has saved a model, so the swap happens at once, outside any
        request); None when there is no model that loads."""
        loaded = self._refresh()
        return loaded.meta if loaded is not None else None

    def get(self) -> TasteContext:
        loaded = self._refresh()
        if loaded is None:
            if self.last_error is not None:
                raise ConfigurationError(
                    f"no usable taste model for this database: {self.last_error}",
                    hint="Run `reelmates train` to fit a new one.",
                )
            raise self._no_model()
        with unit_of_work(self.engine, read_only=True) as session:
            state = DatabaseState.read(session)
            key = (state.films, state.max_film_id)
            films = FilmRepository(session).facts() if loaded.catalog_key != key else None
        catalog = loaded.catalog
        if films is not None or catalog is None:
            catalog = CatalogIndex.build(loaded.scorer, films or [])
            with self._lock:
                loaded.catalog, loaded.catalog_key = catalog, key
        return TasteContext(
            path=loaded.path,
            scorer=loaded.scorer,
            catalog=catalog,
            meta=loaded.meta,
            stale_reason=stale_reason(loaded.meta, state, self.engine),
        )
