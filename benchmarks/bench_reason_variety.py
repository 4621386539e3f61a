"""How varied the films cited by one person's top 100 reasons are, by reuse decay.

Needs a database with a trained model (e.g. ML-100K: `reelmates import movielens ml-100k` then
`reelmates train`, with REELMATES_DATA_DIR or --db pointing at it). For each person, takes their
top --k through the real service (`recommend_for_person`) and re-explains the same picks with each
decay (1.0 = always the most alike films, the behaviour before reasons varied). Prints the largest
number of lines citing the same set of films, the most lines citing one film, and the mean
similarity of the films cited (what variety costs in likeness).

    python benchmarks/bench_reason_variety.py ml-100k:405 [--k 100] [--db URL]
    python benchmarks/bench_reason_variety.py --users 943 [--prefix ml-100k]   # the worst of all
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

from reelmates.services.personal import recommend_for_person
from reelmates.services.taste import ModelHolder
from reelmates.services.together import GroupOptions, load_member
from reelmates.services.uow import unit_of_work
from reelmates.settings import load_settings
from reelmates.store.migrate import open_database
from reelmates.together.explain import Explainer

DECAYS = (1.0, 0.7, 0.5, 0.3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("people", nargs="*", help="handles")
    parser.add_argument("--users", type=int, default=0, help="MovieLens users 1..N: the worst")
    parser.add_argument("--prefix", default="ml-100k", help="their handles' prefix")
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    settings = load_settings(database_url=args.db)
    engine = open_database(settings)
    holder = ModelHolder(settings.effective_model_dir, engine)
    context = holder.get()
    catalog, scorer = context.catalog, context.scorer
    handles = args.people or [f"{args.prefix}:{u}" for u in range(1, args.users + 1)]
    with unit_of_work(engine, read_only=True) as session:
        members = {h: load_member(session, catalog, h, GroupOptions()) for h in handles}
    summary = not args.people
    worst: dict[float, tuple[int, str]] = dict.fromkeys(DECAYS, (0, ""))
    for handle in handles:
        with unit_of_work(holder.engine, read_only=True) as session:
            picks = recommend_for_person(session, holder.get(), handle, args.k)
        items = np.array([catalog.item_of[p.film_id] for p in picks], dtype=np.intp)
        member = members[handle]
        line = [f"{handle} ({member.seen.size} ratings, {items.size} picks):"]
        for decay in DECAYS:
            reasons = Explainer(scorer.item_similarity, catalog.facts, reuse_decay=decay).reasons(
                member, items
            )
            sets = Counter(frozenset(r.films) for r in reasons if r.films)
            films = Counter(f for r in reasons for f in r.films)
            sims = [
                float(scorer.item_similarity(np.array([f]), np.array([i]))[0, 0])
                for r, i in zip(reasons, items.tolist(), strict=True)
                for f in r.films
            ]
            same = max(sets.values(), default=0)
            worst[decay] = max(worst[decay], (same, handle))
            line.append(
                f"decay {decay}: same set ≤{same}, one film ≤{max(films.values(), default=0)}, "
                f"mean similarity {np.mean(sims) if sims else float('nan'):.3f}"
            )
        if not summary:
            print("\n  ".join(line))
    if summary:
        for decay, (same, who) in worst.items():
            print(f"decay {decay}: over {len(handles)} people, at most {same} lines ({who})")


if __name__ == "__main__":
    main()
