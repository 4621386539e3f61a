"""Load on the web app: open-loop requests at a fixed rate, latency from each scheduled send.

Builds once (cached in --workdir): MovieLens 100K imported with the real import service, 200
members with accounts and their own ratings (copied from ML-100K raters; ten of them with 1,500
ratings), all friends with each other, and the taste model `train` fits. Then it starts
`reelmates serve` in a subprocess and, from this process pinned to one core (the server gets the
others), sends requests on a fixed schedule whether or not earlier ones have answered:

- 80%: the watch-together page (`GET /together?with=...`) for a group of 2-4 drawn at random
  from the members, as one of them (session cookie);
- 20%: a rating written through the API (`POST /api/films/{id}/rating`, personal API token).

Latency is timed from the moment each request was scheduled to be sent (so a server that falls
behind shows it, no coordinated omission). It prints throughput, p50/p95/p99, errors, the same
figures for a cheap reference request (`GET /api/me`) at the same rate in the same run, and the
highest rate of the ladder whose p95 stays under 150 ms.

    python benchmarks/bench_web_load.py [--ml100k ../shared/data/ml-100k] [--rate 50]
        [--seconds 30] [--ladder 25,50,75,100,150] [--ladder-seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np

MEMBERS = 200
HEAVY = 10  # members with 1,500 ratings
HEAVY_RATINGS = 1_500
AIM_P95_MS = 150.0


@dataclass
class Member:
    handle: str
    cookie: str
    token: str


@dataclass
class Results:
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    sent: int = 0

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    def row(self, label: str, seconds: float) -> str:
        done = np.array(self.latencies_ms) if self.latencies_ms else np.array([np.nan])
        p50, p95, p99 = (float(np.percentile(done, q)) for q in (50, 95, 99))
        errors = sum(self.errors.values())
        return (
            f"{label:<34} {len(self.latencies_ms) / seconds:7.1f}/s  p50 {p50:7.1f} ms  "
            f"p95 {p95:7.1f} ms  p99 {p99:7.1f} ms  errors {errors}"
            + (f" {self.errors}" if errors else "")
        )

    @property
    def p95(self) -> float:
        return float(np.percentile(self.latencies_ms, 95)) if self.latencies_ms else np.inf


def build(workdir: Path, ml100k: Path) -> tuple[Path, list[Member], list[int]]:
    """The database, the members (with a log-in session and an API token each), the film ids."""
    from sqlalchemy import select

    from reelmates.importers.movielens import open_movielens
    from reelmates.importers.sources import open_path
    from reelmates.services import accounts
    from reelmates.services.accounts import Identity, Passwords
    from reelmates.services.importing import import_movielens
    from reelmates.services.taste import train_taste_model
    from reelmates.services.uow import unit_of_work
    from reelmates.settings import Settings
    from reelmates.store.friends import FriendshipRepository
    from reelmates.store.migrate import open_database
    from reelmates.store.models import Film, Person
    from reelmates.store.people import PersonRepository
    from reelmates.store.ratings import RatingRepository

    data_dir = workdir / "data"
    settings = Settings(data_dir=data_dir)
    engine = open_database(settings)
    now = datetime.now(UTC)
    cache = workdir / "members.tsv"
    with unit_of_work(engine, read_only=True) as session:
        films = list(session.scalars(select(Film.id).order_by(Film.id)))
    if cache.exists() and films:
        members = [Member(*line.split("\t")) for line in cache.read_text().splitlines()]
        return data_dir, members, films
    print("importing MovieLens 100K (once) ...", flush=True)
    with open_path(ml100k) as src:
        import_movielens(engine, open_movielens(src), replace=True)
    rng = np.random.default_rng(7)
    passwords = Passwords(time_cost=1, memory_kib=64)
    members: list[Member] = []
    with unit_of_work(engine) as session:
        films = list(session.scalars(select(Film.id).order_by(Film.id)))
        raters = list(
            session.scalars(select(Person.id).where(Person.kind == "community").order_by(Person.id))
        )[:MEMBERS]
        ratings = RatingRepository(session)
        ids: list[int] = []
        for n, rater in enumerate(raters):
            handle = f"load{n:03d}"
            holder = accounts.sign_up(
                session,
                passwords,
                policy="open",
                handle=handle,
                display_name=f"Load {n}",
                password="a long enough password",
                invite=None,
                now=now,
            )
            person = holder.person_id
            ids.append(person)
            if n < HEAVY:
                chosen = rng.choice(films, HEAVY_RATINGS, replace=False)
                stars = rng.integers(1, 11, size=HEAVY_RATINGS) / 2
                own = list(zip(chosen.tolist(), stars.tolist(), strict=True))
            else:
                own = ratings.for_person(rater)
            for film, star in own:
                ratings.set_rating(person, int(film), float(star), None)
            identity = Identity(holder=holder, via="session", last_seen=now)
            cookie = accounts.start_session(session, person, now, timedelta(days=30))
            _, token = accounts.create_api_token(session, identity, "load", now)
            members.append(Member(handle, cookie, token))
        friendships = FriendshipRepository(session)
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                friendships.add(a, b, now)
        assert PersonRepository(session).by_handle("load000") is not None
    print("training (once) ...", flush=True)
    train_taste_model(engine, settings)
    engine.dispose()
    cache.write_text("".join(f"{m.handle}\t{m.cookie}\t{m.token}\n" for m in members))
    return data_dir, members, films


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(data_dir: Path, port: int, cores: set[int]) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REELMATES_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "reelmates", "serve", "--port", str(port)]
    # The server's log goes to a file: a pipe nobody reads would fill and stall the server.
    log = (data_dir.parent / "server.log").open("wb")
    server = subprocess.Popen(
        command,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=lambda: os.sched_setaffinity(0, cores),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=2)
            return server
        except httpx.TransportError:
            if server.poll() is not None:
                why = (data_dir.parent / "server.log").read_text(errors="replace")[-2000:]
                raise SystemExit(f"the server stopped: {why}") from None
            time.sleep(0.3)
    raise SystemExit("the server did not start within 60 s")


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
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
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
                if answer.status_code >= 400:
                    results.error(str(answer.status_code))
                    return
                results.latencies_ms.append(1000 * (time.perf_counter() - due))
            except httpx.HTTPError as exc:
                results.error(type(exc).__name__)

        start = time.perf_counter() + 0.2
        tasks = []
        total = int(rate * seconds)
        for i in range(total):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(due)))
            results.sent += 1
        await asyncio.gather(*tasks)
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

    cores = sorted(os.sched_getaffinity(0))
    mine = {cores[-1]}
    server_cores = set(cores[:-1]) or mine
    os.sched_setaffinity(0, mine)
    port = free_port()
    server = start_server(data_dir, port, server_cores)
    base = f"http://127.0.0.1:{port}"
    print(f"server on cores {sorted(server_cores)}, load generator on core {sorted(mine)}")
    print(f"{len(members)} members ({HEAVY} with {HEAVY_RATINGS:,} ratings), {len(films):,} films")
    try:
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
        print(
            f"p95 ratio to the reference: {main_run.p95 / ref_run.p95:.1f}x; "
            f"aim: p95 under {AIM_P95_MS:.0f} ms at 50/s, zero errors"
        )
        best = None
        print(f"\nladder, {args.ladder_seconds:.0f} s per rate:")
        for rate in (float(r) for r in args.ladder.split(",")):
            step = asyncio.run(run(base, rate, args.ladder_seconds, members, films, seed=int(rate)))
            print(step.row(f"{rate:.0f}/s", args.ladder_seconds))
            if step.p95 < AIM_P95_MS and not step.errors:
                best = rate
            else:
                break
        print(
            f"highest rate with p95 under {AIM_P95_MS:.0f} ms and no errors: "
            + (f"{best:.0f}/s" if best else f"none of {args.ladder}")
        )
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
