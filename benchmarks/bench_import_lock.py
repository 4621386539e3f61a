"""The app while a 25M-rating import holds the database: pages load, writes answer within seconds.

Writes (or reuses) the synthetic ml-25m-shaped dataset of bench_import.py, seeds a database with
the starter catalog and one member (a log-in session and an API token), starts `reelmates serve`
on every core but the last, and probes it from this process: every --every seconds, one page
(`GET /films/{id}`, logged in) and one write (`POST /api/films/{id}/rating`, API token), each
with a 60 s client timeout (a request that waits that long is a hang). First --before seconds of
probes with the database idle (the reference), then `reelmates import movielens` on the 25M
file in a subprocess, probing until it ends.

On SQLite the import holds the one write lock for most of its run: pages must keep loading and
each write must either be saved or answered 503 with Retry-After within a few seconds (the busy
timeout). On PostgreSQL (rows, not the database, are locked) every write must be saved. It prints,
for the idle phase and for the import, pages and writes: count, p50/p95/max, and every status
seen; then the verdict. The import's own length is printed too.

    python benchmarks/bench_import_lock.py --database sqlite|postgresql [--ratings 25000095]
        [--workdir /tmp/reelmates-bench-lock] [--postgres postgresql://...] [--every 0.5]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import psycopg
from bench_import import write_dataset
from webload import app_env, served, split_cores

PAGE_AIM_S = 3.0  # a page must load within this while the import holds on
WRITE_AIM_S = 8.0  # a write must be saved or refused within this (busy timeout 5 s)
HANG_S = 60.0
BENCH_DB = "reelmates_bench_lock"


@dataclass
class Probes:
    seconds: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    slowest: list[tuple[float, float, str]] = field(default_factory=list)  # (took, sent, status)
    since: float = field(default_factory=time.perf_counter)

    def add(self, status: str, seconds: float) -> None:
        self.statuses[status] += 1
        self.seconds.append(seconds)
        sent = time.perf_counter() - seconds - self.since
        self.slowest = sorted([*self.slowest, (seconds, sent, status)], reverse=True)[:5]

    def slow_line(self) -> str:
        return ", ".join(
            f"{took:.1f} s sent at {at:.0f} s ({what})" for took, at, what in self.slowest
        )

    def row(self, label: str) -> str:
        if not self.seconds:
            return f"{label:<28} none"
        s = np.array(self.seconds) * 1000
        p50, p95 = np.percentile(s, 50), np.percentile(s, 95)
        seen = ", ".join(f"{k} x{n}" for k, n in sorted(self.statuses.items()))
        return (
            f"{label:<28} {len(s):5d}  p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  "
            f"max {s.max():8.1f} ms  [{seen}]"
        )


def seed(data_dir: Path, database_url: str | None) -> tuple[str, str, int]:
    """The starter catalog and one member: (session cookie, API token, a film id)."""
    from sqlalchemy import select

    from reelmates.services import accounts
    from reelmates.services.accounts import Identity, Passwords
    from reelmates.services.starter import seed_starter_catalog
    from reelmates.services.uow import unit_of_work
    from reelmates.settings import Settings
    from reelmates.store.migrate import open_database
    from reelmates.store.models import Film

    settings = Settings(data_dir=data_dir, database_url=database_url)
    engine = open_database(settings)
    seed_starter_catalog(engine)
    now = datetime.now(UTC)
    with unit_of_work(engine) as session:
        holder = accounts.sign_up(
            session,
            Passwords(time_cost=1, memory_kib=64),
            policy="open",
            handle="prober",
            display_name="Prober",
            password="a long enough password",
            invite=None,
            now=now,
        )
        cookie = accounts.start_session(session, holder.person_id, now, timedelta(days=1))
        identity = Identity(holder=holder, via="session", last_seen=now)
        _, token = accounts.create_api_token(session, identity, "probe", now)
        film = int(session.scalars(select(Film.id).order_by(Film.id)).first() or 0)
    engine.dispose()
    return cookie, token, film


def probe_until(
    base: str, cookie: str, token: str, film: int, every: float, stop: threading.Event
) -> tuple[Probes, Probes]:
    pages, writes = Probes(), Probes()
    n = 0

    def page() -> None:
        started = time.perf_counter()
        try:
            answer = httpx.get(
                f"{base}/films/{film}", cookies={"reelmates_session": cookie}, timeout=HANG_S
            )
            pages.add(str(answer.status_code), time.perf_counter() - started)
        except httpx.HTTPError as exc:
            pages.add(type(exc).__name__, time.perf_counter() - started)

    def write(stars: float) -> None:
        started = time.perf_counter()
        try:
            answer = httpx.post(
                f"{base}/api/films/{film}/rating",
                json={"stars": stars},
                headers={"Authorization": f"Bearer {token}"},
                timeout=HANG_S,
            )
            status = str(answer.status_code)
            if answer.status_code == 503:
                status += " Retry-After" if "retry-after" in answer.headers else " (no Retry-After)"
            writes.add(status, time.perf_counter() - started)
        except httpx.HTTPError as exc:
            writes.add(type(exc).__name__, time.perf_counter() - started)

    threads: list[threading.Thread] = []
    while not stop.is_set():
        for job in (
            threading.Thread(target=page),
            threading.Thread(target=write, args=[n % 5 + 1]),
        ):
            job.start()
            threads.append(job)
        n += 1
        stop.wait(every)
    for job in threads:
        job.join()
    return pages, writes


def postgres_database(admin_url: str) -> str:
    admin = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    return (
        admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{BENCH_DB}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--ratings", type=int, default=25_000_095)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/reelmates-bench-lock"))
    ap.add_argument("--dataset", type=Path, default=Path("/tmp/reelmates-bench-import"))
    ap.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    ap.add_argument("--every", type=float, default=0.5)
    ap.add_argument("--before", type=float, default=10.0)
    args = ap.parse_args()

    root = args.dataset / "synthetic-25m"
    print(
        f"the synthetic ml-25m-shaped dataset ({args.ratings:,} ratings) in {root} ...", flush=True
    )
    write_dataset(root, args.ratings)
    shutil.rmtree(args.workdir, ignore_errors=True)
    data_dir = args.workdir / "data"
    data_dir.mkdir(parents=True)  # PostgreSQL keeps no file there, but the server's log goes beside
    url = postgres_database(args.postgres) if args.database == "postgresql" else None
    cookie, token, film = seed(data_dir, url)
    server_cores, _ = split_cores()
    with served(data_dir, server_cores, url) as base:
        stop = threading.Event()
        idle: list[tuple[Probes, Probes]] = []
        prober = threading.Thread(
            target=lambda: idle.append(probe_until(base, cookie, token, film, args.every, stop))
        )
        prober.start()
        time.sleep(args.before)
        stop.set()
        prober.join()

        print(f"importing {root} into {args.database} ...", flush=True)
        command = [sys.executable, "-m", "reelmates", "import", "movielens", str(root)]
        stop = threading.Event()
        during: list[tuple[Probes, Probes]] = []
        prober = threading.Thread(
            target=lambda: during.append(probe_until(base, cookie, token, film, args.every, stop))
        )
        started = time.perf_counter()
        importer = subprocess.Popen(
            command, env=app_env(data_dir, url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        prober.start()
        _, err = importer.communicate()
        import_s = time.perf_counter() - started
        stop.set()
        prober.join()
    if importer.returncode != 0:
        raise SystemExit(f"the import failed ({importer.returncode}): {err.decode()[-2000:]}")
    (idle_pages, idle_writes), (pages, writes) = idle[0], during[0]
    print(f"import: {import_s:,.0f} s ({args.ratings / import_s:,.0f} ratings/s); probes:")
    for label, probes in (
        ("pages, idle (reference)", idle_pages),
        ("writes, idle (reference)", idle_writes),
        ("pages, during the import", pages),
        ("writes, during the import", writes),
    ):
        print("  " + probes.row(label))
        print("    slowest: " + probes.slow_line())
    problems = []
    if max(pages.seconds, default=0) > PAGE_AIM_S or set(pages.statuses) != {"200"}:
        problems.append(f"a page took over {PAGE_AIM_S:.0f} s or did not answer 200")
    allowed = {"200"} if args.database == "postgresql" else {"200", "503 Retry-After"}
    if max(writes.seconds, default=0) > WRITE_AIM_S or not set(writes.statuses) <= allowed:
        problems.append(f"a write took over {WRITE_AIM_S:.0f} s or answered {set(writes.statuses)}")
    print(
        "verdict: "
        + ("; ".join(problems) if problems else "no request hung, every answer as aimed")
    )
    if url:
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")


if __name__ == "__main__":
    main()
