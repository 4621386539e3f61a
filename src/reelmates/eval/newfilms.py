"""New films: films the community has not rated yet (a new release, a film just imported).

A seeded tenth of the films with at least ``min_ratings`` ratings is made new: every rating of
them is removed from what the scorers are fitted on. Each person keeps their ratings of the other
films as their history; their ratings of the new films are the test (every one relevant, as in
the main protocol). Each scorer ranks the new films only — top k among them — scored on those
test ratings. A scorer without film facts (popularity, EASE, ALS) has nothing to tell films
nobody rated apart: its scores tie, and ties are broken by a seeded random order, so it measures
the floor that film facts must beat.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from reelmates.eval.individual import ScorerSpec
from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.metrics import ndcg_per_user, ranking_scores


@dataclass(frozen=True)
class NewFilmsRow:
    label: str
    model: str
    new_films: int  # per seed
    people: int  # people with a test rating of a new film, per seed
    precision: float
    recall: float
    ndcg: float
    # Each person's nDCG@k (every seed's people, in order): pairs with another row of the run.
    ndcg_people: NDArray[np.float64] = field(
        default_factory=lambda: np.zeros(0), compare=False, repr=False
    )


def split_new_films(
    matrix: RatingsMatrix, fraction: float, seed: int, *, min_ratings: int = 5, at_least: int = 10
) -> tuple[NDArray[np.int64], sp.csr_matrix, sp.csr_matrix]:
    """(the new films' columns, sorted; the ratings without them; the people × new films part)."""
    counts = matrix.item_counts()
    eligible = np.flatnonzero(counts >= min_ratings)
    n_new = min(len(eligible), max(at_least, round(fraction * len(eligible))))
    rng = np.random.default_rng(seed)
    new = np.sort(rng.choice(eligible, size=n_new, replace=False)).astype(np.int64)
    is_new = np.zeros(matrix.n_items, dtype=bool)
    is_new[new] = True
    r = matrix.ratings.tocoo()
    old = ~is_new[r.col]
    train = sp.csr_matrix((r.data[old], (r.row[old], r.col[old])), shape=matrix.ratings.shape)
    column = np.full(matrix.n_items, -1, dtype=np.int64)
    column[new] = np.arange(n_new)
    test = sp.csr_matrix(
        (r.data[~old], (r.row[~old], column[r.col[~old]])), shape=(matrix.n_users, n_new)
    )
    return new, train.astype(np.float32), test.astype(np.float32)


def rank_among(scores: NDArray[np.floating], k: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """Each row's top ``k`` columns, highest score first, ties in a random order."""
    tie = rng.random(scores.shape)
    order = np.lexsort((tie, -np.asarray(scores, dtype=np.float64)), axis=1)
    return order[:, :k].astype(np.int64)


def run_new_films(
    matrix: RatingsMatrix,
    seeds: Sequence[int],
    specs: Sequence[ScorerSpec],
    *,
    fraction: float = 0.1,
    k: int = 10,
    on_step: Callable[[str], None] | None = None,
) -> list[NewFilmsRow]:
    """Every spec on every seed's new films; rows are means over seeds, in ``specs`` order."""
    collected: dict[str, list[NewFilmsRow]] = {s.label: [] for s in specs}
    for seed in seeds:
        new, train_ratings, test = split_new_films(matrix, fraction, seed)
        people = np.flatnonzero((np.diff(test.indptr) > 0) & (np.diff(train_ratings.indptr) > 0))
        train = matrix.with_ratings(train_ratings)
        histories = train.ratings[people]
        relevant = test[people]
        for spec in specs:
            scorer = spec.factory(train, seed).fit(train, seed=seed)
            scores = scorer.score_matrix(histories)[:, new]
            recs = rank_among(scores, k, np.random.default_rng(seed))
            every = ranking_scores(recs, relevant, k)
            _, per_person = ndcg_per_user(recs, relevant, k)
            collected[spec.label].append(
                NewFilmsRow(
                    spec.label,
                    scorer.describe(),
                    len(new),
                    len(people),
                    every.precision,
                    every.recall,
                    every.ndcg,
                    per_person,
                )
            )
            if on_step:
                on_step(f"seed {seed}: {spec.label} (new films)")
    return [_mean(rows) for rows in collected.values() if rows]


def _mean(rows: Sequence[NewFilmsRow]) -> NewFilmsRow:
    def avg(name: str) -> float:
        return float(np.mean([getattr(r, name) for r in rows]))

    return NewFilmsRow(
        rows[0].label,
        rows[-1].model,
        round(avg("new_films")),
        round(avg("people")),
        avg("precision"),
        avg("recall"),
        avg("ndcg"),
        np.concatenate([r.ndcg_people for r in rows]),
    )
