"""Stars for some films only: the same numbers as the full matrix at those columns, cheaper."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import scipy.sparse as sp

from reelmates.catalog.records import FilmRecord
from reelmates.taste.als import AlsConfig
from reelmates.taste.base import Scorer
from reelmates.taste.default import default_collaborative
from reelmates.taste.features import build_item_features
from reelmates.taste.hybrid import HybridConfig, HybridScorer
from reelmates.taste.matrix import RatingsMatrix

N_USERS, N_ITEMS = 90, 48
PICKS = np.array([7, 0, 31, 12, 47], dtype=np.intp)


def _films() -> list[FilmRecord]:
    return [
        FilmRecord(
            source_id=str(n),
            title=f"Film {n}",
            year=1960 + (n * 7) % 60,
            genres=("Comedy",) if n % 3 else ("Drama", "Romance"),
            runtime_minutes=85 + (n * 13) % 70,
            director=f"Director {n % 7}",
        )
        for n in range(N_ITEMS)
    ]


def _matrix(rng: np.random.Generator, *, users: int = N_USERS) -> RatingsMatrix:
    taste = rng.standard_normal((users, 3)) @ rng.standard_normal((3, N_ITEMS))
    users_, items = np.nonzero(rng.random((users, N_ITEMS)) < 0.35)
    stars = np.clip(np.round(3.2 + taste[users_, items]), 1, 5)
    ids = np.arange(N_ITEMS).astype(str)
    return RatingsMatrix.from_triples(users_.astype(str), items.astype(str), stars, item_ids=ids)


def _hybrid() -> HybridScorer:
    config = HybridConfig(collab="als", als=AlsConfig(factors=4, iterations=3))
    return HybridScorer(config, build_item_features(_films()).matrix)


def _histories(rng: np.random.Generator) -> sp.csr_matrix:
    dense = np.where(
        rng.random((3, N_ITEMS)) < 0.3, rng.choice([1.0, 2.5, 4.0, 5.0], (3, N_ITEMS)), 0
    )
    dense[2, :] = 0
    dense[2, 5] = 4.5  # a one-film history
    return sp.csr_matrix(dense.astype(np.float32))


FITS: dict[str, Callable[[np.random.Generator], Scorer]] = {
    "blend": lambda rng: default_collaborative(N_ITEMS).fit(_matrix(rng)),
    "hybrid-als": lambda rng: _hybrid().fit(_matrix(rng)),
    # No community to calibrate on: the content model's own stars (the native path).
    "hybrid-no-community": lambda rng: _hybrid().fit(_matrix(rng, users=0)),
}


@pytest.mark.parametrize("name", sorted(FITS))
def test_stars_at_columns_equal_the_full_matrix_there(name: str, rng: np.random.Generator) -> None:
    scorer = FITS[name](rng)
    assert scorer.stars_model is not None
    assert scorer.stars_model.use_native == (name == "hybrid-no-community")
    hist = _histories(rng)
    full = scorer.predict_stars_matrix(hist)  # the known answer: every film, then the columns
    assert full.shape == (3, N_ITEMS)
    some = scorer.predict_stars_matrix(hist, columns=PICKS)
    assert some.shape == (3, PICKS.size)
    np.testing.assert_allclose(some, full[:, PICKS], rtol=1e-6, atol=1e-6)
    in_hand = scorer.predict_stars_matrix(hist, columns=PICKS, scores=scorer.score_matrix(hist))
    np.testing.assert_allclose(in_hand, full[:, PICKS], rtol=1e-6, atol=1e-6)
    one = scorer.predict_stars([3, 9], [5.0, 1.0], columns=PICKS)
    np.testing.assert_allclose(one, scorer.predict_stars([3, 9], [5.0, 1.0])[PICKS], rtol=1e-6)


def test_scores_in_hand_are_not_scored_again(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    scorer = FITS["hybrid-als"](rng)
    hist = _histories(rng)
    scores = scorer.score_matrix(hist)
    calls: list[int] = []
    real = scorer.score_matrix

    def counted(h: sp.csr_matrix) -> np.ndarray:
        calls.append(h.shape[0])
        return real(h)

    monkeypatch.setattr(scorer, "score_matrix", counted)
    scorer.predict_stars_matrix(hist, columns=PICKS, scores=scores)
    assert calls == []
    scorer.predict_stars_matrix(hist, columns=PICKS)
    assert calls == [3]
