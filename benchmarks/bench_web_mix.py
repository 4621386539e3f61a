"""The web app under a mix of what friends do, open loop, on SQLite or PostgreSQL, with or
without `train` running beside it.

Builds once per database (cached in --workdir/<database>, see webload.py): MovieLens 100K, 200
members with their own ratings, all friends, an API token each, passwords hashed at the app's
real argon2 cost, a trained model; then, through the API, 50 film nights (groups of 4 covering
every member, each from a group pick with two proposed times, one of them fixed) and a private
calendar feed for every member. Then `reelmates serve` runs in a subprocess on every core but the
last; this process (the load generator) gets that one. On PostgreSQL the build is kept in a
database of its own, `reelmates_bench_mix`, made beside --postgres's (default the `test` database
of 127.0.0.1:5432, trust auth); `--clean` drops it and the cached folder when done.

Every virtual user (the 200 members) first logs in once through `POST /api/login` (after
`GET /api/csrf`), --login-concurrency at a time: those latencies are reported on their own line,
never mixed into the request figures. Then requests are sent on a fixed schedule whether or not
earlier ones have answered, each due at start + i / rate and timed from then:

- 45% watch together: `GET /together?with=...` for a group of 2-4, as one of them (the session
  cookie of their log-in);
- 20% rate: `POST /api/films/{id}/rating` (API token);
- 20% swipe: 10 live swipe rooms of 4 members, started for each run; a member not already
  swiping takes `GET /api/swipe/{room}` (their next card, timed from the due time, including
  any wait for a free member) then `POST /api/swipe/{room}/swipes` on that card (liked half the
  time; timed from its own send) — two requests;
- 15% calendar feed: `GET /calendar/{token}.ics`, a member's private feed (no log-in).

It prints per kind count, p50/p95/p99 and errors (each status and reason), the overall
throughput and percentiles, the same figures for `GET /api/me` at the same rate (a cheap
reference: the ratio), and up the ladder the rate at which p95 passes 150 ms. `--with-train`
adds one more run at --rate with `reelmates train` refitting in a loop beside the server (on the
server's cores), and reports each refit. Zero errors are expected.

    python benchmarks/bench_web_mix.py --database sqlite|postgresql [--rate 25] [--seconds 60]
        [--ladder 25,30,35,40,45,50,75,100] [--ladder-seconds 20] [--with-train] [--clean]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg
from webload import (
    AIM_P95_MS,
    LIMITS,
    PASSWORD,
    Member,
    Results,
    app_env,
    build,
    ladder,
    open_loop,
    served,
    split_cores,
)

SHARES = {"together": 0.45, "rate": 0.20, "swipe": 0.20, "feed": 0.15}
KINDS = {
    "together": "watch together: GET /together",
    "rate": "rate: POST /api/films/{id}/rating",
    "card": "swipe: GET /api/swipe/{id}",
    "swipe": "swipe: POST /api/swipe/{id}/swipes",
    "feed": "feed: GET /calendar/{token}.ics",
}
NIGHT_GROUP = 4
ROOMS = 10
ROOM_SIZE = 4
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PG_DATABASE = "reelmates_bench_mix"


@dataclass
class User:
    """A virtual user: a member, their log-in's session cookie and their feed's path."""

    member: Member
    cookie: str
    feed: str

    def bearer(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.member.token}"}


@dataclass
class Mix:
    kinds: dict[str, Results] = field(default_factory=lambda: {k: Results() for k in KINDS})

    def overall(self) -> Results:
        every = Results()
        for found in self.kinds.values():
            every.latencies_ms += found.latencies_ms
            for what, n in found.errors.items():
                every.errors[what] = every.errors.get(what, 0) + n
        return every

    def show(self, seconds: float) -> None:
        for kind, label in KINDS.items():
            found = self.kinds[kind]
            print(found.row(f"{label} ({len(found.latencies_ms)})", seconds))
        print(self.overall().row("all requests", seconds))
        for kind, label in KINDS.items():
            for line in self.kinds[kind].error_lines(label):
                print(line)


# --- the build: nights and feeds, through the API ---------------------------------------------


def plan_nights(workdir: Path, base: str, members: list[Member], films: list[int]) -> list[str]:
    """A fixed night for each group of 4 members, and every member's feed path (in order)."""
    chooser = random.Random(11)
    week = datetime.now(UTC).date() + timedelta(days=14)
    times = [f"{week}T20:00", f"{week + timedelta(days=1)}T20:00"]
    with httpx.Client(base_url=base, timeout=60) as client:

        def post(member: Member, path: str, body: object) -> dict[str, object]:
            answer = client.post(
                path, json=body, headers={"authorization": f"Bearer {member.token}"}
            )
            if answer.status_code >= 300:
                raise SystemExit(f"{path}: {answer.status_code} {answer.text}")
            found: dict[str, object] = answer.json()
            return found

        for g in range(0, len(members), NIGHT_GROUP):
            organiser, *others = members[g : g + NIGHT_GROUP]
            film = chooser.choice(films)
            pick = post(
                organiser,
                "/api/together/picks",
                {"film_id": film, "with": [m.handle for m in others]},
            )
            night = post(
                organiser,
                "/api/nights",
                {"pick_id": pick["id"], "times": times, "time_zone": "UTC"},
            )
            first = night["times"][0]["id"]  # type: ignore[index]
            post(organiser, f"/api/nights/{night['id']}/time", {"time_id": first})
        feeds = [urlsplit(str(post(m, "/api/calendar/feed", {})["url"])).path for m in members]
    (workdir / "feeds.tsv").write_text("".join(f"{f}\n" for f in feeds))
    return feeds


