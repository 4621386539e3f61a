"""The fair strategy on a shortlist gives exactly what it gives on the whole catalog."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmates.together.shortlist import fair_rank_lifted
from reelmates.together.strategies import FairParams, fair_rank
from reelmates.together.watchlists import lift_watchlists


@settings(deadline=None, max_examples=40)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 5),
    st.sampled_from([50, 400, 24_000]),
    st.sampled_from([1, 5, 10, 60]),
    st.sampled_from([None, 0, 5]),
    st.booleans(),
)
def test_shortlisted_fair_equals_fair_on_every_film(
    seed: int, m: int, n: int, k: int, watchlist_rank: int | None, ties: bool
) -> None:
    rng = np.random.default_rng(seed)
    scores = rng.standard_normal((m, n)).astype(np.float32)
    if ties:
        scores = np.round(scores, 1)
    # Films a scorer could not score count as the lowest, wherever they are.
    for bad in (-np.inf, np.nan, np.inf):
        scores[rng.integers(0, m), rng.integers(0, n)] = bad
    candidates = rng.random(n) < rng.uniform(0.05, 1.0)
    watchlists = [rng.choice(n, int(rng.integers(0, 8)), replace=False) for _ in range(m)]
    params = FairParams(depth=int(rng.choice([20, 200])))
    want = fair_rank(
        lift_watchlists(scores, watchlists, candidates, watchlist_rank), candidates, k, params
    )
    got = fair_rank_lifted(scores, candidates, k, watchlists, watchlist_rank, params)
    assert got.items.tolist() == want.items.tolist()
    np.testing.assert_allclose(got.scores, want.scores, rtol=1e-12)
