"""Media-server sync benchmark: a 10,000-film library served by a loopback fake Jellyfin (our
Jellyfin client over real HTTP, pages of 500) into SQLite and PostgreSQL, beside the same sync
from an in-memory fake (no HTTP: the matching and the writes alone) as the reference.

The catalog holds 60,000 synthetic films (a tenth with IMDb ids); the library lists 4,000 of
them by IMDb id, 4,000 by title alone (a spelling variant each), 1,500 the catalog lacks and
500 with no usable title. Prints the first sync's time and share matched over HTTP and in
memory (the ratio is what the HTTP and the JSON cost), then, over HTTP, a re-sync with no
changes and one after 500 removals.

    python benchmarks/bench_media_sync.py [--films 10000] [--postgres postgresql://...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, insert, text

from reelmates.media.base import (
    LibraryClient,
    ServerFilm,
    ServerKind,
    ServerLibrary,
    ServerUser,
    UserFilmState,
)
from reelmates.media.fetch import AllowList
from reelmates.media.jellyfin import JellyfinClient
from reelmates.services.media.sync import sync
from reelmates.services.uow import unit_of_work
from reelmates.store.credentials import CredentialCipher
from reelmates.store.db import create_db_engine
from reelmates.store.media import MediaServerRepository
from reelmates.store.migrate import upgrade_to_head
from reelmates.store.models import Film

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "media"))
from media_fake import FakeServer, Reply, Seen, fake_server

CATALOG = 60_000
LIBRARY_ID = "f137a2dd21bbc1b99aa5c0f6bf02a805"
T0 = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)


class Fake:
    kind: ServerKind = "jellyfin"

    def __init__(self, films: dict[str, ServerFilm]) -> None:
        self.items = films

    def users(self) -> list[ServerUser]:
        return []

    def libraries(self) -> list[ServerLibrary]:
        return [ServerLibrary(LIBRARY_ID, "Films")]

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
            film = ServerFilm(ext, LIBRARY_ID, f"Version {k}", None, imdb_id=f"tt{i + 1:07d}")
        elif k < by_id + by_title:
            i = (k - by_id) * 10 + 1  # a catalog film without an id
            film = ServerFilm(ext, LIBRARY_ID, _title(i).upper(), 1920 + i % 100)
        elif k < by_id + by_title + new:
            film = ServerFilm(ext, LIBRARY_ID, f"Not In The Catalog {k}", 2001)
        else:
            film = ServerFilm(ext, LIBRARY_ID, "???", None)
        films[ext] = film
    return films


def _item(film: ServerFilm) -> dict[str, object]:
    ids = {"Imdb": film.imdb_id} if film.imdb_id else {}
    saved = film.updated_at or T0 - timedelta(days=1)
    return {
        "Name": film.title,
        "Id": film.external_id,
        "ServerId": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "DateLastSaved": saved.strftime("%Y-%m-%dT%H:%M:%S.0000000Z"),
        "ProductionYear": film.year,
        "ProviderIds": ids,
        "Type": "Movie",
    }


def serve_as_jellyfin(server: FakeServer, fake: Fake) -> None:
    """Jellyfin's ``/Users``, ``/Library/VirtualFolders`` and paged ``/Items`` over ``fake``."""

    def items(seen: Seen) -> Reply:
        asked = seen.param("minDateLastSaved")
        since = datetime.fromisoformat(asked) if asked else None
        films = [
            f
            for f in fake.items.values()
            if since is None or (f.updated_at is not None and f.updated_at > since)
        ]
        start, limit = int(seen.param("startIndex") or 0), int(seen.param("limit") or 100)
        page = [_item(f) for f in films[start : start + limit]]
        return Reply.json({"Items": page, "TotalRecordCount": len(films), "StartIndex": start})

    server.routes["/Users"] = lambda _seen: Reply.json([])
    server.routes["/Library/VirtualFolders"] = lambda _seen: Reply.json(
        [{"Name": "Films", "CollectionType": "movies", "ItemId": LIBRARY_ID}]
    )
    server.routes["/Items"] = items


def _seeded(url: str) -> tuple[Engine, int]:
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
    return engine, sid


def _timed_sync(engine: Engine, sid: int, client: LibraryClient, at: datetime) -> tuple[float, Any]:
    started = time.perf_counter()
    report = sync(engine, sid, client, at)
    return time.perf_counter() - started, report


def _line(label: str, seconds: float, report: Any) -> str:
    return (
        f"  {label}: first sync of {report.fetched} films {seconds:.2f} s, "
        f"{report.match_rate:.1%} placed (by id {report.matched_by_id}, by title "
        f"{report.matched_by_title}, added {report.added}, unmatched {len(report.unmatched)})"
    )


def run(url: Callable[[], AbstractContextManager[str]], n: int) -> None:
    with url() as address:
        engine, sid = _seeded(address)
        reference, report = _timed_sync(engine, sid, Fake(library(n)), T0)
        print(f"{engine.dialect.name}:")
        print(_line("in memory (reference)", reference, report))
        engine.dispose()
    with url() as address, fake_server() as server:
        engine, sid = _seeded(address)
        fake = Fake(library(n))
        serve_as_jellyfin(server, fake)
        allowed = AllowList([server.url])
        client = JellyfinClient(server.url, "bench-key", allowed=allowed)
        try:
            first, report = _timed_sync(engine, sid, client, T0)
            print(_line("over loopback HTTP", first, report))
            print(f"  HTTP / in memory: {first / reference:.2f}x")
            again, _ = _timed_sync(engine, sid, client, T0 + timedelta(hours=1))
            print(f"  re-sync over HTTP, nothing changed: {again:.2f} s")
            for ext in list(fake.items)[:500]:
                del fake.items[ext]
            swept, after = _timed_sync(engine, sid, client, T0 + timedelta(hours=2))
            print(f"  re-sync over HTTP after {after.removed} removals: {swept:.2f} s")
        finally:
            client.close()
        engine.dispose()


@contextmanager
def _sqlite() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'bench.db'}"


def _postgres(admin_url: str) -> Callable[[], AbstractContextManager[str]]:
    @contextmanager
    def schema() -> Iterator[str]:
        name = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        try:
            yield f"{admin_url}?options=-csearch_path%3D{name}"
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
            admin.dispose()

    return schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--films", type=int, default=10_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    run(_sqlite, args.films)
    run(_postgres(args.postgres), args.films)


if __name__ == "__main__":
    main()