def feeds_of(
    workdir: Path,
    data_dir: Path,
    database_url: str | None,
    members: list[Member],
    films: list[int],
    cores: set[int],
) -> list[str]:
    cache = workdir / "feeds.tsv"
    if cache.exists() and cache.stat().st_mtime >= (workdir / "members.tsv").stat().st_mtime:
        return cache.read_text().split()
    print("planning 50 nights and making the feeds (once) ...", flush=True)
    with served(data_dir, cores, database_url) as base:
        return plan_nights(workdir, base, members, films)


def postgres_database(admin: str, name: str, *, drop: bool = False) -> str:
    """The benchmark's own database beside ``admin``'s (created if missing; ``drop``: dropped)."""
    with psycopg.connect(admin, autocommit=True) as conn:
        there = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if drop:
            if there:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        elif not there:
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlsplit(admin)._replace(path=f"/{name}").geturl()


# --- the run ----------------------------------------------------------------------------------


async def log_in_all(
    base: str, members: list[Member], concurrency: int
) -> tuple[Results, list[str]]:
    """Each member logs in once (`GET /api/csrf`, then `POST /api/login`, timed alone)."""
    results = Results()
    cookies = [""] * len(members)
    gate = asyncio.Semaphore(concurrency)

    async def one(n: int, member: Member) -> None:
        async with gate, httpx.AsyncClient(base_url=base, timeout=60) as client:
            try:
                csrf = await client.get("/api/csrf")
                sent = time.perf_counter()
                answer = await client.post(
                    "/api/login",
                    json={"handle": member.handle, "password": PASSWORD},
                    headers={"x-csrf-token": csrf.json()["csrf_token"]},
                    cookies=csrf.cookies,
                )
                if results.answered(answer, sent):
                    cookies[n] = answer.cookies["reelmates_session"]
            except (httpx.HTTPError, KeyError) as exc:
                results.error(type(exc).__name__)

    started = time.perf_counter()
    await asyncio.gather(*(one(n, m) for n, m in enumerate(members)))
    results.sent = len(members)
    label = f"log in ({len(members)}, {concurrency} at once)"
    print(results.row(label, time.perf_counter() - started))
    for line in results.error_lines("log in"):
        print(line)
    return results, cookies


async def start_rooms(
    client: httpx.AsyncClient, users: list[User], seed: int
) -> list[tuple[int, User]]:
    """ROOMS fresh swipe rooms of ROOM_SIZE members: (room id, member) for each swiper."""
    chosen = random.Random(seed).sample(users, ROOMS * ROOM_SIZE)
    swipers = []
    for r in range(ROOMS):
        starter, *others = chosen[r * ROOM_SIZE : (r + 1) * ROOM_SIZE]
        answer = await client.post(
            "/api/swipe",
            # Every film a card: a heavy rater has seen most of the catalog, and hiding what
            # anyone saw would leave a room of four a handful of cards.
            params=[*(("with", u.member.handle) for u in others), ("seen", "show-all")],
            headers=starter.bearer(),
        )
        if answer.status_code != 201:
            raise SystemExit(f"starting a swipe room: {answer.status_code} {answer.text}")
        room = int(answer.json()["id"])
        swipers += [(room, u) for u in (starter, *others)]
    return swipers


