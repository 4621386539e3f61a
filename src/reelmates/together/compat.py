"""Taste compatibility between two people, from their predicted stars over the catalog.

The input is the two people's predicted stars for every film the model knows (a 2 × films array,
NaN where there is no prediction) and, optionally, a **baseline**: what the model predicts for a
newcomer it knows nothing about (the service folds in an empty history).

- **Overall** (0–100%): the Pearson correlation ``r`` of the two people's predicted stars over the
  films both have a prediction for, after subtracting the baseline from each, shown as
  ``50 · (1 + r)``: 100% when their tastes move together film by film (identical tastes), 50% when
  they are unrelated, 0% when they are opposite. Subtracting the baseline keeps films that nearly
  everyone likes (or nobody does) from making any two people look alike: what is compared is where
  each departs from the crowd. With fewer than ``MIN_FILMS`` films, or when one person's
  departures do not vary at all (nothing is known of their taste), there is no figure (None).
- **Per genre and per decade**: for each genre (a film counts in each of its genres) and each
  decade with at least ``min_films`` films, each person's mean predicted stars and how much they
  agree: ``100 · (1 − d / 4.5)``, ``d`` being the mean absolute difference of their predicted
  stars over those films and 4.5 the widest gap two ratings can have (0.5★ against 5★): 100% when
  they are predicted the same stars film by film, 0% when one gives 5★ to every film the other
  gives 0.5★. The raw stars are compared here, not the departures: the bars of the chart show
  the same means.
- **Films both rated** (:func:`rated_agreement`): with at least ``min_shared`` films both rated,
  the number of such films and the same agreement on their own stars.

Pure: arrays in, numbers out; no database, no model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from reelmates.together.inputs import BoolArray, FloatArray, ItemFacts

MIN_FILMS = 5  # films a figure needs: overall, and per genre or decade
MIN_SHARED = 5  # films both rated before their own stars are compared
STAR_RANGE = 4.5  # 5★ − 0.5★: the widest gap between two ratings


@dataclass(frozen=True, slots=True)
class Agreement:
    """Two people on one genre or decade."""

    label: str  # "Comedy", "1990s"
    films: int
    stars: tuple[float, float]  # each person's mean predicted stars over those films
    difference: float  # mean absolute difference of their stars, film by film
    agreement: float  # 0–100: 100 · (1 − difference / 4.5)


@dataclass(frozen=True, slots=True)
class Compatibility:
    overall: float | None  # 0–100, None when there is too little to say
    correlation: float | None  # r behind ``overall``
    films: int  # films compared for the overall figure
    genres: tuple[Agreement, ...] = ()  # in the catalog's genre order
    decades: tuple[Agreement, ...] = ()  # oldest first

    @property
    def most_different(self) -> Agreement | None:
        """The genre where they agree least (ties: the first in genre order)."""
        return min(self.genres, key=lambda g: g.agreement, default=None)

    @property
    def most_alike(self) -> Agreement | None:
        return max(self.genres, key=lambda g: g.agreement, default=None)


@dataclass(frozen=True, slots=True)
class SharedRatings:
    films: int  # films both rated
    difference: float  # mean absolute difference of their stars
    agreement: float  # 0–100, as for a genre


def _pair(stars: ArrayLike) -> tuple[FloatArray, FloatArray]:
    rows = np.asarray(stars, dtype=np.float64)
    if rows.ndim != 2 or rows.shape[0] != 2:
        raise ValueError(f"expected 2 rows of predicted stars, got shape {rows.shape}")
    return rows[0], rows[1]


def overall(
    a: FloatArray, b: FloatArray, baseline: FloatArray | None = None, *, min_films: int = MIN_FILMS
) -> tuple[float | None, float | None, int]:
    """(figure 0–100, correlation, films compared); see the module's docstring."""
    da, db = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if baseline is not None:
        base = np.asarray(baseline, dtype=np.float64)
        da, db = da - base, db - base
    both = np.isfinite(da) & np.isfinite(db)
    n = int(both.sum())
    if n < max(min_films, 2):
        return None, None, n
    x, y = da[both] - da[both].mean(), db[both] - db[both].mean()
    sx, sy = float(np.sqrt(x @ x)), float(np.sqrt(y @ y))
    # Departures that do not vary (all zero: a newcomer) say nothing about a taste.
    if sx <= 1e-9 * np.sqrt(n) or sy <= 1e-9 * np.sqrt(n):
        return None, None, n
    r = float(np.clip((x @ y) / (sx * sy), -1.0, 1.0))
    return 50.0 * (1.0 + r), r, n


