"""Load on the web app: open-loop requests at a fixed rate, latency from each scheduled send.

Builds once (cached in --workdir, see webload.py): MovieLens 100K, 200 members with accounts,
their own ratings and friends, a trained model. Then it starts `reelmates serve` in a subprocess
and, from this process pinned to one core (the server gets the others), sends requests on a fixed
schedule whether or not earlier ones have answered:

- 80%: the watch-together page (`GET /together?with=...`) for a group of 2-4 drawn at random
  from the members, as one of them (session cookie);
- 20%: a rating written through the API (`POST /api/films/{id}/rating`, personal API token).

Latency is timed from the moment each request was scheduled to be sent (so a server that falls
behind shows it, no coordinated omission). It prints throughput, p50/p95/p99, errors, the same
figures for a cheap reference request (`GET /api/me`) at the same rate in the same run, and the
highest rate of the ladder whose p95 stays under 150 ms. The mix with swipes, calendar feeds,
log-ins and PostgreSQL is bench_web_mix.py.

    python benchmarks/bench_web_load.py [--ml100k ../shared/data/ml-100k] [--rate 50]
        [--seconds 30] [--ladder 25,50,75,100,150] [--ladder-seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
from pathlib import Path

import httpx
from webload import (
    AIM_P95_MS,
    HEAVY,
    HEAVY_RATINGS,
    LIMITS,
    Member,
    Results,
    build,
    ladder,
    open_loop,
    served,
    split_cores,
)


async def run(
    base: str,
    rate: float,
    seconds: float,
    members: list[Member],
    films: list[int],
    *,
    reference: bool = False,
    seed: int = 1,
) -> Results:
    """Open loop: request i is due at start + i / rate; its latency counts from then."""
    chooser = random.Random(seed)
    results = Results()
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=LIMITS) as client:
        # Warm up: the model loads on the first request.
        warm = members[0]
        await client.get(
            "/together",
            params={"with": members[1].handle},
            cookies={"reelmates_session": warm.cookie},
        )

        async def one(due: float) -> None:
            member = chooser.choice(members)
            try:
                if reference:
                    answer = await client.get(
                        "/api/me", headers={"authorization": f"Bearer {member.token}"}
                    )
                elif chooser.random() < 0.8:
                    others = chooser.sample(
                        [m for m in members if m is not member], chooser.randint(1, 3)
                    )
                    answer = await client.get(
                        "/together",
                        params=[("with", m.handle) for m in others],
                        cookies={"reelmates_session": member.cookie},
                    )
                else:
                    answer = await client.post(
                        f"/api/films/{chooser.choice(films)}/rating",
                        json={"stars": chooser.randint(1, 10) / 2},
                        headers={"authorization": f"Bearer {member.token}"},
                    )
                results.answered(answer, due)
            except httpx.HTTPError as exc:
                results.error(type(exc).__name__)

        results.sent = await open_loop(rate, seconds, one)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = Path(__file__).resolve().parent.parent
    ap.add_argument("--ml100k", type=Path, default=here.parent / "shared" / "data" / "ml-100k")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/reelmates-bench-load"))
    ap.add_argument("--rate", type=float, default=50.0)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--ladder", default="25,50,75,100,150")
    ap.add_argument("--ladder-seconds", type=float, default=10.0)
    args = ap.parse_args()
    if not (args.ml100k / "u.data").exists():
        raise SystemExit(f"MovieLens 100K not found at {args.ml100k} (pass --ml100k)")
    args.workdir.mkdir(parents=True, exist_ok=True)
    data_dir, members, films = build(args.workdir, args.ml100k)

    server_cores, mine = split_cores()
    os.sched_setaffinity(0, mine)
    with served(data_dir, server_cores) as base:
        print(f"server on cores {sorted(server_cores)}, load generator on core {sorted(mine)}")
        heavy = f"{HEAVY} with {HEAVY_RATINGS:,} ratings"
        print(f"{len(members)} members ({heavy}), {len(films):,} films")
        main_run = asyncio.run(run(base, args.rate, args.seconds, members, films))
        ref_run = asyncio.run(
            run(base, args.rate, args.seconds / 3, members, films, reference=True)
        )
        print(
            f"\n{args.seconds:.0f} s open loop at {args.rate:.0f} requests/s "
            "(80% watch-together pages, 20% rating writes):"
        )
        print(main_run.row("watch together + writes", args.seconds))
        print(ref_run.row("reference: GET /api/me", args.seconds / 3))
        for line in main_run.error_lines("watch together + writes"):
            print(line)
        print(
            f"p95 ratio to the reference: {main_run.p95 / ref_run.p95:.1f}x; "
            f"aim: p95 under {AIM_P95_MS:.0f} ms at 50/s, zero errors"
        )

        def step(rate: float) -> tuple[float, bool]:
            seconds = args.ladder_seconds
            found = asyncio.run(run(base, rate, seconds, members, films, seed=int(rate)))
            print(found.row(f"{rate:.0f}/s", args.ladder_seconds))
            return found.p95, not found.errors

        print(f"\nladder, {args.ladder_seconds:.0f} s per rate:")
        print(ladder(args.ladder, step))


if __name__ == "__main__":
    main()