async def run(
    base: str,
    rate: float,
    seconds: float,
    users: list[User],
    films: list[int],
    *,
    reference: bool = False,
    seed: int = 1,
) -> Mix:
    """Open loop: request i is due at start + i / rate; its latency counts from then."""
    chooser = random.Random(seed)
    mix = Mix()
    kinds, weights = zip(*SHARES.items(), strict=True)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=LIMITS) as client:
        idle: asyncio.Queue[tuple[int, User]] = asyncio.Queue()
        for swiper in await start_rooms(client, users, seed):
            idle.put_nowait(swiper)
        # Warm up: the model loads on the first request.
        await client.get(
            "/together",
            params={"with": users[1].member.handle},
            cookies={"reelmates_session": users[0].cookie},
        )

        async def swipe(due: float) -> None:
            room, user = await idle.get()
            try:
                look = await client.get(f"/api/swipe/{room}", headers=user.bearer())
                if not mix.kinds["card"].answered(look, due):
                    return
                card = look.json()["card"]
                if card is None:
                    mix.kinds["card"].error("no card left (the deck ran out)")
                    return
                sent = time.perf_counter()
                done = await client.post(
                    f"/api/swipe/{room}/swipes",
                    json={"film_id": card["id"], "liked": chooser.random() < 0.5},
                    headers=user.bearer(),
                )
                mix.kinds["swipe"].answered(done, sent)
            finally:
                idle.put_nowait((room, user))

        async def one(due: float) -> None:
            user = chooser.choice(users)
            kind = "reference" if reference else chooser.choices(kinds, weights)[0]
            shown = "rate" if kind == "reference" else kind
            try:
                if kind == "reference":
                    answer = await client.get("/api/me", headers=user.bearer())
                elif kind == "together":
                    others = chooser.sample(
                        [u for u in users if u is not user], chooser.randint(1, 3)
                    )
                    answer = await client.get(
                        "/together",
                        params=[("with", u.member.handle) for u in others],
                        cookies={"reelmates_session": user.cookie},
                    )
                elif kind == "rate":
                    answer = await client.post(
                        f"/api/films/{chooser.choice(films)}/rating",
                        json={"stars": chooser.randint(1, 10) / 2},
                        headers=user.bearer(),
                    )
                elif kind == "feed":
                    answer = await client.get(user.feed)
                    if answer.status_code == 200 and b"BEGIN:VEVENT" not in answer.content:
                        mix.kinds["feed"].error("200 but no night in the feed")
                        return
                else:
                    await swipe(due)
                    return
                mix.kinds[shown].answered(answer, due)
            except httpx.HTTPError as exc:
                mix.kinds["card" if kind == "swipe" else shown].error(type(exc).__name__)

        await open_loop(rate, seconds, one)
    return mix


# --- train beside the server -----------------------------------------------------------------