def _agreement(label: str, a: FloatArray, b: FloatArray) -> Agreement:
    gap = float(np.abs(a - b).mean())
    return Agreement(
        label=label,
        films=int(a.size),
        stars=(float(a.mean()), float(b.mean())),
        difference=gap,
        agreement=100.0 * max(0.0, 1.0 - gap / STAR_RANGE),
    )


def agreements(
    a: FloatArray,
    b: FloatArray,
    groups: Sequence[tuple[str, BoolArray]],
    *,
    min_films: int = MIN_FILMS,
) -> tuple[Agreement, ...]:
    """Agreement within each (label, film mask) that has ``min_films`` films both have stars
    for; the others are left out, in the order given."""
    known = np.isfinite(a) & np.isfinite(b)
    out = []
    for label, mask in groups:
        films = np.asarray(mask, dtype=bool) & known
        if int(films.sum()) >= min_films:
            out.append(_agreement(label, a[films], b[films]))
    return tuple(out)


def genre_groups(facts: ItemFacts) -> list[tuple[str, BoolArray]]:
    """(genre, its films) in the catalog's genre order; none without genres."""
    if facts.genres is None:
        return []
    return [(g, facts.genres[:, j]) for j, g in enumerate(facts.genre_names)]


def decade_groups(years: FloatArray | None) -> list[tuple[str, BoolArray]]:
    """("1990s", its films), oldest first; films of unknown year are in none."""
    if years is None:
        return []
    y = np.asarray(years, dtype=np.float64)
    known = np.isfinite(y)
    decades = np.full(y.shape, -1, dtype=np.int64)
    decades[known] = (np.floor(y[known] / 10) * 10).astype(np.int64)
    return [(f"{d}s", decades == d) for d in np.unique(decades[known]).tolist()]


def compatibility(
    stars: ArrayLike,
    facts: ItemFacts | None = None,
    *,
    baseline: ArrayLike | None = None,
    breakdown: bool = True,
    min_films: int = MIN_FILMS,
) -> Compatibility:
    """Two people's compatibility from their predicted stars (2 × films; NaN: no prediction).

    ``facts``: genres and years for the per-genre and per-decade agreement. ``breakdown=False``
    gives the overall figure only (for a person whose taste is private: see
    :mod:`reelmates.privacy`).
    """
    a, b = _pair(stars)
    base = None if baseline is None else np.asarray(baseline, dtype=np.float64).reshape(-1)
    if base is not None and base.shape != a.shape:
        raise ValueError(f"baseline has {base.size} films, the stars {a.size}")
    if facts is not None and facts.n_items != a.size:
        raise ValueError(f"facts describe {facts.n_items} films, the stars {a.size}")
    figure, r, n = overall(a, b, base, min_films=min_films)
    if not breakdown or facts is None:
        return Compatibility(figure, r, n)
    return Compatibility(
        figure,
        r,
        n,
        genres=agreements(a, b, genre_groups(facts), min_films=min_films),
        decades=agreements(a, b, decade_groups(facts.years), min_films=min_films),
    )


def rated_agreement(
    items_a: ArrayLike,
    stars_a: ArrayLike,
    items_b: ArrayLike,
    stars_b: ArrayLike,
    *,
    min_shared: int = MIN_SHARED,
) -> SharedRatings | None:
    """How close two people's own stars are on the films both rated (NaN stars: seen without a
    rating, left out); None with fewer than ``min_shared`` such films."""
    mine = _ratings(items_a, stars_a)
    theirs = _ratings(items_b, stars_b)
    common = sorted(mine.keys() & theirs.keys())
    if len(common) < min_shared:
        return None
    x = np.array([mine[i] for i in common])
    y = np.array([theirs[i] for i in common])
    gap = float(np.abs(x - y).mean())
    return SharedRatings(len(common), gap, 100.0 * max(0.0, 1.0 - gap / STAR_RANGE))


def _ratings(items: ArrayLike, stars: ArrayLike) -> dict[int, float]:
    ids: NDArray[np.int64] = np.asarray(items, dtype=np.int64).reshape(-1)
    values = np.asarray(stars, dtype=np.float64).reshape(-1)
    return {i: s for i, s in zip(ids.tolist(), values.tolist(), strict=True) if np.isfinite(s)}
