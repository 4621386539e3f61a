"""Media-server sync benchmark: a 10,000-film library from an in-memory fake server (no HTTP:
this measures the matching and the writes, not a network) into SQLite and PostgreSQL.

The catalog holds 60,000 synthetic films (a tenth with IMDb ids); the library lists 4,000 of
them by IMDb id, 4,000 by title alone (a spelling variant each), 1,500 the catalog lacks and
500 with no usable title. Prints the first sync's time and share matched, then a re-sync with
no changes and one after 500 removals.

    python benchmarks/bench_media_sync.py [--films 10000] [--postgres postgresql://...]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import create_engine, insert, text

from reelmates.media.base import ServerFilm, ServerKind, ServerLibrary, ServerUser, UserFilmState
from reelmates.services.media.sync import sync
from reelmates.services.uow import unit_of_work
from reelmates.store.credentials import CredentialCipher
from reelmates.store.db import create_db_engine
from reelmates.store.media import MediaServerRepository
from reelmates.store.migrate import upgrade_to_head
from reelmates.store.models import Film

CATALOG = 60_000
T0 = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)


class Fake:
    kind: ServerKind = "jellyfin"

    def __init__(self, films: dict[str, ServerFilm]) -> None:
        self.items = films

    def users(self) -> list[ServerUser]:
        return []

    def libraries(self) -> list[ServerLibrary]:
        return [ServerLibrary("lib", "Films")]

    def films(self, library_id: str, *, since: datetime | None = None) -> Iterator[ServerFilm]:
        for film in self.items.values():
            if since is None or (film.updated_at is not None and film.updated_at > since):
                yield film

    def film_ids(self, library_id: str) -> frozenset[str]:
        return frozenset(self.items)

    def user_states(self, user_id: str, library_id: str) -> Iterator[UserFilmState]:
        return iter(())


def _title(i: int) -> str:
    return f"Synthetic Film {i}"


def library(n: int) -> dict[str, ServerFilm]:
    films: dict[str, ServerFilm] = {}
    shares = (0.4, 0.4, 0.15)
    by_id, by_title, new = (int(n * s) for s in shares)
    for k in range(n):
        ext = uuid.UUID(int=k).hex
        if k < by_id:
            i = k * 10  # every tenth catalog film has an IMDb id
            film = ServerFilm(ext, "lib", f"Version {k}", None, imdb_id=f"tt{i + 1:07d}")
        elif k < by_id + by_title:
            i = (k - by_id) * 10 + 1  # a catalog film without an id
            film = ServerFilm(ext, "lib", _title(i).upper(), 1920 + i % 100)
        elif k < by_id + by_title + new:
            film = ServerFilm(ext, "lib", f"Not In The Catalog {k}", 2001)
        else:
            film = ServerFilm(ext, "lib", "???", None)
        films[ext] = film
    return films


def run(url: str, n: int) -> None:
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    with unit_of_work(engine) as session:
        rows = [
            {
                "title": _title(i),
                "title_key": _title(i).lower(),
                "year": 1920 + i % 100,
                "imdb_id": f"tt{i + 1:07d}" if i % 10 == 0 else None,
            }
            for i in range(CATALOG)
        ]
        for start in range(0, len(rows), 5_000):
            session.execute(insert(Film), rows[start : start + 5_000])
        sid = MediaServerRepository(session).add(
            kind="jellyfin",
            name="Bench",
            base_url="http://127.0.0.1:1",
            credentials=SecretStr("k"),
            cipher=CredentialCipher(SecretStr(Fernet.generate_key().decode())),
            owner_id=None,
            sync_minutes=None,
            now=T0,
        )
    fake = Fake(library(n))
    started = time.perf_counter()
    report = sync(engine, sid, fake, T0)
    first = time.perf_counter() - started
    print(
        f"{engine.dialect.name}: first sync of {report.fetched} films {first:.2f} s, "
        f"{report.match_rate:.1%} placed (by id {report.matched_by_id}, by title "
        f"{report.matched_by_title}, added {report.added}, unmatched {len(report.unmatched)})"
    )
    started = time.perf_counter()
    sync(engine, sid, fake, T0 + timedelta(hours=1))
    print(f"  re-sync, nothing changed: {time.perf_counter() - started:.2f} s")
    for ext in list(fake.items)[:500]:
        del fake.items[ext]
    started = time.perf_counter()
    again = sync(engine, sid, fake, T0 + timedelta(hours=2))
    print(f"  re-sync after {again.removed} removals: {time.perf_counter() - started:.2f} s")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--films", type=int, default=10_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'bench.db'}", args.films)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        run(f"{args.postgres}?options=-csearch_path%3D{schema}", args.films)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
