"""ALS fold-in against ``implicit``'s own user step (an independent implementation): the factors
we solve for a person from their ratings are the ones implicit's ``recalculate_user`` computes
from the same fitted item factors."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from test_taste_conformance import SMALL_ALS, community

from reelmates.taste.als import AlsScorer
from reelmates.taste.weights import weigh


@pytest.mark.parametrize("weighting", ["binary", "centered"])
def test_fold_in_factors_match_implicits_recalculate_user(weighting: str) -> None:
    config = SMALL_ALS.model_copy(update={"weighting": weighting})
    scorer = AlsScorer(config)
    m = community(seed=4)
    scorer.fit(m, calibrate=False)
    reference = AlternatingLeastSquares(
        factors=config.factors,
        regularization=config.regularization,
        alpha=config.alpha,
        use_cg=False,  # the exact Cholesky solve, not a few conjugate-gradient steps
        num_threads=1,
    )
    reference.item_factors = scorer.item_factors.copy()
    for u in (0, 1, 7, 30):
        items, stars = m.history(u)
        row = scorer.history_row(items, stars)
        ours = scorer.user_factors(row)[0]
        theirs = reference.recalculate_user(0, sp.csr_matrix(weigh(row, config.weighting)))
        np.testing.assert_allclose(ours, theirs, rtol=1e-3, atol=1e-4)
        # and the scores are those factors against the item factors
        np.testing.assert_allclose(
            scorer.score_history(items, stars), scorer.item_factors @ theirs, rtol=1e-3, atol=1e-4
        )
