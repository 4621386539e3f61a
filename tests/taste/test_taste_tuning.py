"""Parameters chosen on validation inside the ratings given: the search, when it runs, and that
what ``train`` fits is what ``eval individual`` measures as "shipped"."""

from __future__ import annotations

import numpy as np
import pytest

from reelmates.catalog.records import FilmRecord
from reelmates.eval.individual import default_specs
from reelmates.taste.blend import BlendScorer
from reelmates.taste.default import (
    MIN_TUNE_RATINGS,
    fit_default,
    shipped_scorer,
    tunable,
)
from reelmates.taste.features import build_item_features
from reelmates.taste.hybrid import HybridScorer
from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.tuning import MAX_EXTENSIONS, search_1d


def test_the_best_inside_the_grid_is_taken_as_it_is() -> None:
    tried: list[float] = []

    def quality(x: float) -> float:
        tried.append(x)
        return -((x - 3.0) ** 2)

    assert search_1d((1.0, 2.0, 3.0, 4.0), quality) == 3.0
    assert sorted(tried) == [1.0, 2.0, 3.0, 4.0]  # nothing beyond the grid


def test_a_best_on_the_upper_edge_extends_the_grid_until_it_is_inside() -> None:
    # Peak at 10: from (1, 2, 4) the search tries 6.4, then 10.24, then 16.384 (worse): 10.24.
    assert search_1d((1.0, 2.0, 4.0), lambda x: -abs(x - 10.0), step=1.6) == pytest.approx(10.24)


def test_a_best_on_the_lower_edge_extends_downwards_and_the_extensions_are_capped() -> None:
    assert search_1d((40.0, 60.0), lambda x: -x, step=2.0) == 40.0 / 2**MAX_EXTENSIONS
    assert search_1d((0.0, 0.1, 0.2), lambda x: -x) == 0.0  # 0 is never extended
    assert search_1d((0.5, 1.0), lambda x: x, high=1.0) == 1.0  # nor past ``high``


def test_ties_go_to_the_smaller_value() -> None:
    assert search_1d((1.0, 2.0, 3.0), lambda x: 0.0 if x < 2.5 else -1.0) == 1.0


GENRES = ("Drama", "Comedy", "Horror")


def _ratings(n_users: int, n_items: int, per_user: int, seed: int = 0) -> RatingsMatrix:
    """Two taste groups with a shared popular head: enough signal for validation to choose."""
    rng = np.random.default_rng(seed)
    users, items, stars = [], [], []
    for u in range(n_users):
        group = u % 2
        weights = np.where(np.arange(n_items) % 2 == group, 3.0, 1.0) / (1 + np.arange(n_items))
        chosen = rng.choice(n_items, size=per_user, replace=False, p=weights / weights.sum())
        for i in chosen:
            users.append(f"u{u}")
            items.append(f"f{i:03d}")
            stars.append(5.0 if i % 2 == group else 2.0)
    return RatingsMatrix.from_triples(users, np.array(items), np.array(stars))


def test_tuning_runs_only_on_enough_ratings() -> None:
    few = _ratings(40, 80, 20)
    assert few.nnz < MIN_TUNE_RATINGS and not tunable(few)
    assert isinstance(shipped_scorer(few), BlendScorer)
    assert shipped_scorer(few).config == BlendScorer().config  # the fixed defaults
    enough = _ratings(200, 120, 55)
    assert enough.nnz >= MIN_TUNE_RATINGS and tunable(enough)


def test_what_train_fits_is_what_eval_measures_as_shipped() -> None:
    matrix = _ratings(200, 120, 55, seed=3)
    facts = {
        f"f{i:03d}": FilmRecord(
            source_id=str(i), title=f"Film {i}", year=1980 + i % 30, genres=(GENRES[i % 3],)
        )
        for i in range(120)
    }
    features = build_item_features([facts[i] for i in matrix.item_ids]).matrix
    spec = next(s for s in default_specs(features) if s.label == "shipped")
    measured = spec.factory(matrix, 7)
    coo = matrix.ratings.tocoo()
    served = fit_default(
        matrix.user_ids[coo.row], matrix.item_ids[coo.col], coo.data, films=facts, seed=7
    )
    assert isinstance(measured, HybridScorer) and isinstance(served, HybridScorer)
    assert served.config == measured.config
    assert served.config != HybridScorer().config.model_copy(
        update={"collab": served.config.collab}
    ), "on enough ratings the parameters were chosen, not left at their defaults"
