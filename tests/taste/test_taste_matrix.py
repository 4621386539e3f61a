"""RatingsMatrix construction and model files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reelmates.errors import ConfigurationError
from reelmates.taste.ease import EaseScorer
from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.persist import FORMAT_VERSION, load_scorer, save_scorer


def test_from_triples_keeps_last_rating_and_string_ids() -> None:
    m = RatingsMatrix.from_triples([7, 3, 7], ["b", "a", "b"], [2.0, 4.0, 5.0])
    assert m.user_ids.tolist() == ["3", "7"]
    assert m.item_ids.tolist() == ["a", "b"]
    assert m.ratings.toarray().tolist() == [[4.0, 0.0], [0.0, 5.0]]
    items, stars = m.history(m.user_index(7))
    assert items.tolist() == [m.item_index("b")] and stars.tolist() == [5.0]
    with pytest.raises(KeyError, match="unknown film id 'zz'"):
        m.item_index("zz")


def test_fixed_item_ids_give_unrated_films_a_column() -> None:
    m = RatingsMatrix.from_triples(["u"], ["b"], [3.0], item_ids=["a", "b", "c"])
    assert m.n_items == 3 and m.item_counts().tolist() == [0, 1, 0]
    with pytest.raises(ValueError, match="not in item_ids"):
        RatingsMatrix.from_triples(["u"], ["z"], [3.0], item_ids=["a"])


def test_model_file_has_a_version_and_no_pickle(tmp_path: Path) -> None:
    m = RatingsMatrix.from_triples([0, 0, 1], [0, 1, 1], [4.0, 5.0, 3.0])
    path = tmp_path / "m.npz"
    save_scorer(EaseScorer().fit(m, calibrate=False), path)
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    assert int(arrays["format_version"]) == FORMAT_VERSION == 2
    arrays["format_version"] = np.array(99)
    np.savez(tmp_path / "old.npz", **arrays)
    with pytest.raises(ConfigurationError, match="format version 99"):
        load_scorer(tmp_path / "old.npz")


def test_random_positions_are_a_permutation_of_each_row_and_seeded() -> None:
    import scipy.sparse as sp

    from reelmates.taste.matrix import random_positions

    rng = np.random.default_rng(0)
    dense = (rng.random((30, 12)) < 0.4).astype(np.float32)
    r = sp.csr_matrix(dense)
    pos = random_positions(r, np.random.default_rng(5))
    for row in range(r.shape[0]):
        got = np.sort(pos[r.indptr[row] : r.indptr[row + 1]])
        assert got.tolist() == list(range(r.indptr[row + 1] - r.indptr[row]))
    assert np.array_equal(pos, random_positions(r, np.random.default_rng(5)))
    assert not np.array_equal(pos, random_positions(r, np.random.default_rng(6)))
    # Uniform: over many seeds, each entry of a 4-entry row is first about a quarter of the time.
    row4 = sp.csr_matrix(np.ones((1, 4), dtype=np.float32))
    firsts = np.bincount(
        [int(np.argmin(random_positions(row4, np.random.default_rng(s)))) for s in range(2000)],
        minlength=4,
    )
    assert np.all(np.abs(firsts / 2000 - 0.25) < 0.04)
