"""What the web load benchmarks share: the cached build, the server, open-loop runs, the figures.

The build (once per --workdir): MovieLens 100K imported with the real import service, 200 members
with accounts and their own ratings (copied from ML-100K raters; ten of them with 1,500 ratings),
all friends with each other, a session and an API token each, and the taste model `train` fits.
`reelmates serve` then runs in a subprocess on every core but the last; the load generator gets
that one. Requests are sent open loop: request i is due at start + i / rate whether or not the
earlier ones have answered, and its latency counts from then (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np

MEMBERS = 200
HEAVY = 10  # members with 1,500 ratings
HEAVY_RATINGS = 1_500
AIM_P95_MS = 150.0
PASSWORD = "a long enough password"
# Idle connections are dropped after 2 s, before the server's own keep-alive timeout (uvicorn:
# 5 s) closes them: a request sent on a connection the server is closing at that moment fails
# with a ReadError that says nothing about the app (browsers retry those; this client does not).
LIMITS = httpx.Limits(max_connections=400, max_keepalive_connections=400, keepalive_expiry=2.0)


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

    def answered(self, answer: httpx.Response, since: float) -> bool:
        """Count ``answer`` (latency from ``since``), or if an error its status and reason."""
        if answer.status_code >= 400:
            self.error(f"{answer.status_code} {answer.text[:120]}")
            return False
        self.latencies_ms.append(1000 * (time.perf_counter() - since))
        return True

    def row(self, label: str, seconds: float) -> str:
        done = np.array(self.latencies_ms) if self.latencies_ms else np.array([np.nan])
        p50, p95, p99 = (float(np.percentile(done, q)) for q in (50, 95, 99))
        errors = sum(self.errors.values())
        return (
            f"{label:<40} {len(self.latencies_ms) / seconds:7.1f}/s  p50 {p50:7.1f} ms  "
            f"p95 {p95:7.1f} ms  p99 {p99:7.1f} ms  errors {errors}"
        )

    def error_lines(self, label: str) -> list[str]:
        return [f"  {label}: {n} x {what}" for what, n in sorted(self.errors.items())]

    @property
    def p95(self) -> float:
        return float(np.percentile(self.latencies_ms, 95)) if self.latencies_ms else np.inf


def build(
    workdir: Path,
    ml100k: Path,
    *,
    database_url: str | None = None,
    real_passwords: bool = False,
) -> tuple[Path, list[Member], list[int]]:
    """The data folder, the members (with a log-in session and an API token each), the film ids.

    ``real_passwords``: hash at the app's own argon2 cost (so that logging in costs what it does
    in production); otherwise at the cheapest, since the sessions are made here."""
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
    settings = Settings(data_dir=data_dir, database_url=database_url)
    engine = open_database(settings)
    now = datetime.now(UTC)
    cache = workdir / "members.tsv"
    with unit_of_work(engine, read_only=True) as session:
        films = list(session.scalars(select(Film.id).order_by(Film.id)))
    if cache.exists() and films:
        members = [Member(*line.split("\t")) for line in cache.read_text().splitlines()]
        engine.dispose()
        return data_dir, members, films
    print("importing MovieLens 100K (once) ...", flush=True)
    with open_path(ml100k) as src:
        import_movielens(engine, open_movielens(src), replace=True)
    rng = np.random.default_rng(7)
    cheapest = Passwords(time_cost=1, memory_kib=64)
    passwords = Passwords.from_settings(settings) if real_passwords else cheapest
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
                password=PASSWORD,
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


def app_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    """The environment a `reelmates` subprocess runs in: this data folder and database."""
    env = {**os.environ, "REELMATES_DATA_DIR": str(data_dir)}
    if database_url:
        env["REELMATES_DATABASE_URL"] = database_url
    return env


def split_cores() -> tuple[set[int], set[int]]:
    """(the server's cores, the load generator's core)."""
    cores = sorted(os.sched_getaffinity(0))
    mine = {cores[-1]}
    return set(cores[:-1]) or mine, mine


@contextmanager
def served(data_dir: Path, cores: set[int], database_url: str | None = None) -> Iterator[str]:
    """`reelmates serve` on a free port of loopback, pinned to ``cores``: its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "reelmates", "serve", "--port", str(port)]
    # The server's log goes to a file: a pipe nobody reads would fill and stall the server.
    log_path = data_dir.parent / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command,
            env=app_env(data_dir, database_url),
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=lambda: os.sched_setaffinity(0, cores),
        )
        try:
            _wait_up(server, port, log_path)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_up(server: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=2)
            return
        except httpx.TransportError:
            if server.poll() is not None:
                why = log_path.read_text(errors="replace")[-2000:]
                raise SystemExit(f"the server stopped: {why}") from None
            time.sleep(0.3)
    raise SystemExit("the server did not start within 60 s")


async def open_loop(rate: float, seconds: float, one: Callable[[float], Awaitable[None]]) -> int:
    """Call ``one(due)`` for request i at due = start + i / rate, not waiting for earlier ones;
    returns once every request has answered. The number of requests sent."""
    start = time.perf_counter() + 0.2
    tasks = []
    total = int(rate * seconds)
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due)))
    await asyncio.gather(*tasks)
    return total


def ladder(rates: str, step: Callable[[float], tuple[float, bool]]) -> str:
    """Run ``step(rate)`` (it prints its figures; returns its p95 and whether it had no errors)
    up the ladder until p95 passes the aim or errors appear; the verdict line."""
    best = None
    for rate in (float(r) for r in rates.split(",")):
        p95, clean = step(rate)
        if p95 < AIM_P95_MS and clean:
            best = rate
        else:
            return (
                f"highest rate with p95 under {AIM_P95_MS:.0f} ms and no errors: "
                + (f"{best:.0f}/s" if best else "none")
                + f"; p95 passes {AIM_P95_MS:.0f} ms (or errors) at {rate:.0f}/s"
            )
    return (
        f"highest rate with p95 under {AIM_P95_MS:.0f} ms and no errors: "
        + (f"{best:.0f}/s" if best else "none")
        + f"; p95 stayed under {AIM_P95_MS:.0f} ms up to the ladder's top (raise --ladder)"
    )
