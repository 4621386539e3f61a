"""On large data the calibration fits the scorer itself without a held-out share of ratings
(no second fit); those ratings must still count as rated: never recommended, used in fold-in."""

from __future__ import annotations

import numpy as np
import pytest
from test_taste_conformance import FACTORIES, community

from reelmates.taste import stars


@pytest.mark.parametrize("name", ["ease", "als", "blend"])
def test_no_rated_film_is_recommended_when_calibration_skips_the_refit(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stars, "REFIT_MAX_NNZ", 10)  # "large": calibrate on the scorer itself
    m = community(seed=2)
    scorer = FACTORIES[name]().fit(m, calibrate=True)
    idx, _ = scorer.recommend_users(np.arange(m.n_users), 10)
    leaked = 0
    for u in range(m.n_users):
        rated = set(m.history(u)[0].tolist())
        leaked += len(rated & set(idx[u].tolist()))
    assert leaked == 0
    assert scorer.matrix.ratings.nnz == m.ratings.nnz