@contextmanager
def training(env: dict[str, str], cores: set[int], log: Path) -> Iterator[list[str]]:
    """`reelmates train` again and again (on ``cores``) until the block ends, the refit under way
    then left to finish (never killed here, so the next run is clean); a line per refit, its
    times from the block's start, added once the block is over."""
    done: list[tuple[float, float, int]] = []
    stop = threading.Event()
    t0 = time.perf_counter()

    def loop() -> None:
        with log.open("ab") as out:
            while not stop.is_set():
                began = time.perf_counter() - t0
                refit = subprocess.Popen(
                    [sys.executable, "-m", "reelmates", "train"],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    preexec_fn=lambda: os.sched_setaffinity(0, cores),
                )
                code = refit.wait()
                done.append((began, time.perf_counter() - t0, code))

    worker = threading.Thread(target=loop, daemon=True)
    worker.start()
    lines: list[str] = []
    try:
        yield lines
    finally:
        over = time.perf_counter() - t0
        stop.set()
        worker.join()
        lines.append(f"the run took {over:.1f} s from the first refit's start")
        lines += [
            f"refit {n}: {began:.1f} s to {ended:.1f} s ({ended - began:.1f} s), exit {code}"
            + (" — ended after the run" if ended > over else "")
            for n, (began, ended, code) in enumerate(done, 1)
        ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = Path(__file__).resolve().parent.parent
    ap.add_argument("--ml100k", type=Path, default=here.parent / "shared" / "data" / "ml-100k")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/reelmates-bench-mix"))
    ap.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument(
        "--postgres",
        default=PG_ADMIN,
        help=f"connected to, to create (and with --clean drop) {PG_DATABASE} beside it",
    )
    # One server core here holds about 35 of these a second: 25 leaves it headroom.
    ap.add_argument("--rate", type=float, default=25.0)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--ladder", default="25,30,35,40,45,50,75,100")
    ap.add_argument("--ladder-seconds", type=float, default=20.0)
    ap.add_argument("--login-concurrency", type=int, default=4)
    ap.add_argument("--with-train", action="store_true", help="one more run with train beside")
    ap.add_argument("--clean", action="store_true", help="drop the built database afterwards")
    args = ap.parse_args()
    if not (args.ml100k / "u.data").exists():
        raise SystemExit(f"MovieLens 100K not found at {args.ml100k} (pass --ml100k)")
    workdir: Path = args.workdir / args.database
    workdir.mkdir(parents=True, exist_ok=True)
    url = postgres_database(args.postgres, PG_DATABASE) if args.database == "postgresql" else None
    server_cores, mine = split_cores()
    try:
        data_dir, members, films = build(
            workdir, args.ml100k, database_url=url, real_passwords=True
        )
        feeds = feeds_of(workdir, data_dir, url, members, films, server_cores)
        os.sched_setaffinity(0, mine)
        measure(args, data_dir, url, members, films, feeds, server_cores, mine)
    finally:
        if args.clean:
            if url:
                postgres_database(args.postgres, PG_DATABASE, drop=True)
            shutil.rmtree(workdir)
            print(f"cleaned up: {workdir}" + (f" and the database {PG_DATABASE}" if url else ""))


def measure(
    args: argparse.Namespace,
    data_dir: Path,
    url: str | None,
    members: list[Member],
    films: list[int],
    feeds: list[str],
    server_cores: set[int],
    mine: set[int],
) -> None:
    with served(data_dir, server_cores, url) as base:
        print(
            f"{args.database}; server on cores {sorted(server_cores)}, load generator on core "
            f"{sorted(mine)}; {len(members)} members, {len(films):,} films; shares {SHARES}"
        )
        print("\nlog-ins, each virtual user once (argon2 at the app's cost), not counted below:")
        _, cookies = asyncio.run(log_in_all(base, members, args.login_concurrency))
        users = [User(m, c, f) for m, c, f in zip(members, cookies, feeds, strict=True)]
        users = [u for u in users if u.cookie]

        main_run = asyncio.run(run(base, args.rate, args.seconds, users, films))
        ref_run = asyncio.run(run(base, args.rate, args.seconds / 3, users, films, reference=True))
        print(f"\n{args.seconds:.0f} s open loop at {args.rate:.0f}/s:")
        main_run.show(args.seconds)
        print(ref_run.kinds["rate"].row("reference: GET /api/me", args.seconds / 3))
        p95 = main_run.overall().p95
        print(
            f"p95 ratio to the reference: {p95 / ref_run.kinds['rate'].p95:.1f}x; "
            f"aim: p95 under {AIM_P95_MS:.0f} ms at this rate, zero errors"
        )

        if args.with_train:
            env = app_env(data_dir, url)
            with training(env, server_cores, data_dir.parent / "train.log") as refits:
                train_run = asyncio.run(run(base, args.rate, args.seconds, users, films, seed=2))
            print(
                f"\n{args.seconds:.0f} s open loop at {args.rate:.0f}/s, `train` refitting beside:"
            )
            train_run.show(args.seconds)
            for line in refits:
                print(f"  {line}")

        def step(rate: float) -> tuple[float, bool]:
            seconds = args.ladder_seconds
            found = asyncio.run(run(base, rate, seconds, users, films, seed=int(rate)))
            every = found.overall()
            print(every.row(f"{rate:.0f}/s", seconds))
            for kind, label in KINDS.items():
                for line in found.kinds[kind].error_lines(label):
                    print(line)
            return every.p95, not every.errors

        print(f"\nladder, {args.ladder_seconds:.0f} s per rate (all requests):")
        print(ladder(args.ladder, step))


if __name__ == "__main__":
    main()
