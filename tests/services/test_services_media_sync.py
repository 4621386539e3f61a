"""Syncing a media server on both databases, against an in-memory server (library_fake.py) with
a 1,000-film library of recorded shape (media_library.py: the expected counts are worked out
there): the first sync, a re-sync after removals, a re-sync of changes only, and a server that
dies mid-sync (nothing written but the error)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from library_fake import FakeLibraryClient
from media_library import build_library, web_url
from pydantic import SecretStr
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from every_table import Snapshot, snapshot
from reelmates.errors import NotFoundError, SourceUnavailableError
from reelmates.media.base import ServerFilm
from reelmates.services.media.available import available_to, default_server_name
from reelmates.services.media.sync import servers_due, sync
from reelmates.services.uow import unit_of_work
from reelmates.store.credentials import CredentialCipher
from reelmates.store.media import MediaServerRepository
from reelmates.store.models import Film, Person

T1 = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
T2 = T1 + timedelta(hours=6)
CLUB = "The club's Jellyfin"
MEDIA_LOG = ("media_servers", "media_sync_runs")  # what a failed sync may change


def _server(
    session: Session, owner_id: int | None = None, name: str = "The club's Jellyfin"
) -> int:
    return MediaServerRepository(session).add(
        kind="jellyfin",
        name=name,
        base_url="http://jellyfin.lan:8096",
        credentials=SecretStr("an-api-key"),
        cipher=CredentialCipher(SecretStr(Fernet.generate_key().decode())),
        owner_id=owner_id,
        sync_minutes=60,
        now=T1 - timedelta(days=1),
    )


def _member(session: Session, handle: str) -> int:
    person = Person(handle=handle, kind="member", display_name=handle.title())
    session.add(person)
    session.flush()
    return person.id


def _without(snap: Snapshot, *tables: str) -> Snapshot:
    return {t: rows for t, rows in snap.items() if t not in tables}


def test_a_1000_film_library_is_matched_as_it_was_built(db_engine: Engine) -> None:
    with unit_of_work(db_engine) as session:
        lib = build_library(session)
        milly = _member(session, "milly")
        sid = _server(session)
        films_before = session.scalar(select(func.count()).select_from(Film))
    report = sync(db_engine, sid, lib.client, T1)
    assert report.full_sync and report.fetched == 1_000 and report.removed == 0
    assert (report.matched_by_id, report.matched_by_title) == (410, 460)
    assert (report.added, report.added_items, len(report.unmatched)) == (100, 100, 30)
    assert report.match_rate == pytest.approx(0.97)
    reasons = Counter(u.reason.split(" in ")[0] for u in report.unmatched)
    assert reasons == {"2 catalog films have this title": 20, "no usable title": 10}

    with unit_of_work(db_engine, read_only=True) as session:
        servers = MediaServerRepository(session)
        items = servers.items(sid)
        assert len(items) == 970
        assert {ext: items[ext].film_id for ext in lib.film_of} == lib.film_of
        assert session.scalar(select(func.count()).select_from(Film)) == films_before + 100
        for n, made in enumerate(lib.new):  # added with what the server said of them
            film = session.get(Film, items[made.external_id].film_id)
            assert film is not None and (film.title, film.year) == (made.title, made.year)
            assert film.imdb_id == (f"tt96{n:05d}" if n < 50 else None)
            assert film.tmdb_id == (960_000 + n if n < 50 else None)
        available = available_to(session, [milly])
        assert len(available) == 750  # 300 by id, 350 by title, 100 added; copies add none
        first = lib.by_title[0]
        assert available[lib.film_of[first.external_id]][0].label == "on The club's Jellyfin"
        assert available[lib.film_of[first.external_id]][0].web_url == web_url(first.external_id)
        (run,) = servers.runs(sid)
        assert (run.fetched, run.matched_by_id, run.matched_by_title, run.added) == (
            1_000,
            410,
            460,
            100,
        )
        assert run.unmatched_count == 30 and len(json.loads(run.unmatched)) == 30
        info = servers.get(sid)
        assert info is not None and info.last_sync_ok and info.last_good_sync_at == T1
    assert servers_due(db_engine, T1 + timedelta(minutes=59)) == []
    assert servers_due(db_engine, T1 + timedelta(minutes=60)) == [sid]


def test_a_re_sync_after_removals_sweeps_them_and_changes_nothing_else(
    db_engine: Engine,
) -> None:
    with unit_of_work(db_engine) as session:
        lib = build_library(session)
        milly = _member(session, "milly")
        sid = _server(session)
    sync(db_engine, sid, lib.client, T1)
    with unit_of_work(db_engine, read_only=True) as session:
        before_items = MediaServerRepository(session).items(sid)
    before = snapshot(db_engine)
    gone = lib.by_id[200:225] + lib.by_title[200:225]  # no copies of these in "4K"
    for film in gone + lib.copies[:10]:  # the copies' originals stay
        lib.client.remove(film.library_id, film.external_id)
    lib.client.calls.clear()

    report = sync(db_engine, sid, lib.client, T2)
    assert not report.full_sync and report.fetched == 0 and report.removed == 60
    assert [c for c in lib.client.calls if c[0] == "films"] == [
        ("films", lib.client.libs[0].external_id, T1),
        ("films", lib.client.libs[1].external_id, T1),
    ]
    after = snapshot(db_engine)
    assert _without(after, *MEDIA_LOG, "media_items", "media_libraries") == _without(
        before, *MEDIA_LOG, "media_items", "media_libraries"
    )
    with unit_of_work(db_engine, read_only=True) as session:
        items = MediaServerRepository(session).items(sid)
        removed = {f.external_id for f in gone + lib.copies[:10]}
        assert items == {ext: row for ext, row in before_items.items() if ext not in removed}
        available = available_to(session, [milly])
    assert len(available) == 700
    assert not {lib.film_of[f.external_id] for f in gone} & set(available)
    assert {lib.film_of[f.external_id] for f in lib.copies[:10]} <= set(available)


def test_a_re_sync_reads_only_the_changes(db_engine: Engine) -> None:
    with unit_of_work(db_engine) as session:
        lib = build_library(session)
        sid = _server(session)
        films_before = session.scalar(select(func.count()).select_from(Film))
    sync(db_engine, sid, lib.client, T1)
    with unit_of_work(db_engine, read_only=True) as session:
        before_items = MediaServerRepository(session).items(sid)
    changed_at = T1 + timedelta(hours=1)
    films_lib = lib.client.libs[0].external_id
    retitled, twin = lib.by_title[1], lib.unmatched[0]
    lib.client.change(films_lib, retitled.external_id, changed_at, title=retitled.title.lower())
    # The server learnt the twin's IMDb id: the one the test gave the first by-id film.
    lib.client.change(films_lib, twin.external_id, changed_at, imdb_id="tt9500000")
    coherence = ServerFilm("a1b2c3", films_lib, "Coherence", 2013, updated_at=changed_at)
    lib.client.put(coherence)

    report = sync(db_engine, sid, lib.client, T2)
    assert (report.fetched, report.matched_by_id, report.matched_by_title) == (3, 1, 1)
    assert (report.added, report.removed, report.unmatched) == (1, 0, [])
    with unit_of_work(db_engine, read_only=True) as session:
        items = MediaServerRepository(session).items(sid)
        assert session.scalar(select(func.count()).select_from(Film)) == films_before + 101
    assert {ext: row for ext, row in items.items() if ext in before_items} == before_items
    assert set(items) - set(before_items) == {twin.external_id, "a1b2c3"}
    assert items[twin.external_id].film_id == lib.film_of[lib.by_id[0].external_id]


def test_a_server_failing_mid_sync_changes_nothing_but_the_error(db_engine: Engine) -> None:
    with unit_of_work(db_engine) as session:
        lib = build_library(session)
        milly = _member(session, "milly")
        sid = _server(session)
    sync(db_engine, sid, lib.client, T1)
    with unit_of_work(db_engine, read_only=True) as session:
        available = available_to(session, [milly])
    lib.client.remove(lib.by_id[0].library_id, lib.by_id[0].external_id)
    lib.client.fail_after = 500
    before = snapshot(db_engine)
    with pytest.raises(SourceUnavailableError, match="did not answer"):
        sync(db_engine, sid, lib.client, T2, full=True)
    after = snapshot(db_engine)
    assert _without(after, *MEDIA_LOG) == _without(before, *MEDIA_LOG)
    with unit_of_work(db_engine, read_only=True) as session:
        servers = MediaServerRepository(session)
        info = servers.get(sid)
        assert info is not None and info.last_sync_ok is False and info.last_sync_at == T2
        assert info.last_good_sync_at == T1  # the last good sync stays in use
        assert info.last_error and "did not answer" in info.last_error
        assert "Check that it is running" in info.last_error
        failed, good = servers.runs(sid)
        assert failed.error == info.last_error and good.error is None
        assert available_to(session, [milly]) == available


def test_a_first_sync_failing_leaves_no_library_and_an_unknown_server_is_refused(
    db_engine: Engine,
) -> None:
    client = FakeLibraryClient(fail_after=0)
    client.add_library("lib", "Films")
    client.put(ServerFilm("x", "lib", "Heat", 1995))
    with unit_of_work(db_engine) as session:
        sid = _server(session, name=default_server_name("jellyfin", None))
    with pytest.raises(SourceUnavailableError):
        sync(db_engine, sid, client, T1)
    with unit_of_work(db_engine, read_only=True) as session:
        servers = MediaServerRepository(session)
        assert servers.libraries(sid) == [] and servers.items(sid) == {}
        info = servers.get(sid)
        assert info is not None and info.last_good_sync_at is None and not info.last_sync_ok
    with pytest.raises(NotFoundError):
        sync(db_engine, sid + 1, client, T1)
