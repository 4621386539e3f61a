"""Group ranking latency: a group of 4 over a 60,000-film catalog, beside the compute floor.

The floor is one product of the four members' vectors with the item factors (what any ranking
must at least do with a factor model, the default scorer at this size). The measured call does
that product and then everything a request needs: seen/veto/filter masks, watchlist lift, the
default (fair) strategy, predicted stars and a one-line reason per member for the top 10.
Prints medians over repeated runs (floor and request alternating) and their ratio.
Run: ``python benchmarks/bench_together_rank.py``.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

from reelmates.together.explain import Explainer
from reelmates.together.inputs import Filters, ItemFacts, Member
from reelmates.together.ranker import rank_for_group

N_ITEMS, FACTORS, MEMBERS, REPEATS = 60_000, 64, 4, 600


def main() -> None:
    rng = np.random.default_rng(0)
    # Zipf-ish item norms, so scores are skewed like real ones.
    norms = (1.0 / np.arange(1, N_ITEMS + 1) ** 0.3)[rng.permutation(N_ITEMS)]
    items = (rng.standard_normal((N_ITEMS, FACTORS)) * norms[:, None]).astype(np.float32)
    users = rng.standard_normal((MEMBERS, FACTORS)).astype(np.float32)
    unit = items / np.linalg.norm(items, axis=1, keepdims=True)
    genres = rng.random((N_ITEMS, 20)) < 0.1
    facts = ItemFacts(
        N_ITEMS,
        titles=[f"film {i}" for i in range(N_ITEMS)],
        genres=genres,
        genre_names=tuple(f"g{j}" for j in range(20)),
        years=rng.integers(1930, 2025, N_ITEMS).astype(float),
        runtimes=rng.integers(70, 200, N_ITEMS).astype(float),
    )
    members = [
        Member(
            id=f"m{u}",
            name=f"Member {u}",
            seen=rng.choice(N_ITEMS, 60, replace=False),
            seen_stars=rng.choice([2.0, 3.0, 4.0, 4.5, 5.0], 60),
            watchlist=rng.choice(N_ITEMS, 5, replace=False),
            vetoed_genres=frozenset({"g3"}) if u == 0 else frozenset(),
        )
        for u in range(MEMBERS)
    ]

    def similarity(a: NDArray[np.intp], b: NDArray[np.intp]) -> NDArray[np.float32]:
        return np.asarray(unit[a] @ unit[b].T)

    def stars(picks: NDArray[np.intp]) -> NDArray[np.float64]:
        return np.asarray(np.clip(3.5 + 0.5 * (users @ items[picks].T), 0.5, 5.0), dtype=float)

    explainer = Explainer(similarity, facts)
    filters = Filters(year_min=1970, max_runtime=150)

    def floor() -> None:
        users @ items.T

    def request() -> None:
        scores = users @ items.T
        rank_for_group(scores, stars, members, facts, k=10, filters=filters, explainer=explainer)

    for _ in range(20):  # warm up caches and BLAS threads
        floor()
        request()
    # Alternate call by call, so both see the same machine load.
    floor_t, request_t = [], []
    for _ in range(REPEATS):
        t = time.perf_counter()
        floor()
        floor_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        request()
        request_t.append(time.perf_counter() - t)
    f, r = 1e3 * float(np.median(floor_t)), 1e3 * float(np.median(request_t))
    print(f"group of {MEMBERS} over {N_ITEMS} films, {FACTORS} factors, top 10 with reasons")
    print(f"floor (member vectors × item factors): {f:.2f} ms median")
    print(f"full group ranking:                     {r:.2f} ms median  ({r / f:.2f}× the floor)")


if __name__ == "__main__":
    main()
