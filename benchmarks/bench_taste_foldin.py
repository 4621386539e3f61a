"""Fold-in latency: a person with 15 ratings → top 10 over a 60,000-film ALS model.

Medians over many people, in one run, of:
- ours: ``AlsScorer.recommend`` (exact fold-in solve + one matrix-vector product + top 10, rated
  films excluded);
- ``implicit``'s ``recommend(..., recalculate_user=True)``;
- the floor: one matrix-vector product with the item factors and a top-10 selection.

    python benchmarks/bench_taste_foldin.py [--films 60000] [--people 300]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys_path = Path(__file__).resolve().parent


def median_ms(fn: Callable[[int], object], n: int) -> float:
    times = []
    for p in range(n):
        t = time.perf_counter()
        fn(p)
        times.append(time.perf_counter() - t)
    return 1000 * float(np.median(times))


def main() -> None:
    import sys

    from threadpoolctl import threadpool_limits

    sys.path.insert(0, str(sys_path))
    from bench_taste_scale import synthetic

    from reelmates.taste.als import AlsConfig, AlsScorer
    from reelmates.taste.matrix import RatingsMatrix

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--films", type=int, default=60_000)
    ap.add_argument("--ratings", type=int, default=1_000_000, help="to fit the model on")
    ap.add_argument("--people", type=int, default=300)
    ap.add_argument("--given", type=int, default=15)
    args = ap.parse_args()

    users, items, stars = synthetic(args.films, args.ratings, 7)
    matrix = RatingsMatrix.from_triples(users, items, stars, item_ids=np.arange(args.films))
    ours = AlsScorer(AlsConfig(factors=64, iterations=3, threads=0)).fit(matrix, calibrate=False)

    from implicit.cpu.als import AlternatingLeastSquares

    ref = AlternatingLeastSquares(factors=64, iterations=1, random_state=0)
    with threadpool_limits(1, "blas"):
        ref.fit(sp.csr_matrix(matrix.ratings.shape, dtype=np.float32), show_progress=False)
    ref.item_factors = ours.item_factors.copy()  # same factors: only the serving path differs
    ref.user_factors = np.zeros((1, 64), dtype=np.float32)

    rng = np.random.default_rng(1)
    pop = matrix.item_counts() + 1.0
    people = [
        np.sort(rng.choice(args.films, args.given, replace=False, p=pop / pop.sum()))
        for _ in range(args.people)
    ]
    people_stars = [rng.integers(1, 11, args.given) / 2 for _ in people]
    rows = [
        sp.csr_matrix((np.ones(args.given, np.float32), (np.zeros(args.given), p)),
                      shape=(1, args.films))
        for p in people
    ]  # fmt: skip
    Y = ours.item_factors
    vectors = rng.normal(size=(args.people, 64)).astype(np.float32)

    def floor(p: int) -> object:
        s = Y @ vectors[p]
        return np.argpartition(-s, 9)[:10]

    with threadpool_limits(1, "blas"):
        for _ in range(2):  # warm-up round, then measured round
            t_floor = median_ms(floor, args.people)
            t_ours = median_ms(
                lambda p: ours.recommend(people[p], people_stars[p], 10), args.people
            )
            t_ref = median_ms(
                lambda p: ref.recommend(0, rows[p], N=10, recalculate_user=True), args.people
            )
    print(f"{args.films} films, {args.given} ratings per person, medians over {args.people}:")
    print(f"  floor (matvec + top 10)          {t_floor:7.3f} ms")
    print(f"  ours  (fold-in + rank)           {t_ours:7.3f} ms  = {t_ours / t_floor:.2f}× floor")
    print(f"  implicit recalculate_user=True   {t_ref:7.3f} ms  = {t_ref / t_floor:.2f}× floor")


if __name__ == "__main__":
    main()
