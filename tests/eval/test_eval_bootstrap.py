"""The paired bootstrap: known cases that decide either way."""

from __future__ import annotations

import numpy as np
import pytest

from reelmates.eval.bootstrap import paired_difference


def test_a_constant_lift_gives_a_point_interval_at_that_lift() -> None:
    b = np.random.default_rng(1).random(200)
    d = paired_difference(b + 0.05, b)
    assert d.mean == pytest.approx(0.05)
    assert d.low == pytest.approx(0.05) and d.high == pytest.approx(0.05)
    assert d.excludes_zero and d.n == 200


def test_pure_noise_around_zero_does_not_exclude_zero() -> None:
    rng = np.random.default_rng(2)
    b = rng.random(500)
    noise = rng.choice([-0.1, 0.1], size=500)
    noise -= noise.mean()  # mean difference exactly 0
    d = paired_difference(b + noise, b, seed=3)
    assert d.mean == pytest.approx(0.0, abs=1e-12)
    assert d.low < 0.0 < d.high and not d.excludes_zero
    # The interval is about ±1.96 standard errors of the mean: 0.1 / sqrt(500) each.
    assert d.high == pytest.approx(1.96 * 0.1 / np.sqrt(500), rel=0.15)


def test_unpaired_input_is_refused() -> None:
    with pytest.raises(ValueError, match="same length"):
        paired_difference(np.ones(3), np.ones(4))
