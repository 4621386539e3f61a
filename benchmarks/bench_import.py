"""Import benchmark: a synthetic file of ml-25m's shape into SQLite and PostgreSQL.

Writes movies.csv (62,423 films) and ratings.csv (25,000,095 ratings grouped by user, about
162,000 users, Zipf-shaped film popularity, half-star ratings), then runs
`reelmates import movielens` on it in a child process per database and prints rows/s and the
child's peak memory (ru_maxrss).
The reference figure beside it is the raw parse rate of the same file in the same run.

    python benchmarks/bench_import.py [--ratings 25000095] [--workdir /tmp/rm-bench]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

FILMS_25M, RATINGS_25M = 62_423, 25_000_095


def write_dataset(root: Path, n_ratings: int, seed: int = 25) -> None:
    root.mkdir(parents=True, exist_ok=True)
    if (root / "ratings.csv").exists() and (root / ".rows").read_text() == str(n_ratings):
        return
    rng = np.random.default_rng(seed)
    n_films = FILMS_25M
    with (root / "movies.csv").open("w") as f:
        f.write("movieId,title,genres\n")
        for i in range(1, n_films + 1):
            f.write(f'{i},"Synthetic Film {i} ({1920 + i % 100})",Drama|Comedy\n')
    pop = 1.0 / np.arange(1, n_films + 1) ** 0.9
    cdf = np.cumsum(pop / pop.sum())
    stars = np.array(["0.5", "1.0", "1.5", "2.0", "2.5", "3.0", "3.5", "4.0", "4.5", "5.0"])
    star_cdf = np.cumsum(np.array([1, 3, 2, 7, 5, 20, 13, 27, 9, 13], float) / 100)
    written, user = 0, 0
    with (root / "ratings.csv").open("w") as f:
        f.write("userId,movieId,rating,timestamp\n")
        while written < n_ratings:
            user += 1
            # Ratings per user: at least 20 (as MovieLens keeps), long-tailed, mean about 155.
            want = min(int(20 + rng.lognormal(4.2, 1.2)), 8000, n_ratings - written)
            draws = np.searchsorted(cdf, rng.random(int(want * 1.5) + 20))
            films = np.unique(draws)[:want] + 1  # distinct films, Zipf-popular ones most often
            rng.shuffle(films)
            chosen = stars[np.searchsorted(star_cdf, rng.random(len(films)) * star_cdf[-1])]
            ts = 1_000_000_000 + user
            f.write("".join(f"{user},{m},{s},{ts}\n" for m, s in zip(films, chosen, strict=True)))
            written += len(films)
    (root / ".rows").write_text(str(n_ratings))
    (root / ".actual").write_text(str(written))


def run_import(root: Path, db_url: str, data_dir: Path) -> tuple[float, int]:
    env = dict(os.environ, REELMATES_DATA_DIR=str(data_dir), REELMATES_DATABASE_URL=db_url)
    cmd = [sys.executable, "-m", "reelmates", "import", "movielens", str(root), "--replace"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    peak_kib = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return elapsed, peak_kib


def parse_only(root: Path) -> float:
    from reelmates.importers.movielens import open_movielens
    from reelmates.importers.sources import open_path

    started = time.perf_counter()
    with open_path(root) as src:
        n = sum(1 for _ in open_movielens(src).ratings())
    return n / (time.perf_counter() - started)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ratings", type=int, default=RATINGS_25M)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/reelmates-bench-import"))
    ap.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    ap.add_argument("--only", choices=["sqlite", "postgresql"])
    args = ap.parse_args()
    root = args.workdir / "synthetic-25m"
    print(f"writing a synthetic ml-25m-shaped dataset ({args.ratings:,} ratings) to {root} ...")
    write_dataset(root, args.ratings)
    rows = int((root / ".actual").read_text())
    print(f"  {rows:,} ratings, {(root / 'ratings.csv').stat().st_size / 1e9:.2f} GB")
    parse_rate = parse_only(root)
    print(f"reference: parsing alone {parse_rate:,.0f} rows/s")
    targets = {
        "sqlite": f"sqlite:///{args.workdir / 'bench.db'}",
        "postgresql": args.postgres,
    }
    for name, url in targets.items():
        if args.only and name != args.only:
            continue
        if name == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{args.workdir / 'bench.db'}{suffix}").unlink(missing_ok=True)
        elapsed, peak_kib = run_import(root, url, args.workdir / "data")
        print(
            f"{name:>10}: {rows:,} ratings in {elapsed:,.0f} s = {rows / elapsed:,.0f} rows/s "
            f"({rows / elapsed / parse_rate:.2f}x parsing alone); "
            f"peak memory {peak_kib / 1024 / 1024:.2f} GiB"
        )


if __name__ == "__main__":
    main()
