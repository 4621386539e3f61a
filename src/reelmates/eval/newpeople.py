"""New people: held-out users folded in with only n of their ratings (no retraining).

A seeded tenth of the people is removed from the community; each scorer is fitted once on the rest.
For each n in ``sizes``, every removed person with more than n ratings gives n random ratings
(seeded) and the rest are their test ratings; top k among films not among the n.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from reelmates.eval.individual import Row, ScorerSpec, _row, mean_row
from reelmates.taste.base import top_k_rows
from reelmates.taste.matrix import RatingsMatrix, random_positions
from reelmates.taste.splits import holdout_users


@dataclass(frozen=True)
class NewPeopleRow:
    given: int
    row: Row  # fit_seconds holds the fold-in milliseconds per person here


def split_given(
    ratings: sp.csr_matrix, rows: np.ndarray, n: int, seed: int
) -> tuple[np.ndarray, sp.csr_matrix, sp.csr_matrix]:
    """(people with more than n ratings, their n given ratings, their other ratings)."""
    r = ratings.tocsr()
    rows = rows[np.diff(r.indptr)[rows] > n]
    sub = r[rows].tocsr()
    counts = np.diff(sub.indptr)
    owner = np.repeat(np.arange(len(rows)), counts)
    given = random_positions(sub, np.random.default_rng(seed)) < n

    def part(mask: np.ndarray) -> sp.csr_matrix:
        return sp.csr_matrix(
            (sub.data[mask], (owner[mask], sub.indices[mask])), shape=sub.shape, dtype=np.float32
        )

    return rows, part(given), part(~given)


def run_new_people(
    matrix: RatingsMatrix,
    seeds: Sequence[int],
    specs: Sequence[ScorerSpec],
    *,
    sizes: Sequence[int] = (5, 10, 20),
    fraction: float = 0.1,
    k: int = 10,
    on_step: Callable[[str], None] | None = None,
) -> list[NewPeopleRow]:
    collected: dict[tuple[int, str], list[Row]] = {}
    for seed in seeds:
        kept, new = holdout_users(matrix, fraction, seed=seed)
        keep_mask = np.zeros(matrix.n_users, dtype=bool)
        keep_mask[kept] = True
        community = sp.csr_matrix(sp.diags(keep_mask.astype(np.float32)) @ matrix.ratings)
        community.eliminate_zeros()
        train = matrix.with_ratings(community)
        for spec in specs:
            scorer = spec.factory(train, seed).fit(train, seed=seed)
            for n in sizes:
                _, given, test = split_given(matrix.ratings, new, n, seed)
                started = time.perf_counter()
                scores = scorer.score_matrix(given)
                recs, _ = top_k_rows(scores, k, given)
                ms = 1000 * (time.perf_counter() - started) / max(given.shape[0], 1)
                row = replace(_row(scorer, recs, given, test, k, ms), label=spec.label)
                collected.setdefault((n, spec.label), []).append(row)
            if on_step:
                on_step(f"seed {seed}: {spec.label} (new people)")
    return [NewPeopleRow(n, mean_row(label, rows)) for (n, label), rows in collected.items()]
