"""Taste compatibility on tiny hand-made data: every figure worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from reelmates.together.compat import compatibility, decade_groups, overall, rated_agreement
from reelmates.together.inputs import ItemFacts

# Six films: 0–2 comedies of the 1990s, 3–5 horror films of 2001, 2005 and 2010.
FACTS = ItemFacts(
    n_items=6,
    genres=np.array([[1, 0], [1, 0], [1, 0], [0, 1], [0, 1], [0, 1]], dtype=bool),
    genre_names=("Comedy", "Horror"),
    years=np.array([1990, 1995, 1999, 2001, 2005, 2010], dtype=float),
)


def test_identical_tastes_are_100_percent_everywhere() -> None:
    a = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 4.5])
    result = compatibility(np.vstack([a, a]), FACTS, min_films=3)
    assert result.overall == pytest.approx(100.0) and result.films == 6
    assert [(g.label, g.agreement, g.difference) for g in result.genres] == [
        ("Comedy", 100.0, 0.0),
        ("Horror", 100.0, 0.0),
    ]
    assert result.genres[1].stars == pytest.approx((4.5, 4.5))


def test_opposite_tastes_are_0_percent() -> None:
    a = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 4.5])
    result = compatibility(np.vstack([a, 5.5 - a]), FACTS)
    assert result.overall == pytest.approx(0.0) and result.correlation == pytest.approx(-1.0)


def test_the_correlation_worked_by_hand() -> None:
    # Departures x = (-1, 0, 1), y = (-1, 1, 0): x·y = 1, |x| = |y| = √2, r = 1/2 → 75%.
    figure, r, n = overall(np.array([1.0, 2.0, 3.0]), np.array([1.0, 3.0, 2.0]), min_films=3)
    assert (figure, r, n) == (pytest.approx(75.0), pytest.approx(0.5), 3)


def test_the_baseline_is_taken_out_so_what_the_crowd_likes_does_not_count() -> None:
    base = np.array([1.0, 5.0, 1.0, 5.0, 1.0, 5.0])  # the crowd's taste, shared by both
    mine = np.array([0.5, 0.0, -0.5, 0.0, 0.5, 0.0])  # where each departs from it: opposite
    raw = np.vstack([base + mine, base - mine])
    assert compatibility(raw).overall == pytest.approx(100 * 0.5 * (1 + np.corrcoef(raw)[0, 1]))
    assert compatibility(raw).overall > 90  # without the baseline they look alike
    assert compatibility(raw, baseline=base).overall == pytest.approx(0.0)
    # Departures that agree in direction, whatever their size: 100%.
    alike = np.vstack([base + mine, base + 2 * mine])
    assert compatibility(alike, baseline=base).overall == pytest.approx(100.0)


def test_the_genre_they_disagree_on_shows_as_the_most_different() -> None:
    a = np.array([4.0, 3.0, 4.5, 4.0, 4.5, 3.5])
    b = np.array([4.0, 3.0, 4.5, 1.0, 1.5, 0.5])  # 3★ below on every horror film
    result = compatibility(np.vstack([a, b]), FACTS, min_films=3)
    comedy, horror = result.genres
    assert comedy.agreement == 100.0
    assert horror.difference == pytest.approx(3.0)
    assert horror.agreement == pytest.approx(100 * (1 - 3.0 / 4.5))  # 33.3%
    assert horror.stars == pytest.approx((4.0, 1.0))
    assert result.most_different == horror and result.most_alike == comedy


def test_decades_oldest_first_and_small_ones_left_out() -> None:
    assert [label for label, _ in decade_groups(FACTS.years)] == ["1990s", "2000s", "2010s"]
    a = np.array([4.0, 3.0, 2.0, 5.0, 1.0, 3.0])
    b = np.array([3.0, 3.0, 3.0, 4.0, 2.0, 3.0])
    result = compatibility(np.vstack([a, b]), FACTS, min_films=2)
    # 1990s: gaps 1, 0, 1 → 2/3★; 2000s: gaps 1, 1 → 1★; 2010s has one film: left out.
    assert [(d.label, d.films) for d in result.decades] == [("1990s", 3), ("2000s", 2)]
    assert result.decades[0].difference == pytest.approx(2 / 3)
    assert result.decades[1].agreement == pytest.approx(100 * (1 - 1 / 4.5))
    assert result.decades[0].stars == pytest.approx((3.0, 3.0))


def test_films_without_a_prediction_are_left_out() -> None:
    a = np.array([1.0, 2.0, 3.0, np.nan, 5.0, 4.0])
    b = np.array([1.0, 2.0, 3.0, 2.0, np.nan, 4.0])
    result = compatibility(np.vstack([a, b]), FACTS, min_films=2)
    assert result.films == 4 and result.overall == pytest.approx(100.0)
    assert [(g.label, g.films) for g in result.genres] == [("Comedy", 3)]  # horror: 1 film


def test_too_little_to_say_is_no_figure() -> None:
    a = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 4.5])
    assert compatibility(np.vstack([a, a]), min_films=7).overall is None  # 6 films
    flat = np.full(6, 3.5)  # a newcomer: nothing known of their taste
    result = compatibility(np.vstack([a, flat]), FACTS)
    assert result.overall is None and result.correlation is None


def test_the_breakdown_can_be_left_out() -> None:
    a = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 4.5])
    result = compatibility(np.vstack([a, a]), FACTS, breakdown=False, min_films=3)
    assert result.overall == pytest.approx(100.0)
    assert result.genres == () and result.decades == () and result.most_different is None


def test_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="2 rows"):
        compatibility(np.ones((3, 6)))
    with pytest.raises(ValueError, match="facts describe 6 films"):
        compatibility(np.ones((2, 5)), FACTS)


def test_films_both_rated_worked_by_hand() -> None:
    shared = rated_agreement(
        [1, 2, 3, 4, 5, 6], [5, 4, 3, 2, 1, np.nan], [5, 4, 3, 2, 1, 6, 9], [2, 2, 3, 4, 4, 1, 3]
    )
    # Films 1–5 (6 was only seen by the first): gaps 1, 0, 0, 0, 1 → 0.4★.
    assert shared is not None and shared.films == 5
    assert shared.difference == pytest.approx(0.4)
    assert shared.agreement == pytest.approx(100 * (1 - 0.4 / 4.5))
    assert rated_agreement([1, 2], [3, 3], [1, 2], [3, 3]) is None  # fewer than 5 in common
