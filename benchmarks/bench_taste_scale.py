"""Scale: the default scorer's fit time and peak memory at 60,000 films × 25M ratings, beside
the ``implicit`` package's ALS (64 factors, 15 iterations) in the same run.

The data is a seeded, Zipf-shaped synthetic set: film popularity ∝ rank^−0.9, person activity
heavy-tailed (Pareto), stars tied to a hidden film quality. Each side runs in its own process so
that peak memory (max RSS, which includes the data both sides hold) is its own.

    python benchmarks/bench_taste_scale.py                 # full size (minutes)
    python benchmarks/bench_taste_scale.py --ratings 2000000
    python benchmarks/bench_taste_scale.py --rounds 2     # default, implicit, implicit, default
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np


def synthetic(n_items: int, n_ratings: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n_users = max(n_ratings // 150, 10)
    activity = (rng.pareto(1.5, n_users) + 1.0) * 20.0
    counts = np.minimum(np.maximum((activity / activity.sum() * n_ratings * 1.3), 5), n_items // 4)
    counts = counts.astype(np.int64)
    users = np.repeat(np.arange(n_users, dtype=np.int32), counts)
    pop = (np.arange(1, n_items + 1, dtype=np.float64)) ** -0.9
    items = rng.choice(n_items, size=len(users), p=pop / pop.sum()).astype(np.int32)
    items = rng.permutation(n_items).astype(np.int32)[items]  # popularity not tied to the id
    key = np.unique(users.astype(np.int64) * n_items + items)[:n_ratings]
    users, items = (key // n_items).astype(np.int32), (key % n_items).astype(np.int32)
    quality = rng.normal(0, 0.6, n_items)
    raw = 3.5 + quality[items] + rng.normal(0, 0.9, len(items))
    stars = np.clip(np.round(raw * 2) / 2, 0.5, 5.0).astype(np.float32)
    return users, items, stars


def run_side(side: str, n_items: int, n_ratings: int, seed: int) -> dict[str, float | str]:
    import scipy.sparse as sp

    users, items, stars = synthetic(n_items, n_ratings, seed)
    if side == "implicit":
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        X = sp.csr_matrix(
            (np.ones(len(users), np.float32), (users, items)), shape=(users.max() + 1, n_items)
        )
        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(factors=64, iterations=15, random_state=seed)
            started = time.perf_counter()
            model.fit(X, show_progress=False)
        seconds = time.perf_counter() - started
        what = "implicit ALS 64 factors, 15 iterations"
    else:
        from reelmates.taste.default import default_collaborative
        from reelmates.taste.matrix import RatingsMatrix

        matrix = RatingsMatrix.from_triples(users, items, stars, item_ids=np.arange(n_items))
        scorer = default_collaborative(matrix.n_items)
        started = time.perf_counter()
        scorer.fit(matrix, seed=seed)  # includes the stars calibration
        seconds = time.perf_counter() - started
        what = scorer.describe()
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    return {"side": side, "what": what, "fit_s": seconds, "peak_gb": peak_gb, "nnz": len(users)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--films", type=int, default=60_000)
    ap.add_argument("--ratings", type=int, default=25_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--rounds", type=int, default=1, help="alternate ABBA..., report medians")
    ap.add_argument("--side", choices=["default", "implicit"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.side:
        print(json.dumps(run_side(args.side, args.films, args.ratings, args.seed)))
        return
    results: dict[str, list[dict[str, float | str]]] = {"default": [], "implicit": []}
    for n in range(args.rounds):
        # The machine is shared: alternate the order so drifting load hits both sides alike.
        for side in ("default", "implicit") if n % 2 == 0 else ("implicit", "default"):
            load = os.getloadavg()[0]
            out = subprocess.run(
                [sys.executable, __file__, "--side", side, "--films", str(args.films),
                 "--ratings", str(args.ratings), "--seed", str(args.seed)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            r = json.loads(out.stdout.strip().splitlines()[-1])
            results[side].append(r)
            print(
                f"{side:9s} fit {r['fit_s']:8.1f} s  peak RSS {r['peak_gb']:5.2f} GB  "
                f"(load {load:.1f} before)  {r['what']}",
                flush=True,
            )
    d = float(np.median([r["fit_s"] for r in results["default"]]))
    i = float(np.median([r["fit_s"] for r in results["implicit"]]))
    peak = max(float(r["peak_gb"]) for r in results["default"])
    print(
        f"{results['default'][0]['nnz']} ratings, {args.films} films, {args.rounds} round(s): "
        f"median fit default {d:.1f} s, implicit {i:.1f} s, default / implicit = {d / i:.2f}; "
        f"default peak {peak:.2f} GB (bar < 8 GB)"
    )


if __name__ == "__main__":
    main()
