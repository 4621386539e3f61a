"""What a sync makes of what mapped members watched and rated, and which films a group can
watch, and where: on both databases, with small libraries worked by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from cryptography.fernet import Fernet
from library_fake import FakeLibraryClient
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from reelmates.media.base import ServerFilm, UserFilmState
from reelmates.services.media.available import (
    Place,
    any_library,
    available_to,
    default_server_name,
)
from reelmates.services.media.sync import sync
from reelmates.services.uow import unit_of_work
from reelmates.store.credentials import CredentialCipher
from reelmates.store.media import ItemWrite, MediaServerRepository
from reelmates.store.media_marks import MediaMarkRepository
from reelmates.store.models import Film, Person
from reelmates.store.ratings import MarkRepository, RatingRepository

T1 = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
CIPHER = CredentialCipher(SecretStr(Fernet.generate_key().decode()))
TITLES = [("Alien", 1979), ("Heat", 1995), ("Ran", 1985), ("Amélie", 2001), ("Up", 2009)]


def _people(session: Session, *handles: str) -> list[int]:
    people = [Person(handle=h, kind="member", display_name=h.title()) for h in handles]
    session.add_all(people)
    session.flush()
    return [p.id for p in people]


def _films(session: Session) -> list[int]:
    films = [Film(title=t, title_key=t.lower().replace("é", "e"), year=y) for t, y in TITLES]
    session.add_all(films)
    session.flush()
    return [f.id for f in films]


def _server(session: Session, kind: str, owner: tuple[int, str] | None) -> int:
    return MediaServerRepository(session).add(
        kind=kind,
        name=default_server_name(kind, owner[1] if owner else None),
        base_url="http://media.lan",
        credentials=SecretStr("k"),
        cipher=CIPHER,
        owner_id=owner[0] if owner else None,
        sync_minutes=None,
        now=T1,
    )


def test_plays_become_seen_marks_and_server_ratings_fill_only_the_gaps(db_engine: Engine) -> None:
    with unit_of_work(db_engine) as session:
        milly, bo = _people(session, "milly", "bo")
        alien, heat, ran, amelie, _up = _films(session)
        RatingRepository(session).set_rating(milly, ran, 5.0, 1_700_000_000)  # hers, kept
        MarkRepository(session).mark_seen(milly, amelie, date(2020, 1, 1))
        sid = _server(session, "jellyfin", (milly, "Milly"))
        MediaServerRepository(session).map_user(sid, milly, "u-milly", "milly")
    client = FakeLibraryClient()
    client.add_library("lib", "Films")
    for n, (title, year) in enumerate(TITLES):
        client.put(ServerFilm(f"i{n}", "lib", title, year))
    played = datetime(2026, 11, 2, 21, 30, tzinfo=UTC)
    client.states[("u-milly", "lib")] = [
        UserFilmState("i0", played=True, played_at=played),  # Alien: seen on that day
        UserFilmState("i1", played=True, stars=4.3),  # Heat: 4.5 stars (half stars)
        UserFilmState("i2", played=True, stars=1.0),  # Ran: she rated it 5 here: kept
        UserFilmState("i3", played=True),  # Amélie: marked seen already
        UserFilmState("i4", played=False),  # Up: nothing
        UserFilmState("gone", played=True, stars=3.0),  # not in the library: nothing
    ]
    client.states[("u-bo", "lib")] = [UserFilmState("i4", played=True, stars=2.0)]  # unmapped

    report = sync(db_engine, sid, client, T1)
    assert (report.seen_added, report.ratings_added) == (1, 1)
    with unit_of_work(db_engine, read_only=True) as session:
        ratings, marks = RatingRepository(session), MarkRepository(session)
        assert ratings.dated_for_person(milly) == sorted(
            [(ran, 5.0, 1_700_000_000), (heat, 4.5, int(T1.timestamp()))]
        )
        assert marks.seen_dated(milly) == {alien: date(2026, 11, 2), amelie: date(2020, 1, 1)}
        assert ratings.for_person(bo) == [] and marks.seen(bo) == set()
    again = sync(db_engine, sid, client, T1 + timedelta(hours=1))
    assert (again.seen_added, again.ratings_added, again.fetched) == (0, 0, 0)


def test_a_group_can_watch_what_is_on_a_server_one_of_them_can_use(db_engine: Engine) -> None:
    with unit_of_work(db_engine) as session:
        milly, bo, cy, dee = _people(session, "milly", "bo", "cy", "dee")
        alien, heat, ran, amelie, up = _films(session)
        servers = MediaServerRepository(session)
        shared = _server(session, "plex", None)
        millys = _server(session, "jellyfin", (milly, "Milly"))
        bos = _server(session, "emby", (bo, "Bo"))
        servers.map_user(bos, cy, "u-cy", "cy")
        for sid in (shared, millys):
            servers.replace_libraries(sid, [("lib", "Films")])
        servers.replace_libraries(bos, [("lib", "Films"), ("kids", "Kids")])
        libs = {
            (sid, lib.external_id): lib.id
            for sid in (shared, millys, bos)
            for lib in servers.libraries(sid)
        }

        def item(sid: int, lib: str, ext: str, film: int, url: str | None) -> None:
            row = ItemWrite(libs[sid, lib], ext, film, "t", None, url, None)
            servers.write_items(sid, [row], {})

        item(shared, "lib", "p1", up, "http://plex/up")
        item(millys, "lib", "j1", alien, "http://jf/alien")
        item(millys, "lib", "j2", heat, None)
        item(bos, "lib", "e1", heat, "http://emby/heat")
        item(bos, "kids", "e2", ran, "http://emby/ran")
        servers.set_library_enabled(bos, "kids", False)  # Bo's "Kids" is not counted
        marks = MediaMarkRepository(session)
        marks.set_mark(dee, amelie, "disc", "", T1)
        marks.set_mark(dee, ran, "service", "Mubi", T1)
    with unit_of_work(db_engine, read_only=True) as session:
        shared_up = {up: (Place("on Plex", "http://plex/up", shared),)}
        assert available_to(session, [dee]) == {
            **shared_up,
            ran: (Place("on Mubi (Dee)"),),
            amelie: (Place("on disc (Dee)"),),
        }
        assert available_to(session, [milly, cy]) == {
            **shared_up,
            alien: (Place("on Milly's Jellyfin", "http://jf/alien", millys),),
            heat: (
                Place("on Milly's Jellyfin", None, millys),
                Place("on Bo's Emby", "http://emby/heat", bos),
            ),
        }
        assert available_to(session, [bo]) == {
            **shared_up,
            heat: (Place("on Bo's Emby", "http://emby/heat", bos),),
        }
        assert any_library(session, [dee])
    with unit_of_work(db_engine) as session:
        assert MediaServerRepository(session).delete(shared)
    with unit_of_work(db_engine, read_only=True) as session:
        assert not any_library(session, [cy + dee + 100])
        assert available_to(session, [cy]) == {
            heat: (Place("on Bo's Emby", "http://emby/heat", bos),)
        }
