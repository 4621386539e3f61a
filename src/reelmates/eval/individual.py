"""``eval individual``: every scorer on the published protocol, mean over seeds, in one run.

Protocol (Microsoft Recommenders' benchmark): per-user stratified random 75/25 split; every test
rating is relevant; top k among films the person did not rate in train. nDCG≥4 counts only test
ratings of 4 stars or more. RMSE compares calibrated stars with every test rating.
Tuned scorers tune on validation splits of train (``taste/tuning.py``), inside their factory.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from reelmates.taste.als import AlsScorer
from reelmates.taste.base import Scorer
from reelmates.taste.bias import BiasScorer
from reelmates.taste.content import ContentScorer
from reelmates.taste.default import shipped_scorer
from reelmates.taste.ease import EaseScorer
from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.metrics import ndcg_per_user, ranking_scores, rmse
from reelmates.taste.popularity import PopularityScorer
from reelmates.taste.splits import stratified_split
from reelmates.taste.tuning import tune_als, tune_ease

# A factory gets (train, seed) and returns an unfitted scorer; it may tune on train only.
Factory = Callable[[RatingsMatrix, int], Scorer]


@dataclass(frozen=True)
class ScorerSpec:
    label: str
    factory: Factory


@dataclass(frozen=True)
class Row:
    label: str
    model: str  # describe() of the last fit
    precision: float
    recall: float
    ndcg: float
    map: float
    ndcg4: float
    rmse: float
    fit_seconds: float
    # Each person's nDCG@k (every seed's people, in order): pairs with another row of the same run.
    ndcg_people: NDArray[np.float64] = field(
        default_factory=lambda: np.zeros(0), compare=False, repr=False
    )


def default_specs(features: sp.csr_matrix | None = None) -> list[ScorerSpec]:
    """The shipped model first — exactly what ``train`` fits (``taste.default.shipped_scorer``:
    with film facts the hybrid, tuned on validation inside the split's train) — then the
    references: popularity, bias, EASE and ALS with their parameters chosen on the same
    validation folds, and the content model alone."""
    specs = [
        ScorerSpec("shipped", lambda m, s: shipped_scorer(m, features, seed=s)),
        ScorerSpec("popularity", lambda m, s: PopularityScorer()),
        ScorerSpec("bias", lambda m, s: BiasScorer()),
        ScorerSpec("EASE (tuned)", lambda m, s: EaseScorer(tune_ease(m, seed=s))),
        ScorerSpec("ALS (tuned)", lambda m, s: AlsScorer(tune_als(m, seed=s))),
    ]
    if features is not None:
        specs.append(ScorerSpec("content", lambda m, s: ContentScorer(features=features)))
    return specs


def evaluate_scorer(
    scorer: Scorer, train: RatingsMatrix, test: RatingsMatrix, *, k: int = 10, seed: int = 0
) -> Row:
    """Fit on ``train`` (timed, stars calibration included) and score on ``test``."""
    started = time.perf_counter()
    scorer.fit(train, seed=seed)
    fit_seconds = time.perf_counter() - started
    users = np.arange(train.n_users)
    recs, _ = scorer.recommend_users(users, k)
    return _row(scorer, recs, train.ratings, test.ratings, k, fit_seconds)


def _row(
    scorer: Scorer,
    recs: np.ndarray,
    given: sp.csr_matrix,
    test: sp.csr_matrix,
    k: int,
    fit_seconds: float,
) -> Row:
    high = sp.csr_matrix(test.multiply(test >= 4))
    every = ranking_scores(recs, test, k)
    liked = ranking_scores(recs, high, k)
    err = _rmse(scorer, given, test)
    _, per_person = ndcg_per_user(recs, test, k)
    return Row(
        "",
        scorer.describe(),
        every.precision,
        every.recall,
        every.ndcg,
        every.map,
        liked.ndcg,
        err,
        fit_seconds,
        per_person,
    )


def _rmse(scorer: Scorer, given: sp.csr_matrix, test: sp.csr_matrix, batch: int = 512) -> float:
    rows = np.flatnonzero(np.diff(test.indptr) > 0)
    predicted, actual = [], []
    for start in range(0, len(rows), batch):
        part = rows[start : start + batch]
        stars = scorer.predict_stars_matrix(given[part])
        t = test[part].tocoo()
        predicted.append(stars[t.row, t.col])
        actual.append(t.data)
    return rmse(np.concatenate(predicted), np.concatenate(actual))


def run_individual(
    matrix: RatingsMatrix,
    seeds: Sequence[int],
    specs: Sequence[ScorerSpec],
    *,
    k: int = 10,
    on_step: Callable[[str], None] | None = None,
) -> list[Row]:
    """Every spec on every seed's split; rows are means over seeds, in ``specs`` order."""
    per_spec: dict[str, list[Row]] = {s.label: [] for s in specs}
    for seed in seeds:
        train, test = stratified_split(matrix, 0.75, seed=seed)
        for spec in specs:
            row = evaluate_scorer(spec.factory(train, seed), train, test, k=k, seed=seed)
            per_spec[spec.label].append(row)
            if on_step:
                on_step(f"seed {seed}: {spec.label}")
    return [mean_row(label, rows) for label, rows in per_spec.items()]


def mean_row(label: str, rows: Sequence[Row]) -> Row:
    numeric = {
        f.name: float(np.mean([getattr(r, f.name) for r in rows]))
        for f in fields(Row)
        if f.name not in ("label", "model", "ndcg_people")
    }
    people = np.concatenate([r.ndcg_people for r in rows])
    return Row(label=label, model=rows[-1].model, ndcg_people=people, **numeric)
