"""A database with rows in every table, and a snapshot of every row: for tests that must show
nothing was lost (backup and restore). The tables come from the models' metadata, so a table
added later shows up as an empty one in :func:`empty_tables` until :func:`fill_every_table`
writes to it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import Engine, MetaData, Table, func, select
from sqlalchemy.orm import Session

from reelmates.services import accounts, friends
from reelmates.services.accounts import Identity, Passwords
from reelmates.store.credentials import CredentialCipher
from reelmates.store.film_requests import FilmRequestRepository
from reelmates.store.group_picks import GroupPickRepository
from reelmates.store.leases import LeaseRepository
from reelmates.store.media import ItemWrite, MediaServerRepository, SyncRunInfo
from reelmates.store.media_marks import MediaMarkRepository
from reelmates.store.models import Base, Film, FilmGenre, FilmVeto, GenreVeto, ImportRun
from reelmates.store.nights import CalendarPrefs, CalendarRepository, NightRepository
from reelmates.store.onboarding import OnboardingRepository
from reelmates.store.ratings import MarkRepository, RatingRepository
from reelmates.store.swipes import SwipeRepository

T0 = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
PASSWORDS = Passwords(time_cost=1, memory_kib=64)

Snapshot = dict[str, list[tuple[Any, ...]]]


def _member(session: Session, handle: str) -> Identity:
    who = accounts.sign_up(
        session,
        PASSWORDS,
        policy="open",
        handle=handle,
        display_name=f"{handle.title()} ✓",
        password="a long password",
        invite=None,
        now=T0,
    )
    return Identity(who, "session")


def fill_every_table(session: Session) -> None:
    """Two members with ratings, marks, vetoes, log-ins, tokens, invites, a friendship, a swipe
    room, group picks, onboarding answers, a night with its poll, calendars and the refit lease."""
    ana, bo = _member(session, "ana"), _member(session, "bo")
    films = [
        Film(title="Alien", title_key="alien", year=1979, imdb_id="tt0078748", movielens_id=1214),
        Film(title="Heat", title_key="heat", year=1995, runtime_minutes=170),
        Film(title="Amélie", title_key="amélie", year=2001),
    ]
    session.add_all(films)
    session.flush()
    a, b, c = (f.id for f in films)
    session.add_all([FilmGenre(film_id=a, genre="Horror"), FilmGenre(film_id=b, genre="Crime")])
    ratings, marks = RatingRepository(session), MarkRepository(session)
    ratings.set_rating(ana.person_id, a, 4.5, 1_700_000_000)
    ratings.set_rating(bo.person_id, a, 2.0, None)
    marks.mark_seen(ana.person_id, b, date(2024, 1, 1))
    marks.add_to_watchlist(ana.person_id, c, None)
    session.add_all(
        [
            GenreVeto(person_id=ana.person_id, genre="Horror"),
            FilmVeto(person_id=bo.person_id, film_id=b),
            ImportRun(
                kind="letterboxd", source="export.zip", person_id=ana.person_id, finished_at=T0
            ),
        ]
    )
    assert accounts.start_session(session, ana.person_id, T0, timedelta(days=1))
    accounts.create_api_token(session, ana, "script", T0)
    accounts.create_invite(session, ana, policy="open", now=T0, lifetime=timedelta(days=1))
    rooms = SwipeRepository(session)
    room = rooms.create_room(
        ana.person_id,
        [ana.person_id, bo.person_id],
        seed=1,
        at_least=None,
        options='{"genre": "Crime"}',
        join_token="a-room-link-for-the-backup-tests",
    )
    rooms.add_swipe(room, ana.person_id, a, True)
    rooms.add_swipe(room, bo.person_id, a, False)
    rules = friends.FriendRules()
    link = friends.create_invite(session, ana, rules, policy="open", now=T0)
    friends.accept_link(session, bo.person_id, link.token, T0)  # a friendship
    friends.create_invite(session, ana, rules, policy="open", now=T0)  # and an open invite
    picks = GroupPickRepository(session)
    picks.add(ana.person_id, a, "fair", [ana.person_id, bo.person_id], T0)
    OnboardingRepository(session).answer(ana.person_id, c, skipped=True, now=T0)
    nights = NightRepository(session)
    night_id = nights.add(
        uid="night-backup@reelmates",
        film_id=a,
        pick_id=None,
        organiser_id=ana.person_id,
        chooser_id=ana.person_id,
        place_kind="home",
        place="Ana's, 2nd floor",
        time_zone="Europe/London",
        member_ids=[ana.person_id, bo.person_id],
        times=[T0 + timedelta(days=1), T0 + timedelta(days=2)],
        now=T0,
    )
    record = nights.get(night_id)
    assert record is not None
    for who in (ana, bo):
        nights.set_votes(who.person_id, {time_id: "yes" for time_id, _ in record.times})
    calendars = CalendarRepository(session)
    calendars.set_prefs(ana.person_id, CalendarPrefs("Europe/London", "ana@example.org", True))
    calendars.set_feed(ana.person_id, "f" * 64, T0)
    assert LeaseRepository(session).acquire("taste-model", "host:1", T0, T0 + timedelta(hours=1))
    fill_media(session, ana.person_id, bo.person_id, a)
    fill_requests(session, ana.person_id, b, night_id)
    session.flush()


def fill_media(session: Session, owner_id: int, other_id: int, film_id: int) -> int:
    """The owner's own Jellyfin (a library, the other member mapped on it, one film, a sync),
    a shared Plex the owner is mapped on, and an "on disc" mark of the owner's. Returns the
    owner's server id."""
    servers = MediaServerRepository(session)
    cipher = CredentialCipher(SecretStr(Fernet.generate_key().decode()))
    own = servers.add(
        kind="jellyfin",
        name="Ana's Jellyfin",
        base_url="http://jellyfin.lan:8096",
        credentials=SecretStr("an-api-key"),
        cipher=cipher,
        owner_id=owner_id,
        sync_minutes=60,
        now=T0,
    )
    shared = servers.add(
        kind="plex",
        name="The club's Plex",
        base_url="http://plex.lan:32400",
        credentials=SecretStr("a-plex-token"),
        cipher=cipher,
        owner_id=None,
        sync_minutes=None,
        now=T0,
    )
    servers.replace_libraries(own, [("lib-1", "Films")])
    (library,) = servers.libraries(own)
    servers.map_user(own, other_id, "user-bo", "bo")
    servers.map_user(shared, owner_id, "user-ana", "ana")
    servers.write_items(
        own, [ItemWrite(library.id, "item-1", film_id, "Alien", 1979, None, T0)], {}
    )
    servers.add_run(own, SyncRunInfo(0, T0, T0, True, 1, 1, 0, 0, 0, 0, "[]", None))
    servers.record_sync(own, T0, error=None)
    MediaMarkRepository(session).set_mark(owner_id, film_id, "disc", "the Blu-ray", T0)
    return own


def fill_requests(session: Session, person_id: int, film_id: int, night_id: int) -> None:
    """The film asked of Radarr by the person from the night, its last check failed."""
    requests = FilmRequestRepository(session)
    requests.record(
        service="radarr",
        film_id=film_id,
        night_id=night_id,
        requested_by=person_id,
        external_id="17",
        status="wanted",
        now=T0,
    )
    requests.update_status("radarr", film_id, "17", "wanted", "could not reach Radarr", T0)


def empty_tables(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [
            t.name
            for t in Base.metadata.sorted_tables
            if conn.execute(select(func.count()).select_from(t)).scalar_one() == 0
        ]


def snapshot(engine: Engine) -> Snapshot:
    """Every row of every table (and the schema revision), ordered by primary key."""
    out: Snapshot = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
        version = Table("alembic_version", MetaData(), autoload_with=conn)
        out["alembic_version"] = [tuple(r) for r in conn.execute(select(version))]
    return out
