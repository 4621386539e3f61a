"""The one top-k rule: allowed entries only, non-finite scores lowest, ties to the lower index."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from reelmates.taste.topk import top_k, top_k_rows


def reference(row: list[float], k: int, allowed: list[bool]) -> list[int]:
    """By hand: sort the allowed indices by (score, finite first) descending, then index."""
    ok = [i for i in range(len(row)) if allowed[i]]
    key = {i: row[i] if math.isfinite(row[i]) else -math.inf for i in ok}
    return sorted(ok, key=lambda i: (-key[i], i))[:k]


def test_known_answer_with_ties_nan_and_a_mask() -> None:
    values = np.array([1.0, 3.0, np.nan, 3.0, 2.0, np.inf, -np.inf], dtype=np.float32)
    allowed = np.array([True, True, True, True, True, False, True])
    idx, vals = top_k(values, 3, allowed)
    assert idx.tolist() == [1, 3, 4]  # the tie at 3.0 in index order; inf is not allowed
    assert vals.tolist() == [3.0, 3.0, 2.0]
    idx, _ = top_k(values, 7, allowed)
    assert idx.tolist() == [1, 3, 4, 0, 2, 6]  # NaN and -inf last, by index; 5 never
    rows, _ = top_k_rows(values[None, :], 7, allowed)
    assert rows.tolist() == [[1, 3, 4, 0, 2, 6, -1]]  # padded


def test_strategies_and_likes_use_the_same_rule() -> None:
    from reelmates.together.strategies import top_k as group_top_k

    values = np.array([0.5, np.nan, 0.5, 0.9])
    everything = np.array([True, True, True, True])
    assert group_top_k(values, everything, 4).items.tolist() == [3, 0, 2, 1]  # NaN lowest
    assert group_top_k(values, everything, 2).items.tolist() == [3, 0]  # and never cuts short


finite = st.floats(-5, 5, allow_nan=False, width=32) | st.sampled_from([math.nan, -math.inf])
cases = st.integers(1, 30).flatmap(
    lambda n: st.tuples(
        arrays(np.float32, (3, n), elements=finite),
        arrays(np.bool_, (3, n)),
        st.integers(0, n + 2),
    )
)


@settings(deadline=None, max_examples=200)
@given(cases)
def test_rows_and_vectors_match_the_hand_rule(case: tuple[np.ndarray, np.ndarray, int]) -> None:
    values, allowed, k = case
    rows, _ = top_k_rows(values, k, allowed)
    for r in range(values.shape[0]):
        want = reference(values[r].tolist(), k, allowed[r].tolist())
        assert [i for i in rows[r].tolist() if i >= 0] == want
        assert top_k(values[r], k, allowed[r])[0].tolist() == want
