"""Metrics against answers worked by hand (see the comments for the arithmetic)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from reelmates.taste.metrics import ranking_scores, rmse


def _rel(rows: list[list[int]], n_items: int = 10) -> sp.csr_matrix:
    r = [u for u, items in enumerate(rows) for _ in items]
    c = [i for items in rows for i in items]
    return sp.csr_matrix((np.ones(len(c)), (r, c)), shape=(len(rows), n_items))


def test_two_users_worked_by_hand() -> None:
    # A: recs 1,2,3, relevant {1,3}; B: recs 4,5,6, relevant {6,7,8,9};
    # C: nothing relevant (skipped)
    recs = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    rel = _rel([[1, 3], [6, 7, 8, 9], []])
    got = ranking_scores(recs, rel, 3)
    l3 = math.log2(3)
    ndcg_a = (1 + 1 / 2) / (1 + 1 / l3)  # hits at ranks 1 and 3; ideal: 2 hits
    ndcg_b = (1 / 2) / (1 + 1 / l3 + 1 / 2)  # hit at rank 3; ideal: min(4, 3) = 3 hits
    assert got.n_users == 2
    assert got.precision == pytest.approx((2 / 3 + 1 / 3) / 2)
    assert got.recall == pytest.approx((1 + 1 / 4) / 2)
    assert got.ndcg == pytest.approx((ndcg_a + ndcg_b) / 2)
    # MAP: A (1 + 2/3) / min(2, 3); B (1/3) / min(4, 3)
    assert got.map == pytest.approx(((1 + 2 / 3) / 2 + (1 / 3) / 3) / 2)


def test_perfect_list_scores_one_and_empty_slots_never_hit() -> None:
    recs = np.array([[2, 5, -1]])
    got = ranking_scores(recs, _rel([[2, 5]]), 3)
    assert got.ndcg == pytest.approx(1.0)
    assert got.map == pytest.approx(1.0)
    assert got.recall == pytest.approx(1.0)
    assert got.precision == pytest.approx(2 / 3)


def test_rmse_by_hand() -> None:
    assert rmse(np.array([1.0, 3.0]), np.array([2.0, 5.0])) == pytest.approx(math.sqrt(2.5))
    with pytest.raises(ValueError):
        rmse(np.array([]), np.array([]))


def test_ndcg_per_user_is_what_the_mean_averages_and_known_by_hand() -> None:
    from reelmates.taste.metrics import ndcg_per_user

    # Row 0: hit at rank 2 of one relevant → 1/log2(3). Row 1: nothing relevant (left out).
    # Row 2: hits at ranks 1 and 3 of two relevant → (1 + 1/2) / (1 + 1/log2(3)).
    recs = np.array([[5, 1, 2], [0, 1, 2], [3, 0, 4]])
    relevant = sp.csr_matrix((np.ones(3), ([0, 2, 2], [1, 3, 4])), shape=(3, 6), dtype=np.float32)
    users, values = ndcg_per_user(recs, relevant, 3)
    assert users.tolist() == [0, 2]
    assert values == pytest.approx([1 / np.log2(3), 1.5 / (1 + 1 / np.log2(3))])
    assert ranking_scores(recs, relevant, 3).ndcg == pytest.approx(values.mean())
