"""The media servers' settings as a service, on both databases, against a Jellyfin on loopback
(tests/media_loopback.py: eight real films, two users, one film library): connecting (checked
by reaching the server; a wrong key or an address off the allow-list stores nothing), who sees
what (the rule of services/media/access.py), mapping, libraries, the schedule, sync now (a
server that is down keeps the last good sync), removing, and the background scheduler."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import Engine, select

from media_loopback import (
    FILM_COUNT,
    KEY,
    PLEX_TOKEN,
    LoopbackJellyfin,
    loopback_jellyfin,
    loopback_plex,
)
from reelmates.errors import (
    ConfigurationError,
    ConflictError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
    SourceUnavailableError,
)
from reelmates.services import people
from reelmates.services.media import clients
from reelmates.services.media import servers as media
from reelmates.services.media.access import TERMINAL, Caller
from reelmates.services.media.scheduler import BackgroundSync, sync_due
from reelmates.services.starter import seed_starter_catalog
from reelmates.services.uow import unit_of_work
from reelmates.settings import Settings, load_settings
from reelmates.store.accounts import AccountRepository
from reelmates.store.friends import FriendshipRepository
from reelmates.store.leases import LeaseRepository
from reelmates.store.media import MediaServerRepository
from reelmates.store.media_models import MediaServer
from reelmates.store.ratings import MarkRepository

NOW = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)


@pytest.fixture
def jellyfin() -> Iterator[LoopbackJellyfin]:
    with loopback_jellyfin() as fake:
        yield fake


@pytest.fixture
def settings(tmp_path: Path, db_url: str, jellyfin: LoopbackJellyfin) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=db_url,
        media_secret_key=SecretStr(Fernet.generate_key().decode()),
        media_allowed_urls=[jellyfin.url],
        media_timeout_seconds=5.0,
        media_sync_check_seconds=0.05,
    )


def _account(engine: Engine, handle: str, role: str = "member") -> Caller:
    with unit_of_work(engine) as session:
        member = people.add_member(session, handle, handle.title())
        AccountRepository(session).add(member.id, None, role, NOW)
    return Caller(member.id, operator=role == "operator", guest=role == "guest")


def _connect(
    engine: Engine, settings: Settings, url: str, caller: Caller, *, own: bool, key: str = KEY
) -> media.ServerView:
    given = media.Connection(
        kind="jellyfin",
        base_url=url,
        secret=SecretStr(key),
        owner_id=caller.person_id if own else None,
        sync_minutes=60,
    )
    return media.connect(engine, settings, caller, given, NOW)


def _server_rows(engine: Engine) -> list[MediaServer]:
    with unit_of_work(engine, read_only=True) as session:
        return list(session.scalars(select(MediaServer)))


def test_connecting_checks_the_server_and_keeps_the_key_encrypted(
    db_engine: Engine, settings: Settings, jellyfin: LoopbackJellyfin
) -> None:
    op = _account(db_engine, "op", "operator")
    view = _connect(db_engine, settings, jellyfin.url + "/", op, own=False)
    assert (view.kind, view.name, view.shared, view.access) == (
        "jellyfin",
        "Jellyfin",
        True,
        "manage",
    )
    assert view.base_url == jellyfin.url and view.credentials_set
    assert [(lib.name, lib.enabled) for lib in view.libraries] == [("Films", True)]
    assert view.runs == () and view.last_sync_at is None
    # Reached once: its users and libraries.
    assert sorted(s.path for s in jellyfin.server.seen) == ["/Library/VirtualFolders", "/Users"]
    (row,) = _server_rows(db_engine)
    assert KEY not in row.credentials and KEY not in repr(row) and KEY not in repr(view)
    with unit_of_work(db_engine, read_only=True) as session:
        stored = MediaServerRepository(session).decrypt_credentials(
            row.id, clients.cipher(settings)
        )
    assert stored.get_secret_value() == KEY


def test_a_wrong_key_or_an_address_off_the_list_stores_nothing(
    db_engine: Engine, settings: Settings, jellyfin: LoopbackJellyfin
) -> None:
    op = _account(db_engine, "op", "operator")
    with pytest.raises(InvalidValueError, match="refused the API key") as wrong:
        _connect(db_engine, settings, jellyfin.url, op, own=False, key="not-the-key")
    assert "not-the-key" not in str(wrong.value)
    assert _server_rows(db_engine) == []
    seen = len(jellyfin.server.seen)
    elsewhere = "http://127.0.0.1:9"  # not on the list: never fetched
    with pytest.raises(InvalidValueError, match="allowed media servers") as refused:
        _connect(db_engine, settings, elsewhere, op, own=False)
    assert "REELMATES_MEDIA_ALLOWED_URLS" in (refused.value.hint or "")
    for bad in ("", "   ", "clé-non-ascii", 'a"quote', "two words", "x" * 501):
        with pytest.raises(InvalidValueError, match="empty or not one"):
            _connect(db_engine, settings, jellyfin.url, op, own=False, key=bad)
    with pytest.raises(InvalidValueError, match="user name or password"):
        _connect(db_engine, settings, jellyfin.url.replace("//", "//me:pw@"), op, own=False)
    assert len(jellyfin.server.seen) == seen and _server_rows(db_engine) == []
    jellyfin.state = "down"
    with pytest.raises(InvalidValueError, match="nothing was stored"):
        _connect(db_engine, settings, jellyfin.url, op, own=False)
    assert _server_rows(db_engine) == []


def test_who_sees_and_changes_what(
    db_engine: Engine, settings: Settings, jellyfin: LoopbackJellyfin
) -> None:
    op = _account(db_engine, "op", "operator")
    milly, cat = _account(db_engine, "milly"), _account(db_engine, "cat")
    guest = _account(db_engine, "sam", "guest")
    shared = _connect(db_engine, settings, jellyfin.url, op, own=False)
    own = _connect(db_engine, settings, jellyfin.url, milly, own=True)
    assert own.name == "Milly's Jellyfin" and own.owner_handle == "milly" and not own.shared
    with pytest.raises(PermissionDeniedError, match="only the operator"):
        _connect(db_engine, settings, jellyfin.url, milly, own=False)
    with pytest.raises(PermissionDeniedError, match="guest"):
        _connect(db_engine, settings, jellyfin.url, guest, own=True)

    with unit_of_work(db_engine, read_only=True) as session:
        listed = {
            who: [(v.id, v.access) for v in media.list_servers(session, caller)]
            for who, caller in (("op", op), ("milly", milly), ("cat", cat), ("sam", guest))
        }
        assert listed == {
            "op": [(shared.id, "manage"), (own.id, "manage")],
            "milly": [(shared.id, "see"), (own.id, "manage")],
            "cat": [(shared.id, "see")],
            "sam": [],
        }
        seen = media.server_view(session, cat, shared.id)
        assert (seen.name, seen.base_url, seen.libraries, seen.runs) == ("Jellyfin", None, (), ())
        assert not seen.credentials_set and seen.last_error is None
        for who in (cat, guest):
            with pytest.raises(NotFoundError):
                media.server_view(session, who, own.id)
        with pytest.raises(NotFoundError):
            media.server_view(session, op, 10_000)
    for who, server in ((cat, shared.id), (milly, shared.id)):
        with unit_of_work(db_engine) as session, pytest.raises(PermissionDeniedError):
            media.set_schedule(session, who, server, 30)
    with pytest.raises(PermissionDeniedError):
        media.sync_now(db_engine, settings, cat, shared.id, NOW)
    with pytest.raises(NotFoundError):
        media.map_member(db_engine, settings, cat, own.id, "cat", "milly")

    # Milly maps herself and, once they are friends, Cat on her own server (not before: her
    # server's history would become Cat's seen marks); Cat then sees it, and her mapping only.
    with pytest.raises(PermissionDeniedError, match="yourself and your friends"):
        media.map_member(db_engine, settings, milly, own.id, "cat", "jess")
    with unit_of_work(db_engine) as session:
        FriendshipRepository(session).add(milly.person_id or 0, cat.person_id or 0, NOW)
    media.map_member(db_engine, settings, milly, own.id, "cat", "JESS")
    media.map_member(db_engine, settings, milly, own.id, "milly", "milly")
    with unit_of_work(db_engine, read_only=True) as session:
        cats = media.server_view(session, cat, own.id)
        assert cats.access == "see" and [m.handle for m in cats.mappings] == ["cat"]
        millys = media.server_view(session, milly, own.id)
        assert [(m.handle, m.user_name) for m in millys.mappings] == [
            ("milly", "milly"),
            ("cat", "jess"),
        ]


def test_sync_now_and_a_server_that_goes_down(
    db_engine: Engine, settings: Settings, jellyfin: LoopbackJellyfin
) -> None:
    seed_starter_catalog(db_engine)
    milly = _account(db_engine, "mira")  # the starter catalog has a Milly
    own = _connect(db_engine, settings, jellyfin.url, milly, own=True)
    with pytest.raises(InvalidValueError, match="no user 'nobody'") as unknown:
        media.map_member(db_engine, settings, milly, own.id, "mira", "nobody")
    assert "jess, milly" in (unknown.value.hint or "")
    media.map_member(db_engine, settings, milly, own.id, "mira", "milly")
    report = media.sync_now(db_engine, settings, milly, own.id, NOW)
    assert report.fetched == FILM_COUNT and report.full_sync
    with unit_of_work(db_engine, read_only=True) as session:
        items = MediaServerRepository(session).items(own.id)
        view = media.server_view(session, milly, own.id)
        # Played on the server (recorded: films 0, 2, 4, 6; 0 also rated): seen marks.
        seen = MarkRepository(session).seen(milly.person_id or 0)
    assert len(items) == FILM_COUNT - report.unmatched.__len__() > 0
    assert view.last_sync_ok and len(view.runs) == 1 and view.runs[0].fetched == FILM_COUNT
    assert len(seen) == report.seen_added > 0

    jellyfin.state = "down"
    later = NOW + timedelta(hours=1)
    with pytest.raises(SourceUnavailableError, match="could not be synced") as down:
        media.sync_now(db_engine, settings, milly, own.id, later)
    assert "last good sync stay available" in (down.value.hint or "")
    assert KEY not in str(down.value)
    with unit_of_work(db_engine, read_only=True) as session:
        assert MediaServerRepository(session).items(own.id) == items  # still in use
        view = media.server_view(session, milly, own.id)
    assert view.last_sync_ok is False and "503" in (view.last_error or "")
    assert view.last_good_sync_at == NOW and len(view.runs) == 2


def test_libraries_schedule_unmapping_and_removal(
    db_engine: Engine, settings: Settings, jellyfin: LoopbackJellyfin
) -> None:
    milly = _account(db_engine, "milly")
    own = _connect(db_engine, settings, jellyfin.url, milly, own=True)
    (films,) = own.libraries
    with unit_of_work(db_engine) as session:
        assert not media.set_library(session, milly, own.id, films.id, False).enabled
        with pytest.raises(NotFoundError):
            media.set_library(session, milly, own.id, films.id + 99, True)
        assert media.set_schedule(session, milly, own.id, None).sync_minutes is None
        assert media.set_schedule(session, milly, own.id, 90).sync_minutes == 90
        for wrong in (0, -5, media.MAX_SYNC_MINUTES + 1):
            with pytest.raises(InvalidValueError, match="minutes"):
                media.set_schedule(session, milly, own.id, wrong)
    media.map_member(db_engine, settings, milly, own.id, "milly", "milly")
    with unit_of_work(db_engine) as session:
        media.unmap_member(session, milly, own.id, "milly")
        with pytest.raises(NotFoundError, match="not mapped"):
            media.unmap_member(session, milly, own.id, "milly")
        media.remove(session, milly, own.id)
    assert _server_rows(db_engine) == []


def test_the_terminal_connects_for_a_member_and_needs_the_key_setting(
    db_engine: Engine, settings: Settings, jellyfin: LoopbackJellyfin
) -> None:
    milly = _account(db_engine, "milly")
    given = media.Connection("emby", jellyfin.url, SecretStr(KEY), milly.person_id, name=" Den ")
    emby = media.connect(db_engine, settings, TERMINAL, given, NOW)  # Jellyfin's client
    assert (emby.kind, emby.kind_name, emby.name, emby.owner_name) == (
        "emby",
        "Emby",
        "Den",
        "Milly",
    )
    keyless = settings.model_copy(update={"media_secret_key": None})
    plain = media.Connection("jellyfin", jellyfin.url, SecretStr(KEY), milly.person_id)
    with pytest.raises(Exception, match="REELMATES_MEDIA_SECRET_KEY"):
        media.connect(db_engine, keyless, TERMINAL, plain, NOW)
    made = media.connect(db_engine, settings, TERMINAL, plain, NOW)
    assert made.owner_handle == "milly" and made.access == "manage"
    with pytest.raises(InvalidValueError, match="not a kind"):
        media.connect(
            db_engine,
            settings,
            TERMINAL,
            media.Connection("kodi", jellyfin.url, SecretStr(KEY), None),
            NOW,
        )


def test_the_background_sync_syncs_what_is_due_and_stops(
    db_engine: Engine,
    settings: Settings,
    jellyfin: LoopbackJellyfin,
    caplog: pytest.LogCaptureFixture,
) -> None:
    op = _account(db_engine, "op", "operator")
    due = _connect(db_engine, settings, jellyfin.url, op, own=False)  # never synced: due now
    broken = _connect(db_engine, settings, jellyfin.url, op, own=False)
    with unit_of_work(db_engine) as session:  # a key revoked on the server since
        MediaServerRepository(session).set_credentials(
            broken.id, SecretStr("revoked-key-1234"), clients.cipher(settings)
        )
    background = BackgroundSync(db_engine, settings)
    background.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with unit_of_work(db_engine, read_only=True) as session:
                repo = MediaServerRepository(session)
                done = [repo.get(s.id) for s in (due, broken)]
            if all(s is not None and s.last_sync_at is not None for s in done):
                break
            time.sleep(0.05)
    finally:
        background.stop()
    assert background._thread is None
    good, bad = done
    assert good is not None and good.last_sync_ok
    assert bad is not None and bad.last_sync_ok is False and "refused" in (bad.last_error or "")
    logged = caplog.text
    assert f"media server {broken.id} failed" in logged
    assert "revoked-key-1234" not in logged and KEY not in logged


def test_the_allow_list_is_read_from_a_comma_separated_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "REELMATES_MEDIA_ALLOWED_URLS", " http://10.0.0.5:8096 ,https://plex.example.net,"
    )
    assert load_settings().media_allowed_urls == [
        "http://10.0.0.5:8096",
        "https://plex.example.net",
    ]
    monkeypatch.setenv("REELMATES_MEDIA_ALLOWED_URLS", "")
    assert load_settings().media_allowed_urls == []
    monkeypatch.setenv("REELMATES_MEDIA_ALLOWED_URLS", "http://10.0.0.5:8096,ftp://files.lan")
    with pytest.raises(ConfigurationError, match="REELMATES_MEDIA_ALLOWED_URLS: not a server addr"):
        load_settings()


def test_a_server_is_never_synced_twice_at_once(
    db_engine: Engine, settings: Settings, jellyfin: LoopbackJellyfin
) -> None:
    milly = _account(db_engine, "milly")
    own = _connect(db_engine, settings, jellyfin.url, milly, own=True)
    with unit_of_work(db_engine) as session:  # another process is syncing it
        assert LeaseRepository(session).acquire(
            f"media-sync:{own.id}", "elsewhere", NOW, datetime.now(UTC) + timedelta(minutes=5)
        )
    seen = len(jellyfin.server.seen)
    with pytest.raises(ConflictError, match="being synced already"):
        media.sync_now(db_engine, settings, milly, own.id, NOW)
    assert sync_due(db_engine, settings, NOW).busy == [own.id]
    assert len(jellyfin.server.seen) == seen  # nothing fetched
    with unit_of_work(db_engine) as session:
        LeaseRepository(session).release(f"media-sync:{own.id}", "elsewhere", datetime.now(UTC))
    assert sync_due(db_engine, settings, NOW).synced == [own.id]
    media.sync_now(db_engine, settings, milly, own.id, NOW + timedelta(minutes=1))  # freed again


def test_a_server_taken_off_the_allow_list_is_not_fetched_and_says_why(
    db_engine: Engine, settings: Settings, jellyfin: LoopbackJellyfin
) -> None:
    op = _account(db_engine, "op", "operator")
    made = _connect(db_engine, settings, jellyfin.url, op, own=False)
    seen = len(jellyfin.server.seen)
    narrower = settings.model_copy(update={"media_allowed_urls": []})
    with pytest.raises(SourceUnavailableError, match="not on this reelmates's list") as refused:
        media.sync_now(db_engine, narrower, op, made.id, NOW)
    assert "to REELMATES_MEDIA_ALLOWED_URLS again" in (refused.value.hint or "")
    assert len(jellyfin.server.seen) == seen
    with unit_of_work(db_engine, read_only=True) as session:
        assert media.server_view(session, op, made.id).last_sync_ok is False


def test_a_new_key_is_checked_before_it_replaces_the_old(
    db_engine: Engine, settings: Settings, jellyfin: LoopbackJellyfin
) -> None:
    milly, cat = _account(db_engine, "milly"), _account(db_engine, "cat")
    own = _connect(db_engine, settings, jellyfin.url, milly, own=True)
    (row,) = _server_rows(db_engine)
    with pytest.raises(InvalidValueError, match="refused the API key"):
        media.replace_key(db_engine, settings, milly, own.id, SecretStr("wrong-key-5678"))
    assert _server_rows(db_engine)[0].credentials == row.credentials  # kept
    with pytest.raises(NotFoundError):
        media.replace_key(db_engine, settings, cat, own.id, SecretStr(KEY))
    jellyfin.key = "a-new-key-after-a-revoke"
    with pytest.raises(SourceUnavailableError, match="refused"):
        media.sync_now(db_engine, settings, milly, own.id, NOW)
    media.replace_key(db_engine, settings, milly, own.id, SecretStr(" a-new-key-after-a-revoke "))
    assert media.sync_now(db_engine, settings, milly, own.id, NOW).fetched == FILM_COUNT


def test_a_plex_server_is_read_through_its_own_client(
    db_engine: Engine, settings: Settings
) -> None:
    seed_starter_catalog(db_engine)
    mira = _account(db_engine, "mira")
    with loopback_plex() as plex:
        allowed = settings.model_copy(update={"media_allowed_urls": [plex.url]})
        given = media.Connection("plex", plex.url, SecretStr(PLEX_TOKEN), mira.person_id)
        view = media.connect(db_engine, allowed, mira, given, NOW)
        assert (view.name, view.kind_name) == ("Mira's Plex", "Plex")
        assert [lib.name for lib in view.libraries] == ["Films"]
        # The token's own account is the one user: Mira is it.
        made = media.map_member(db_engine, allowed, mira, view.id, "mira", "milly")
        assert made.user_external_id == "token"
        report = media.sync_now(db_engine, allowed, mira, view.id, NOW)
        assert report.fetched == FILM_COUNT and report.seen_added + report.ratings_added > 0
        assert {s.headers.get("x-plex-token") for s in plex.seen} == {PLEX_TOKEN}
