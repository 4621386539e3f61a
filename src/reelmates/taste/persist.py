"""Model files: one ``.npz`` of plain arrays with a format version. Never pickle.

Layout: ``format_version``, ``scorer`` (name), ``config`` (JSON), the training matrix
(``user_ids``, ``item_ids`` as unicode arrays; ``ratings.data/indices/indptr/shape``), the
scorer's own
arrays under ``model.*`` and the stars calibration under ``stars.*``.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from reelmates.errors import ConfigurationError
from reelmates.taste.base import Scorer
from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.registry import scorer_class
from reelmates.taste.stars import StarModel

FORMAT_VERSION = 2  # 2: stars calibration weights per history-length knot


def save_scorer(
    scorer: Scorer, path: str | Path, *, meta: Mapping[str, str | int] | None = None
) -> None:
    """Write a fitted scorer to ``path`` (a ``.npz`` file; written whole, then renamed).

    ``meta`` (what the model was fitted on, which database) is stored as JSON under ``meta``.
    The partial file is ``.<name>.partial``: no ``*.npz`` glob ever sees a half-written model.
    """
    m = scorer.matrix
    arrays: dict[str, NDArray[Any]] = {
        "format_version": np.array(FORMAT_VERSION),
        "scorer": np.array(scorer.name),
        "config": np.array(scorer.config.model_dump_json()),
        "user_ids": np.array(m.user_ids.tolist(), dtype=str),
        "item_ids": np.array(m.item_ids.tolist(), dtype=str),
        "ratings.data": m.ratings.data,
        "ratings.indices": m.ratings.indices,
        "ratings.indptr": m.ratings.indptr,
        "ratings.shape": np.array(m.ratings.shape, dtype=np.int64),
    }
    arrays.update({f"model.{k}": v for k, v in scorer._state().items()})
    if scorer.stars_model is not None:
        arrays.update({f"stars.{k}": v for k, v in scorer.stars_model.state().items()})
    if meta is not None:
        arrays["meta"] = np.array(json.dumps(dict(meta)))
    target = Path(path)
    tmp = target.with_name(f".{target.name}.partial")
    try:
        with tmp.open("wb") as f:  # a file object: numpy appends no ".npz" to the name
            np.savez(f, **arrays)  # type: ignore[arg-type]
        tmp.replace(target)  # atomic (os.replace)
    finally:
        tmp.unlink(missing_ok=True)


def load_scorer(path: str | Path) -> Scorer:
    """Read a model file written by :func:`save_scorer` (no pickle is ever loaded)."""
    return load_model(path)[0]


def load_model(path: str | Path) -> tuple[Scorer, dict[str, Any]]:
    """A model file's scorer and its ``meta`` (empty when the file has none).

    Any unreadable file (truncated, corrupt, missing arrays, wrong version) is a
    :class:`ConfigurationError`, never a raw ``BadZipFile``/``KeyError``.
    """
    try:
        return _load(path)
    except ConfigurationError:
        raise
    except Exception as exc:  # BadZipFile, KeyError, EOFError, ValueError, OSError, ...
        raise ConfigurationError(
            f"cannot read taste model {path}: {type(exc).__name__}: {exc}",
            hint="run `reelmates train` to refit it",
        ) from exc


def _load(path: str | Path) -> tuple[Scorer, dict[str, Any]]:
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError) as exc:
        raise ConfigurationError(
            f"cannot read taste model {path}: {type(exc).__name__}: {exc}",
            hint="run `reelmates train` to refit it",
        ) from exc
    version = int(arrays.get("format_version", np.array(-1)))
    if version != FORMAT_VERSION:
        raise ConfigurationError(
            f"taste model {path} has format version {version}, this reelmates reads "
            f"{FORMAT_VERSION}",
            hint="run `reelmates train` to refit it",
        )
    cls = scorer_class(str(arrays["scorer"]))
    scorer = cls(cls.config_type.model_validate(json.loads(str(arrays["config"]))))
    shape = tuple(int(x) for x in arrays["ratings.shape"])
    ratings = sp.csr_matrix(
        (arrays["ratings.data"], arrays["ratings.indices"], arrays["ratings.indptr"]), shape=shape
    )
    scorer._matrix = RatingsMatrix(
        arrays["user_ids"].astype(object), arrays["item_ids"].astype(object), ratings
    )
    scorer._set_state({k[6:]: v for k, v in arrays.items() if k.startswith("model.")})
    stars = {k[6:]: v for k, v in arrays.items() if k.startswith("stars.")}
    scorer.stars_model = StarModel.from_state(stars) if stars else None
    meta: dict[str, Any] = json.loads(str(arrays["meta"])) if "meta" in arrays else {}
    return scorer, meta
