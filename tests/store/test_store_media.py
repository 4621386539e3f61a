"""The media-server store on both databases: credentials only ever encrypted, libraries kept in
step with the server, who can use which server, and the log of syncs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import Engine, select

from reelmates.errors import ConfigurationError
from reelmates.services.uow import unit_of_work
from reelmates.settings import Settings
from reelmates.store.credentials import CredentialCipher
from reelmates.store.media import ItemWrite, MediaServerRepository
from reelmates.store.media_marks import MediaMarkRepository
from reelmates.store.media_models import MediaServer
from reelmates.store.models import Film, Person

T0 = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
API_KEY = "8f2c1d0e9b7a4c3e8f2c1d0e9b7a4c3e"


def _cipher() -> CredentialCipher:
    return CredentialCipher(SecretStr(Fernet.generate_key().decode()))


def test_the_cipher_needs_a_key_and_says_how_to_make_one() -> None:
    with pytest.raises(ConfigurationError, match="REELMATES_MEDIA_SECRET_KEY") as unset:
        CredentialCipher(None)
    assert unset.value.hint and "Fernet.generate_key()" in unset.value.hint
    with pytest.raises(ConfigurationError, match="not a Fernet key"):
        CredentialCipher(SecretStr("too short"))
    settings = Settings(media_secret_key=SecretStr(Fernet.generate_key().decode()))
    assert "**" in repr(settings.media_secret_key)  # pydantic hides it


def test_credentials_round_trip_only_with_the_same_key() -> None:
    cipher = _cipher()
    token = cipher.encrypt(SecretStr(API_KEY))
    assert API_KEY not in token
    assert cipher.decrypt(token).get_secret_value() == API_KEY
    assert API_KEY not in repr(cipher.decrypt(token)) and "hidden" in repr(cipher)
    with pytest.raises(ConfigurationError, match="cannot be read") as wrong:
        _cipher().decrypt(token)
    assert wrong.value.hint and "again" in wrong.value.hint


def test_a_server_is_stored_encrypted_and_shown_without_its_credentials(
    db_engine: Engine,
) -> None:
    cipher = _cipher()
    with unit_of_work(db_engine) as session:
        milly = Person(handle="milly", kind="member", display_name="Milly")
        session.add(milly)
        session.flush()
        servers = MediaServerRepository(session)
        sid = servers.add(
            kind="jellyfin",
            name="Milly's Jellyfin",
            base_url="http://jellyfin.lan:8096",
            credentials=SecretStr(API_KEY),
            cipher=cipher,
            owner_id=milly.id,
            sync_minutes=30,
            now=T0,
        )
    with unit_of_work(db_engine, read_only=True) as session:
        servers = MediaServerRepository(session)
        info = servers.get(sid)
        assert info is not None and info.name == "Milly's Jellyfin" and info.owner_id == milly.id
        assert API_KEY not in repr(info) and not hasattr(info, "credentials")
        stored = session.scalar(select(MediaServer.credentials))
        assert stored and API_KEY not in stored
        row = session.get(MediaServer, sid)
        assert row is not None and API_KEY not in repr(row) and stored not in repr(row)
        assert servers.decrypt_credentials(sid, cipher).get_secret_value() == API_KEY


def test_libraries_follow_the_server_and_keep_their_setting(db_engine: Engine) -> None:
    with unit_of_work(db_engine) as session:
        film = Film(title="Alien", title_key="alien", year=1979)
        session.add(film)
        servers = MediaServerRepository(session)
        sid = servers.add(
            kind="plex",
            name="Plex",
            base_url="http://plex.lan:32400",
            credentials=SecretStr("t"),
            cipher=_cipher(),
            owner_id=None,
            sync_minutes=None,
            now=T0,
        )
        assert servers.replace_libraries(sid, [("1", "Films"), ("2", "Kids")]) == 0
        libs = {lib.external_id: lib for lib in servers.libraries(sid)}
        assert [lib.enabled for lib in libs.values()] == [True, True]
        servers.write_items(
            sid, [ItemWrite(libs["2"].id, "a", film.id, "Alien", 1979, None, T0)], {}
        )
        assert servers.set_library_enabled(sid, "1", False)
        # "Films" renamed, "Kids" gone with its film, "4K" new.
        assert servers.replace_libraries(sid, [("1", "Movies"), ("3", "4K")]) == 1
        after = [(lib.external_id, lib.name, lib.enabled) for lib in servers.libraries(sid)]
        assert after == [("1", "Movies", False), ("3", "4K", True)]
        assert servers.items(sid) == {}


def test_who_can_use_a_server_and_whose_marks_count(db_engine: Engine) -> None:
    cipher = _cipher()
    with unit_of_work(db_engine) as session:
        ana, bo, cy = (Person(handle=h, kind="member") for h in ("ana", "bo", "cy"))
        film = Film(title="Heat", title_key="heat", year=1995)
        session.add_all([ana, bo, cy, film])
        session.flush()
        servers = MediaServerRepository(session)

        def server(name: str, owner: int | None) -> int:
            return servers.add(
                kind="jellyfin",
                name=name,
                base_url="http://x.lan",
                credentials=SecretStr("k"),
                cipher=cipher,
                owner_id=owner,
                sync_minutes=None,
                now=T0,
            )

        shared, anas, bos = server("Shared", None), server("Ana's", ana.id), server("Bo's", bo.id)
        servers.map_user(bos, cy.id, "u-cy", "cy")
        MediaMarkRepository(session).set_mark(cy.id, film.id, "service", "Mubi", T0)
        MediaMarkRepository(session).set_mark(cy.id, film.id, "service", "Mubi, till June", T0)
    with unit_of_work(db_engine, read_only=True) as session:
        servers = MediaServerRepository(session)
        assert [s.id for s in servers.usable_by([ana.id])] == [shared, anas]
        assert [s.id for s in servers.usable_by([cy.id])] == [shared, bos]
        assert [s.id for s in servers.usable_by([ana.id, cy.id])] == [shared, anas, bos]
        (mark,) = MediaMarkRepository(session).marks_of([cy.id, ana.id])
        assert (mark.person_name, mark.kind, mark.note) == ("cy", "service", "Mubi, till June")
        assert MediaMarkRepository(session).marks_of([ana.id]) == []


def test_the_places_of_more_films_than_one_query_takes(db_engine: Engine) -> None:
    """1,200 films asked for (more than the 500 ids one IN takes): every one of the 1,100 in the
    library comes back, once, with its own link; the 100 not in it do not."""
    with unit_of_work(db_engine) as session:
        films = [Film(title=f"Film {i}", title_key=f"film {i}", year=2000) for i in range(1200)]
        session.add_all(films)
        servers = MediaServerRepository(session)
        sid = servers.add(
            kind="jellyfin",
            name="Jellyfin",
            base_url="http://jellyfin.lan:8096",
            credentials=SecretStr("t"),
            cipher=_cipher(),
            owner_id=None,
            sync_minutes=None,
            now=T0,
        )
        servers.replace_libraries(sid, [("1", "Films")])
        (lib,) = servers.libraries(sid)
        held = films[:1100]
        servers.write_items(
            sid,
            [
                ItemWrite(lib.id, f"x{f.id}", f.id, f.title, 2000, f"http://j/{f.id}", T0)
                for f in held
            ],
            {},
        )
    with unit_of_work(db_engine, read_only=True) as session:
        found = MediaServerRepository(session).places([sid], [f.id for f in films])
    assert [p.film_id for p in found] == sorted(f.id for f in held)
    assert all(p.web_url == f"http://j/{p.film_id}" for p in found)
