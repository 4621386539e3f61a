"""Latency through the services, on a 60,000-film catalog in a real database.

Builds (once, cached in --workdir) a synthetic ml-25m-shaped dataset with --ratings ratings over
62,423 films, imports it with the real import service, adds members with 15 ratings each, trains the
default model with the real train service, then times, in one run:

- `recommend_for_person` (read the member's ratings, fold in, rank top 10, stars, reasons) beside
  the core `scorer.recommend` on the same member and the compute floor (one matrix-vector
  product + top 10);
- `pick_together` for a group of 4 beside its floor (the 4 member vectors × item factors).

    python benchmarks/bench_service_latency.py [--ratings 1000000] [--db URL] [--runs 50]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm caches (model load, first query)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return 1000 * float(np.median(times))


HEAVY = "bench-heavy"


def request(service: Callable[..., object], holder: object, *args: object) -> object:
    """One request as a front end makes it: the current model, one read-only unit of work."""
    from reelmates.services.uow import unit_of_work

    context = holder.get()  # type: ignore[attr-defined]
    with unit_of_work(holder.engine, read_only=True) as session:  # type: ignore[attr-defined]
        return service(session, context, *args)


def main() -> None:
    from bench_import import write_dataset

    from reelmates.errors import NotFoundError
    from reelmates.importers.movielens import open_movielens
    from reelmates.importers.sources import open_path
    from reelmates.services.importing import import_movielens
    from reelmates.services.personal import recommend_for_person
    from reelmates.services.taste import ModelHolder, train_taste_model
    from reelmates.services.together import GroupOptions, load_member, pick_together
    from reelmates.services.uow import unit_of_work
    from reelmates.settings import Settings
    from reelmates.store.migrate import open_database
    from reelmates.store.people import PersonRepository
    from reelmates.store.ratings import RatingRepository

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ratings", type=int, default=1_000_000)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/reelmates-bench-service"))
    ap.add_argument("--db", default=None, help="database URL (default: SQLite in --workdir)")
    ap.add_argument("--runs", type=int, default=50)
    args = ap.parse_args()

    root = args.workdir / "synthetic"
    write_dataset(root, args.ratings)
    settings = Settings(
        data_dir=args.workdir / "data",
        database_url=args.db or f"sqlite:///{args.workdir / 'service.db'}",
    )
    engine = open_database(settings)
    members = [f"bench-{n}" for n in range(4)]
    with unit_of_work(engine) as session:
        fresh = PersonRepository(session).by_handle(members[0]) is None
    if fresh:
        print("importing (once) ...")
        with open_path(root) as src:
            import_movielens(engine, open_movielens(src), replace=True)
        rng = np.random.default_rng(3)
        with unit_of_work(engine) as session:
            ratings = RatingRepository(session)
            for handle in members:
                person, _ = PersonRepository(session).get_or_create_member(handle)
                for film in rng.choice(np.arange(1, 2_000), 15, replace=False):
                    ratings.set_rating(person.id, int(film), float(rng.integers(1, 11)) / 2, None)
    with unit_of_work(engine) as session:
        # A Letterboxd power user: 1,500 ratings (folded in at every request).
        if PersonRepository(session).by_handle(HEAVY) is None:
            person, _ = PersonRepository(session).get_or_create_member(HEAVY)
            ratings = RatingRepository(session)
            heavy_rng = np.random.default_rng(9)
            for film in heavy_rng.choice(np.arange(1, 40_000), 1_500, replace=False):
                ratings.set_rating(person.id, int(film), float(heavy_rng.integers(1, 11)) / 2, None)
    holder = ModelHolder(settings.effective_model_dir, engine)
    try:
        if fresh:
            raise NotFoundError("a fresh database")
        holder.get()
    except NotFoundError:
        print("training (once) ...")
        train_taste_model(engine, settings)
    context = holder.get()
    scorer, catalog = context.scorer, context.catalog
    print(f"model: {scorer.describe()} from {context.path}")
    print(f"films in the model: {catalog.facts.n_items:,}")

    with unit_of_work(engine) as session:
        member = load_member(session, catalog, members[0], GroupOptions())
    items, stars = member.seen, member.seen_stars
    factors = getattr(getattr(scorer, "collab", scorer), "item_factors", None)
    n = catalog.facts.n_items
    rng = np.random.default_rng(0)
    dim = factors.shape[1] if factors is not None else 64
    item_matrix = factors if factors is not None else rng.normal(size=(n, dim)).astype(np.float32)
    vector = rng.normal(size=dim).astype(item_matrix.dtype)
    group_vectors = rng.normal(size=(4, dim)).astype(item_matrix.dtype)

    def floor_one() -> object:
        scores = item_matrix @ vector
        return np.argpartition(-scores, 10)[:10]

    def floor_group() -> object:
        scores = group_vectors @ item_matrix.T
        return np.argpartition(-scores.mean(axis=0), 10)[:10]

    rows = [
        ("floor: one mat-vec + top 10", median_ms(floor_one, args.runs)),
        (
            "core: scorer.recommend (fold-in + rank)",
            median_ms(lambda: scorer.recommend(items, stars, 10, exclude=items), args.runs),
        ),
        (
            "service: recommend_for_person (read, fold in, rank, stars, reasons)",
            median_ms(lambda: request(recommend_for_person, holder, members[0], 10), args.runs),
        ),
        ("floor: 4 member vectors × item factors + top 10", median_ms(floor_group, args.runs)),
        (
            "service: pick_together, group of 4 (read, fold in, rank, stars, reasons)",
            median_ms(
                lambda: request(pick_together, holder, members, GroupOptions(k=10)), args.runs
            ),
        ),
    ]
    heavy_group = [HEAVY, *members[1:]]
    rows += [
        (
            "service: recommend_for_person, a member with 1,500 ratings",
            median_ms(lambda: request(recommend_for_person, holder, HEAVY, 10), args.runs),
        ),
        (
            "service: pick_together, group of 4 with the 1,500-rating member",
            median_ms(
                lambda: request(pick_together, holder, heavy_group, GroupOptions(k=10)), args.runs
            ),
        ),
    ]
    print(f"medians over {args.runs} runs, one BLAS thread:")
    for name, ms in rows:
        print(f"  {ms:8.2f} ms  {name}")
    print(f"  core / floor      = {rows[1][1] / rows[0][1]:.2f}x")
    print(f"  service / floor   = {rows[2][1] / rows[0][1]:.2f}x")
    print(f"  group svc / floor = {rows[4][1] / rows[3][1]:.2f}x")
    print(f"  heavy / floor     = {rows[5][1] / rows[0][1]:.2f}x (aim: under 50 ms)")
    print(f"  heavy group/floor = {rows[6][1] / rows[3][1]:.2f}x (aim: under 50 ms)")


if __name__ == "__main__":
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # the request path runs on one BLAS thread
        main()
