"""Per-person standardisation by hand, with a mask and for some columns only."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from reelmates.taste.zscore import zscore


def test_zscore_by_hand() -> None:
    # Row [1, 2, 3, 6]: mean 3, population std √((4 + 1 + 0 + 9) / 4) = √3.5.
    # With the mask [T, T, T, F] the statistics are of [1, 2, 3]: mean 2, std √(2/3); the
    # masked-out 6 is still standardised with them: (6 − 2) / √(2/3).
    s = np.array([[1.0, 2.0, 3.0, 6.0], [5.0, 5.0, 5.0, 5.0]], dtype=np.float32)
    full = zscore(s)
    np.testing.assert_allclose(full[0], (s[0] - 3.0) / np.sqrt(3.5), rtol=1e-6)
    np.testing.assert_array_equal(full[1], 0.0)  # a constant row: no division by 0
    mask = np.array([True, True, True, False])
    np.testing.assert_allclose(zscore(s, mask)[0], (s[0] - 2.0) / np.sqrt(2.0 / 3.0), rtol=1e-6)
    assert zscore(s, np.zeros(4, dtype=bool)).tolist() == [[0.0] * 4] * 2
    np.testing.assert_array_equal(zscore(s, mask, columns=[3, 0]), zscore(s, mask)[:, [3, 0]])


@given(
    arrays(np.float32, (3, 17), elements=st.integers(-50, 50).map(float)),  # spreads ≥ 1
    arrays(np.bool_, 17),
)
def test_zscore_matches_the_float64_definition(s: np.ndarray, mask: np.ndarray) -> None:
    ref = s.astype(np.float64)[:, mask] if mask.any() else None
    got = zscore(s, mask)
    if ref is None:
        assert not got.any()
        return
    std = ref.std(axis=1, keepdims=True)
    want = (s - ref.mean(axis=1, keepdims=True)) / np.where(std > 0, std, 1.0)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * (1 + np.abs(want).max()))
