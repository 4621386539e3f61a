"""Deleting an account on both databases: afterwards no table holds a row that refers to the
person. The check reads every foreign key to ``persons.id`` from the schema, so a table added
later is checked (and, through store.erase, erased) without changing this test."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from every_table import fill_media, fill_requests
from reelmates.errors import ReelmatesError
from reelmates.importers.uploads import UploadLimits
from reelmates.services import accounts, erase, export, friends
from reelmates.services.accounts import Identity, Passwords
from reelmates.services.letterboxd import import_letterboxd_upload
from reelmates.services.uow import unit_of_work
from reelmates.store.friends import FriendSummary
from reelmates.store.group_picks import GroupPickRepository
from reelmates.store.media import MediaServerRepository
from reelmates.store.media_models import (
    MediaItem,
    MediaLibrary,
    MediaMark,
    MediaSyncRun,
    MediaUserMap,
)
from reelmates.store.models import (
    Base,
    Film,
    FilmVeto,
    GenreVeto,
    GroupPick,
    GroupPickMember,
    ImportRun,
    NightTime,
    Person,
    Rating,
    SeenMark,
    SignupInvite,
    WatchlistEntry,
)
from reelmates.store.nights import CalendarPrefs, CalendarRepository, NightRepository
from reelmates.store.onboarding import OnboardingRepository
from reelmates.store.ratings import MarkRepository, RatingRepository
from reelmates.store.request_models import MediaRequest
from reelmates.store.swipes import SwipeRepository

T0 = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
PASSWORDS = Passwords(time_cost=1, memory_kib=64)


def _references(session: Session, person_id: int) -> dict[str, int]:
    """Rows, in any table, whose column with a foreign key to persons.id holds ``person_id``."""
    persons = Base.metadata.tables["persons"]
    found: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column is persons.c.id for fk in column.foreign_keys):
                count = session.scalar(
                    select(func.count()).select_from(table).where(column == person_id)
                )
                if count:
                    found[f"{table.name}.{column.name}"] = int(count)
    return found


def _identity(session: Session, handle: str) -> Identity:
    who = accounts.sign_up(
        session,
        PASSWORDS,
        policy="open",
        handle=handle,
        display_name=None,
        password="a long password",
        invite=None,
        now=T0,
    )
    return Identity(who, "session")


def _everything_of(session: Session, me: Identity, other: Identity) -> None:
    """A row of ``me`` in every table that refers to persons."""
    films = [Film(title=f"Film {i}", title_key=f"film {i}", year=2000 + i) for i in range(3)]
    session.add_all(films)
    session.flush()
    a, b, c = (f.id for f in films)
    ratings, marks = RatingRepository(session), MarkRepository(session)
    ratings.set_rating(me.person_id, a, 4.5, 1_700_000_000)
    ratings.set_rating(other.person_id, a, 2.0, None)
    marks.mark_seen(me.person_id, b, date(2024, 1, 1))
    marks.add_to_watchlist(me.person_id, c, None)
    session.add_all(
        [
            GenreVeto(person_id=me.person_id, genre="Horror"),
            FilmVeto(person_id=me.person_id, film_id=b),
        ]
    )
    raw = accounts.start_session(session, me.person_id, T0, timedelta(days=1))
    assert raw
    accounts.create_api_token(session, me, "script", T0)
    accounts.create_invite(session, me, policy="open", now=T0, lifetime=timedelta(days=1))
    theirs = accounts.create_invite(
        session, other, policy="open", now=T0, lifetime=timedelta(days=1)
    )
    session.execute(
        SignupInvite.__table__.update()
        .where(SignupInvite.token_hash == accounts.token_hash(theirs))
        .values(used_by=me.person_id, used_at=T0)
    )
    session.add(
        ImportRun(kind="letterboxd", source="my-export.zip", person_id=me.person_id, finished_at=T0)
    )
    rooms = SwipeRepository(session)
    room = rooms.create_room(
        me.person_id,
        [me.person_id, other.person_id],
        seed=1,
        at_least=None,
        options="{}",
        join_token="a-room-link-for-the-erase-test-1",
    )
    rooms.add_swipe(room, me.person_id, a, True)
    rooms.add_swipe(room, other.person_id, a, False)
    rules = friends.FriendRules()
    mine = friends.create_invite(session, me, rules, policy="open", now=T0)
    friends.accept_link(session, other.person_id, mine.token, T0)  # a friendship
    friends.create_invite(session, me, rules, policy="open", now=T0)  # and an invite still open
    picks = GroupPickRepository(session)  # a film they chose for the two of them, and one bo did
    picks.add(me.person_id, a, "fair", [me.person_id, other.person_id], T0)
    picks.add(other.person_id, b, "borda", [other.person_id, me.person_id], T0)
    OnboardingRepository(session).answer(me.person_id, c, skipped=True, now=T0)
    nights = NightRepository(session)  # a night she organises (and chose), both voting
    night_id = nights.add(
        uid="night-erase@reelmates",
        film_id=a,
        pick_id=None,
        organiser_id=me.person_id,
        chooser_id=me.person_id,
        place_kind="home",
        place="",
        time_zone="UTC",
        member_ids=[me.person_id, other.person_id],
        times=[T0 + timedelta(days=1), T0 + timedelta(days=2)],
        now=T0,
    )
    record = nights.get(night_id)
    assert record is not None
    for who in (me, other):
        nights.set_votes(who.person_id, {time_id: "yes" for time_id, _ in record.times})
    calendars = CalendarRepository(session)
    calendars.set_prefs(me.person_id, CalendarPrefs("Europe/London", "ana@example.org", True))
    calendars.set_feed(me.person_id, "f" * 64, T0)
    fill_media(session, me.person_id, other.person_id, a)  # her own server, bo mapped on it
    fill_requests(session, me.person_id, a, night_id)  # the night's film she asked Radarr for
    session.flush()


def test_deleting_an_account_leaves_no_row_referring_to_the_person(db_engine: Engine) -> None:
    with unit_of_work(db_engine) as session:
        me, other = _identity(session, "ana"), _identity(session, "bo")
        _everything_of(session, me, other)
    with unit_of_work(db_engine, read_only=True) as session:
        before = _references(session, me.person_id)
    # Every table that refers to a person has a row of theirs before (so the check below means
    # something); a new such table fails here until this test writes one.
    referring = {
        table.name
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if any(fk.column.table.name == "persons" for fk in column.foreign_keys)
    }
    assert referring <= {key.split(".")[0] for key in before}
    for table in [
        "ratings",
        "seen_marks",
        "watchlist_entries",
        "genre_vetoes",
        "film_vetoes",
        "accounts",
        "login_sessions",
        "api_tokens",
        "import_runs",
        "swipes",
        "swipe_session_members",
        "swipe_sessions",
        "group_picks",
        "group_pick_members",
        "onboarding_cards",
        "nights",
        "night_members",
        "night_votes",
        "member_calendars",
        "calendar_feeds",
        "media_servers",
        "media_user_maps",
        "media_marks",
        "media_requests",
    ]:
        assert any(key.startswith(f"{table}.") for key in before), table
    assert before["signup_invites.created_by"] == 1 and before["signup_invites.used_by"] == 1

    with pytest.raises(ReelmatesError, match="not yours"), unit_of_work(db_engine) as session:
        erase.delete_account(session, me, "bo")
    with unit_of_work(db_engine) as session:
        erased = erase.delete_account(session, me, " ANA ")
    assert erased.rows["persons"] == 1 and erased.rows["ratings"] == 1

    with unit_of_work(db_engine, read_only=True) as session:
        assert _references(session, me.person_id) == {}
        assert session.get(Person, me.person_id) is None
        # The other member keeps their own rows; shared ones lose only the reference.
        assert session.scalar(select(func.count()).select_from(Rating)) == 1
        assert _references(session, other.person_id)["swipes.person_id"] == 1
        assert session.scalar(select(func.count()).select_from(SignupInvite)) == 1
        assert session.scalar(select(SignupInvite.used_by)) is None
        assert session.scalar(select(func.count()).select_from(SeenMark)) == 0
        assert session.scalar(select(func.count()).select_from(WatchlistEntry)) == 0
        # Both group picks stay for bo (they were his too), without ana: the one she chose has
        # no chooser now, and neither lists her.
        assert session.scalar(select(func.count()).select_from(GroupPick)) == 2
        assert set(session.scalars(select(GroupPick.chooser_id))) == {None, other.person_id}
        assert set(session.scalars(select(GroupPickMember.person_id))) == {other.person_id}
        assert [p.members for p in GroupPickRepository(session).recent_for(other.person_id, 5)] == [
            (FriendSummary(other.person_id, "bo", "bo"),)
        ] * 2
        # The night stays for bo, with no organiser or chooser now, and only his votes.
        (night,) = NightRepository(session).many(
            NightRepository(session).ids_of(other.person_id, 5)
        )
        assert (night.organiser_id, night.chooser_id) == (None, None)
        assert [m.person.person_id for m in night.members] == [other.person_id]
        assert {p for _, p in night.votes} == {other.person_id}
        assert session.scalar(select(func.count()).select_from(NightTime)) == 2
        # Her own server went with everything below it (bo's mapping on it too); the shared
        # one stays, without her mapping.
        assert [s.name for s in MediaServerRepository(session).all()] == ["The club's Plex"]
        for model in (MediaLibrary, MediaItem, MediaSyncRun, MediaUserMap, MediaMark):
            assert session.scalar(select(func.count()).select_from(model)) == 0, model
        # The film she asked for stays asked for (the night is bo's too), by nobody now.
        (asked,) = session.scalars(select(MediaRequest))
        assert (asked.night_id, asked.requested_by, asked.external_id) == (night.id, None, "17")


def test_export_round_trips_through_the_upload_import(db_engine: Engine, tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    awkward = 'Say "Hello", Goodbye\nAgain'
    with unit_of_work(db_engine) as session:
        me, other = _identity(session, "ana"), _identity(session, "bo")
        films = [
            Film(title=awkward, title_key="say hello goodbye again", year=2001),
            Film(title="Heat", title_key="heat", year=1995),
            Film(title="Heat", title_key="heat", year=1986),
            Film(title="Ran", title_key="ran", year=None),
        ]
        session.add_all(films)
        session.flush()
        ratings, marks = RatingRepository(session), MarkRepository(session)
        # Letterboxd keeps the day of a rating, not its time: midnight UTC round-trips exactly.
        ratings.set_rating(me.person_id, films[0].id, 0.5, 1_699_920_000)
        ratings.set_rating(me.person_id, films[1].id, 5.0, None)
        marks.mark_seen(me.person_id, films[2].id, date(2020, 2, 29))
        marks.add_to_watchlist(me.person_id, films[3].id, date(2021, 1, 1))
        marks.add_to_watchlist(me.person_id, films[0].id, None)
        session.flush()
    with unit_of_work(db_engine, read_only=True) as session:
        exported = export.letterboxd_zip(session, me.person_id)
        files = export.letterboxd_files(session, me.person_id)
    assert files["ratings.csv"].startswith("Date,Name,Year,Letterboxd URI,Rating\n")
    assert '"Say ""Hello"", Goodbye\nAgain"' in files["ratings.csv"]
    upload = folder / "upload.part"
    upload.write_bytes(exported)
    with unit_of_work(db_engine) as session:
        report = import_letterboxd_upload(session, "bo", upload, "export.zip", UploadLimits())
    assert report.unmatched == [] and report.ratings == 2 and report.watchlist == 2

    def taste(person_id: int) -> tuple[object, ...]:
        with unit_of_work(db_engine, read_only=True) as session:
            marks = MarkRepository(session)
            return (
                RatingRepository(session).dated_for_person(person_id),
                marks.seen_dated(person_id),
                marks.watchlist_dated(person_id),
            )

    assert taste(other.person_id) == taste(me.person_id)
