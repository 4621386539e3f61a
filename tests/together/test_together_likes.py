"""Each member's top candidates: the sampled fast path picks exactly what a full sort would."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmates.together.likes import candidate_ranks, top_candidates

LONG = 24_000  # above the length where the sampled threshold is used


def _reference(row: np.ndarray, candidates: np.ndarray, d: int) -> list[int]:
    idx = np.flatnonzero(candidates)
    best: list[int] = idx[np.lexsort((idx, -row[idx]))][:d].tolist()
    return best


@settings(deadline=None, max_examples=30)
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from([1, 10, 200, 1000]),
    st.sampled_from([1.0, 0.5, 0.1, 0.02]),
    st.sampled_from([None, 1, 0]),
)
def test_top_candidates_equal_a_full_sort_ties_to_the_lower_index(
    seed: int, d: int, density: float, decimals: int | None
) -> None:
    rng = np.random.default_rng(seed)
    row = rng.standard_normal(LONG) * rng.uniform(0.1, 10)
    if decimals is not None:
        row = np.round(row, decimals)  # many ties, also at the cut
    candidates = rng.random(LONG) < density
    n_cand = int(candidates.sum())
    d = min(d, n_cand)
    got = top_candidates(row, candidates, d, n_cand)
    want = _reference(row, candidates, d)
    assert sorted(got.tolist()) == sorted(want)
    # Several rows at once (one shared comparison pass), one of them with films it cannot score.
    other = -row
    other[rng.integers(0, LONG, 5)] = np.nan
    items, ranks = candidate_ranks(np.stack([row, other]), candidates, d)
    assert items[0].tolist() == want
    assert items[1].tolist() == _reference(np.where(np.isnan(other), -np.inf, other), candidates, d)
    assert ranks[0].tolist() == list(range(1, d + 1))


def test_non_finite_scores_rank_last() -> None:
    row = np.arange(30_000, dtype=float)
    row[-5:] = [np.nan, np.inf, -np.inf, np.nan, np.inf]
    items, _ = candidate_ranks(row[None, :], np.ones(row.size, dtype=bool), 3)
    assert items[0].tolist() == [29_994, 29_993, 29_992]
    row[-5:] = np.arange(29_995, 30_000)
    row[[1, 29_990]] = [np.inf, np.nan]  # off the sampled positions; +inf passes any cut
    items, _ = candidate_ranks(row[None, :], np.ones(row.size, dtype=bool), 3)
    assert items[0].tolist() == [29_999, 29_998, 29_997]
