"""Parse speed and memory of the MovieLens ratings reader on a synthetic ml-25m-shaped CSV.

    python benchmarks/bench_parse.py [--rows 5000000] [--repeats 3]

Writes ``movies.csv`` + ``ratings.csv`` (25M's shape: ~62k films, ids, half-star ratings, unix
times) to a temp folder, then times parse+validate alone (records are consumed and dropped).
Also times a bare ``line.split`` loop over the same file as the in-run reference, so the ratio
says how much validation and record building cost beyond reading.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from reelmates.importers.movielens import open_movielens
from reelmates.importers.sources import open_path


def write_dataset(folder: Path, rows: int, films: int = 62_000, seed: int = 7) -> None:
    rnd = random.Random(seed)
    with (folder / "movies.csv").open("w", encoding="utf-8") as f:
        f.write("movieId,title,genres\n")
        for i in range(1, films + 1):
            f.write(f'{i},"Film {i}, The ({1900 + i % 120})",Drama|Comedy\n')
    stars = [f"{h / 2:.1f}" for h in range(1, 11)]
    with (folder / "ratings.csv").open("w", encoding="utf-8") as f:
        f.write("userId,movieId,rating,timestamp\n")
        user, block = 1, []
        for n in range(rows):
            if rnd.random() < 0.006:  # ~160 ratings per user, as in 25M
                user += 1
            when = rnd.randint(800_000_000, 1_700_000_000)
            block.append(f"{user},{rnd.randint(1, films)},{rnd.choice(stars)},{when}\n")
            if len(block) == 100_000 or n == rows - 1:
                f.write("".join(block))
                block.clear()


def time_split_only(path: Path) -> float:
    start = time.perf_counter()
    with path.open("rb") as f:
        for raw in f:
            raw.split(b",")
    return time.perf_counter() - start


def time_parse(folder: Path) -> tuple[float, int]:
    with open_path(folder) as root:
        dataset = open_movielens(root)
        dataset.film_ids()  # the films file is not what we measure
        start = time.perf_counter()
        count = 0
        for count, _record in enumerate(dataset.ratings(), start=1):  # noqa: B007
            pass
        return time.perf_counter() - start, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_dataset(folder, args.rows)
        size_mb = (folder / "ratings.csv").stat().st_size / 1e6
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        parse_times, split_times = [], []
        for _ in range(args.repeats):
            seconds, count = time_parse(folder)
            assert count == args.rows, count
            parse_times.append(seconds)
            split_times.append(time_split_only(folder / "ratings.csv"))
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    parse, split = statistics.median(parse_times), statistics.median(split_times)
    print(f"python {sys.version.split()[0]}, {args.rows:,} rows, ratings.csv {size_mb:.0f} MB")
    print(f"parse+validate: median {parse:.2f} s = {args.rows / parse / 1e6:.2f} M rows/s")
    print(f"bare split loop (reference): median {split:.2f} s; ratio {parse / split:.2f}x")
    print(f"peak RSS {rss_after / 1024:.0f} MiB (before parsing {rss_before / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
