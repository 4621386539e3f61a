"""The per-user stratified split: sizes per person, a partition, seeded."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.splits import stratified_split


def _matrix(counts: list[int], n_items: int = 40) -> RatingsMatrix:
    users = np.repeat(np.arange(len(counts)), counts)
    items = np.concatenate([np.arange(c) for c in counts]) if counts else np.array([], int)
    stars = (np.arange(len(users)) % 5 + 1).astype(np.float32)
    return RatingsMatrix.from_triples(users, items, stars, item_ids=np.arange(n_items))


def test_each_person_gets_round_three_quarters() -> None:
    # n = 4 → 3, n = 10 → round(7.5) = 8, n = 1 → 1 (kept in train), n = 2 → round(1.5) = 2
    m = _matrix([4, 10, 1, 2])
    train, test = stratified_split(m, 0.75, seed=1)
    assert np.diff(train.ratings.indptr).tolist() == [3, 8, 1, 2]
    assert np.diff(test.ratings.indptr).tolist() == [1, 2, 0, 0]


@settings(deadline=None, max_examples=30)
@given(st.lists(st.integers(1, 30), min_size=1, max_size=12), st.integers(0, 10_000))
def test_split_is_a_seeded_partition(counts: list[int], seed: int) -> None:
    m = _matrix(counts)
    train, test = stratified_split(m, 0.75, seed=seed)
    total = train.ratings + test.ratings
    assert (total != m.ratings).nnz == 0
    assert train.ratings.multiply(test.ratings).nnz == 0
    again, _ = stratified_split(m, 0.75, seed=seed)
    assert (again.ratings != train.ratings).nnz == 0
