"""The nights service on both databases, with hand-made members and films and a clock passed in:
a night from a group pick, times in UTC shown in each member's zone, bad proposals refused with
nothing written, the poll, fixing and moving the time, the place, calling it off (each change a
step of the calendar's SEQUENCE), RSVPs, rating afterwards, the history with privacy, feeds.

Europe/London is UTC+1 in July (BST); America/New_York UTC-4 (EDT); Asia/Tokyo UTC+9.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
import vobject
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from reelmates.errors import (
    ConflictError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
)
from reelmates.plan.rules import Answer, NightStatus, Rsvp
from reelmates.services import accounts, night_calendars, nights, people, together_page
from reelmates.services.accounts import Passwords
from reelmates.services.nights import NightRules
from reelmates.services.uow import unit_of_work
from reelmates.store.friends import FriendSummary
from reelmates.store.models import Film, Night, NightTime
from reelmates.store.nights import NightRecord
from reelmates.store.ratings import RatingRepository
from reelmates.together.strategies import Strategy

NOW = datetime(2027, 7, 1, 12, 0, tzinfo=UTC)
FRI = datetime(2027, 7, 16, 20, 0)  # wall-clock times in London
SAT = datetime(2027, 7, 17, 21, 30)
PASSWORDS = Passwords(time_cost=1, memory_kib=64)
RULES = NightRules()
T = TypeVar("T")


@pytest.fixture
def world(db_engine: Engine) -> dict[str, FriendSummary | int]:
    """Jess, Milly (private taste), Sam and Olga (in no night); Heat (170 minutes), Alien
    (runtime unknown)."""
    found: dict[str, FriendSummary | int] = {}
    with unit_of_work(db_engine) as session:
        for handle in ("jess", "milly", "sam", "olga"):
            holder = accounts.sign_up(
                session,
                PASSWORDS,
                policy="open",
                handle=handle,
                display_name=handle.title(),
                password="a long password",
                invite=None,
                now=NOW,
            )
            found[handle] = FriendSummary(holder.person_id, holder.handle, holder.display_name)
        people.set_private(session, "milly", True)
        for title, runtime in (("Heat", 170), ("Alien", None)):
            film = Film(title=title, title_key=title.lower(), year=1995, runtime_minutes=runtime)
            session.add(film)
            session.flush()
            found[title] = film.id
    return found


def _do(engine: Engine, work: Callable[[Session], T]) -> T:
    with unit_of_work(engine) as session:
        return work(session)


def _person(world: dict[str, FriendSummary | int], name: str) -> FriendSummary:
    found = world[name]
    assert isinstance(found, FriendSummary)
    return found


def _film(world: dict[str, FriendSummary | int], title: str) -> int:
    found = world[title]
    assert isinstance(found, int)
    return found


def _pick_night(
    engine: Engine, world: dict[str, FriendSummary | int], **kwargs: object
) -> NightRecord:
    jess, milly, sam = (_person(world, n) for n in ("jess", "milly", "sam"))

    def work(session: Session) -> NightRecord:
        pick = together_page.record_pick(
            session, milly, [jess, sam], _film(world, "Heat"), Strategy.FAIR, NOW
        )
        options: dict[str, object] = {
            "times": [FRI, SAT],
            "time_zone": "Europe/London",
            "place_kind": "home",
            "place": "Jess's flat",
            "now": NOW,
        } | kwargs
        return nights.start_night_from_pick(session, jess, pick.id, **options)  # type: ignore[arg-type]

    return _do(engine, work)


def _night(engine: Engine, person: FriendSummary, night_id: int) -> NightRecord:
    return _do(engine, lambda s: nights.night_for(s, person.person_id, night_id))


def _view(
    engine: Engine,
    person: FriendSummary,
    night_id: int,
    now: datetime = NOW,
    rules: NightRules = RULES,
) -> nights.NightView:
    def work(session: Session) -> nights.NightView:
        night = nights.night_for(session, person.person_id, night_id)
        return nights.view_night(session, night, person.person_id, rules, now)

    return _do(engine, work)


def _count_nights(engine: Engine) -> tuple[int, int]:
    with unit_of_work(engine, read_only=True) as session:
        return (
            session.scalar(select(func.count()).select_from(Night)) or 0,
            session.scalar(select(func.count()).select_from(NightTime)) or 0,
        )


def test_a_night_from_a_pick_keeps_utc_and_shows_each_member_their_zone(
    db_engine: Engine, world: dict[str, FriendSummary | int]
) -> None:
    jess, milly, sam, olga = (_person(world, n) for n in ("jess", "milly", "sam", "olga"))
    _do(
        db_engine,
        lambda s: night_calendars.update_calendar_settings(
            s,
            milly.person_id,
            RULES,
            time_zone="America/New_York",
            email="",
            email_in_calendar=False,
        ),
    )
    night = _pick_night(db_engine, world)
    assert [t for _, t in night.times] == [
        datetime(2027, 7, 16, 19, 0, tzinfo=UTC),
        datetime(2027, 7, 17, 20, 30, tzinfo=UTC),
    ]
    assert night.time_zone == "Europe/London" and night.status == "planning"
    assert night.sequence == 0 and night.pick_id is not None
    assert night.organiser_id == jess.person_id
    assert night.chooser_id == milly.person_id  # Milly chose the film; Jess plans the night
    assert [m.person.handle for m in night.members] == ["jess", "milly", "sam"]

    shown = {
        "jess": [t.local.strftime("%d %H:%M %Z") for t in _view(db_engine, jess, night.id).times],
        "milly": [t.local.strftime("%d %H:%M %Z") for t in _view(db_engine, milly, night.id).times],
    }
    assert shown == {
        "jess": ["16 20:00 BST", "17 21:30 BST"],
        "milly": ["16 15:00 EDT", "17 16:30 EDT"],
    }
    tokyo = _view(db_engine, sam, night.id, rules=NightRules(default_zone="Asia/Tokyo"))
    assert [t.local.strftime("%d %H:%M") for t in tokyo.times] == ["17 04:00", "18 05:30"]
    assert tokyo.viewer_zone == "Asia/Tokyo" and not tokyo.is_organiser
    assert _view(
        db_engine, milly, night.id, rules=NightRules(default_zone="Asia/Tokyo")
    ).viewer_zone == (
        "America/New_York"  # her own choice wins over the server's default
    )

    with pytest.raises(NotFoundError, match=f"no night of yours has id {night.id}"):
        _night(db_engine, olga, night.id)
    with pytest.raises(NotFoundError, match="no night of yours has id 999"):
        _night(db_engine, jess, 999)
    with pytest.raises(NotFoundError, match="no group pick of yours"):
        _do(
            db_engine,
            lambda s: nights.start_night_from_pick(
                s,
                olga,
                night.pick_id or 0,
                times=[FRI, SAT],
                time_zone="UTC",
                place_kind="home",
                place="",
                now=NOW,
            ),
        )


BAD_PROPOSALS: list[tuple[dict[str, object], str]] = [
    ({"times": [FRI]}, "propose 2 to 5 times; 1 was given"),
    ({"times": [FRI + timedelta(days=d) for d in range(6)]}, "propose 2 to 5 times; 6 were"),
    ({"time_zone": "Europe/Londn"}, "'Europe/Londn' is not a time zone"),
    ({"times": [datetime(2027, 6, 30, 20, 0), FRI]}, "1 of the proposed times has passed"),
    (
        {"times": [datetime(2027, 3, 28, 1, 30), FRI], "now": datetime(2027, 3, 1, tzinfo=UTC)},
        "does not happen in Europe/London",
    ),
    ({"place_kind": "cinema", "place": " "}, "name the cinema"),
    ({"place": "x" * 201}, "at most 200 fit"),
]


def test_a_bad_proposal_is_refused_with_a_reason_and_writes_nothing(
    db_engine: Engine, world: dict[str, FriendSummary | int]
) -> None:
    for changes, said in BAD_PROPOSALS:  # one database for all: each must leave it empty
        with pytest.raises(InvalidValueError, match=said):
            _pick_night(db_engine, world, **changes)
        assert _count_nights(db_engine) == (0, 0), said


def test_the_poll_then_fixing_moving_the_place_and_calling_off_each_raise_the_sequence(
    db_engine: Engine, world: dict[str, FriendSummary | int]
) -> None:
    jess, milly, sam = (_person(world, n) for n in ("jess", "milly", "sam"))
    night = _pick_night(db_engine, world)
    (fri, _), (sat, _) = night.times

    def vote(who: FriendSummary, answers: dict[int, str]) -> NightRecord:
        return _do(
            db_engine,
            lambda s: nights.answer_poll(
                s, nights.night_for(s, who.person_id, night.id), who.person_id, answers, NOW
            ),
        )

    vote(jess, {fri: "yes", sat: "yes"})
    vote(milly, {fri: "no", sat: "if-need-be"})
    vote(sam, {fri: "yes"})
    vote(sam, {fri: "no"})  # a changed answer replaces the first
    with pytest.raises(InvalidValueError, match="'maybe' is not an answer to a time"):
        vote(sam, {sat: "maybe"})
    with pytest.raises(InvalidValueError, match="time 12345 is not one of this night's"):
        vote(sam, {12345: "yes"})
    view = _view(db_engine, milly, night.id)
    assert [
        (t.tally.yes, t.tally.if_need_be, t.tally.no, t.tally.unanswered) for t in view.times
    ] == [
        (1, 0, 2, 0),
        (1, 1, 0, 1),
    ]
    assert [t.best for t in view.times] == [False, True]
    assert [t.mine for t in view.times] == [Answer.NO, Answer.IF_NEED_BE]

    def organise(
        who: FriendSummary, act: Callable[[Session, NightRecord], NightRecord]
    ) -> NightRecord:
        return _do(db_engine, lambda s: act(s, nights.night_for(s, who.person_id, night.id)))

    with pytest.raises(PermissionDeniedError, match="only the night's organiser"):
        organise(sam, lambda s, n: nights.fix_time(s, n, sam.person_id, sat, NOW))
    with pytest.raises(InvalidValueError, match="time 999 is not one of this night's proposed"):
        organise(jess, lambda s, n: nights.fix_time(s, n, jess.person_id, 999, NOW))
    with pytest.raises(ConflictError, match="the time is not fixed yet"):
        organise(sam, lambda s, n: nights.rsvp(s, n, sam.person_id, "yes", NOW))

    fixed = organise(jess, lambda s, n: nights.fix_time(s, n, jess.person_id, sat, NOW))
    assert (fixed.status, fixed.sequence) == ("fixed", 1)
    assert fixed.starts_at == datetime(2027, 7, 17, 20, 30, tzinfo=UTC)
    with pytest.raises(ConflictError, match="the time is fixed already"):
        vote(sam, {sat: "yes"})
    organise(sam, lambda s, n: nights.rsvp(s, n, sam.person_id, "maybe", NOW))
    with pytest.raises(InvalidValueError, match="'perhaps' is not an answer"):
        organise(sam, lambda s, n: nights.rsvp(s, n, sam.person_id, "perhaps", NOW))
    assert _view(db_engine, sam, night.id).my_rsvp is Rsvp.MAYBE
    again = organise(jess, lambda s, n: nights.fix_time(s, n, jess.person_id, sat, NOW))
    assert again.sequence == 1  # the same time: nothing changed

    moved = organise(jess, lambda s, n: nights.fix_time(s, n, jess.person_id, fri, NOW))
    assert (moved.sequence, moved.starts_at) == (2, datetime(2027, 7, 16, 19, 0, tzinfo=UTC))
    assert _view(db_engine, sam, night.id).my_rsvp is None  # asked again about the new time
    placed = organise(
        jess, lambda s, n: nights.change_place(s, n, jess.person_id, "cinema", "The Electric", NOW)
    )
    assert (placed.sequence, placed.place_kind, placed.place) == (3, "cinema", "The Electric")
    same = organise(
        jess,
        lambda s, n: nights.change_place(s, n, jess.person_id, "cinema", " The  Electric ", NOW),
    )
    assert same.sequence == 3
    with pytest.raises(PermissionDeniedError):
        organise(milly, lambda s, n: nights.cancel_night(s, n, milly.person_id, NOW))
    off = organise(jess, lambda s, n: nights.cancel_night(s, n, jess.person_id, NOW))
    assert (off.status, off.sequence) == ("cancelled", 4)
    with pytest.raises(ConflictError, match="called off"):
        organise(sam, lambda s, n: nights.rsvp(s, n, sam.person_id, "yes", NOW))
    with pytest.raises(ConflictError, match="called off"):
        organise(jess, lambda s, n: nights.cancel_night(s, n, jess.person_id, NOW))
    assert _view(db_engine, jess, night.id).status is NightStatus.CANCELLED


def test_afterwards_members_are_asked_to_rate_and_the_history_keeps_privacy(
    db_engine: Engine, world: dict[str, FriendSummary | int]
) -> None:
    jess, milly, sam = (_person(world, n) for n in ("jess", "milly", "sam"))
    night = _pick_night(db_engine, world)
    fri = night.times[0][0]
    _do(
        db_engine,
        lambda s: nights.fix_time(
            s, nights.night_for(s, jess.person_id, night.id), jess.person_id, fri, NOW
        ),
    )
    _do(
        db_engine,
        lambda s: nights.rsvp(
            s, nights.night_for(s, sam.person_id, night.id), sam.person_id, "no", NOW
        ),
    )
    during = datetime(2027, 7, 16, 20, 0, tzinfo=UTC)  # an hour in; Heat runs 170 minutes
    after = datetime(2027, 7, 16, 21, 50, tzinfo=UTC)  # the minute it ends

    def to_rate(who: FriendSummary, now: datetime) -> list[int]:
        lists = _do(db_engine, lambda s: nights.my_nights(s, who.person_id, RULES, now))
        return [v.id for v in lists.to_rate]

    assert to_rate(jess, during) == []
    with pytest.raises(ConflictError, match="has not happened yet"):
        _do(
            db_engine,
            lambda s: nights.rate_film(
                s, nights.night_for(s, jess.person_id, night.id), jess, 4.5, during
            ),
        )
    assert (to_rate(jess, after), to_rate(milly, after), to_rate(sam, after)) == (
        [night.id],
        [night.id],
        [],
    )

    rated_at = after + timedelta(minutes=5)
    _do(
        db_engine,
        lambda s: nights.rate_film(
            s, nights.night_for(s, jess.person_id, night.id), jess, 4.5, rated_at
        ),
    )
    with pytest.raises(InvalidValueError, match=r"5\.5 is not a rating"):
        _do(
            db_engine,
            lambda s: nights.rate_film(
                s, nights.night_for(s, milly.person_id, night.id), milly, 5.5, rated_at
            ),
        )
    with unit_of_work(db_engine, read_only=True) as session:
        ratings = RatingRepository(session).dated_for_person(jess.person_id)
    assert ratings == [(_film(world, "Heat"), 4.5, int(rated_at.timestamp()))]  # in her taste now
    assert to_rate(jess, rated_at) == []
    _do(
        db_engine,
        lambda s: nights.rate_film(
            s, nights.night_for(s, milly.person_id, night.id), milly, 2.0, rated_at
        ),
    )
    assert to_rate(milly, rated_at) == []

    past = _do(db_engine, lambda s: nights.history(s, jess.person_id, RULES, rated_at))
    assert [v.id for v in past] == [night.id]
    seen_by_jess = [(r.person.handle, r.stars, r.hidden) for r in past[0].ratings]
    assert seen_by_jess == [("jess", 4.5, False), ("milly", None, True), ("sam", None, False)]
    assert past[0].chooser == milly and past[0].organiser == jess
    seen_by_milly = _do(db_engine, lambda s: nights.history(s, milly.person_id, RULES, rated_at))
    assert [(r.person.handle, r.stars) for r in seen_by_milly[0].ratings][:2] == [
        ("jess", 4.5),
        ("milly", 2.0),
    ]
    assert _do(db_engine, lambda s: nights.history(s, jess.person_id, RULES, during)) == []


def test_a_member_who_did_not_watch_can_say_so_and_is_not_asked_again(
    db_engine: Engine, world: dict[str, FriendSummary | int]
) -> None:
    jess, milly = _person(world, "jess"), _person(world, "milly")
    night = _pick_night(db_engine, world)
    _do(
        db_engine,
        lambda s: nights.fix_time(
            s, nights.night_for(s, jess.person_id, night.id), jess.person_id, night.times[0][0], NOW
        ),
    )
    after = datetime(2027, 7, 17, 0, 0, tzinfo=UTC)
    with pytest.raises(ConflictError):
        _do(
            db_engine,
            lambda s: nights.skip_rating(
                s, nights.night_for(s, milly.person_id, night.id), milly.person_id, NOW
            ),
        )
    assert _view(db_engine, milly, night.id, after).ask_rating
    _do(
        db_engine,
        lambda s: nights.skip_rating(
            s, nights.night_for(s, milly.person_id, night.id), milly.person_id, after
        ),
    )
    assert not _view(db_engine, milly, night.id, after).ask_rating
    assert _view(db_engine, jess, night.id, after).ask_rating  # only Milly said so


def test_any_group_can_start_a_night_and_the_group_is_checked(
    db_engine: Engine, world: dict[str, FriendSummary | int]
) -> None:
    jess, sam, olga = (_person(world, n) for n in ("jess", "sam", "olga"))
    alien = _film(world, "Alien")

    def start(member_ids: list[int], film_id: int = alien) -> NightRecord:
        return _do(
            db_engine,
            lambda s: nights.start_night(
                s,
                sam,
                film_id,
                member_ids,
                times=[FRI, SAT],
                time_zone="Europe/London",
                place_kind="cinema",
                place="The Electric",
                now=NOW,
            ),
        )

    made = start([olga.person_id, jess.person_id])  # a swipe match's members, say
    assert [m.person.handle for m in made.members] == ["sam", "olga", "jess"]  # organiser first
    assert made.chooser_id == sam.person_id and made.pick_id is None
    with pytest.raises(InvalidValueError, match="a night is for 2 to 8 people; 1 was named"):
        start([sam.person_id])
    with pytest.raises(NotFoundError, match="no member with an account has id 9999"):
        start([jess.person_id, 9999])
    with pytest.raises(NotFoundError, match="no film with id 9999"):
        start([jess.person_id], 9999)
    assert _count_nights(db_engine) == (1, 2)


def _events(document: bytes) -> dict[str, vobject.base.Component]:
    parsed = vobject.readOne(document.decode())
    assert parsed.method.value == "PUBLISH"
    return {e.uid.value: e for e in parsed.contents.get("vevent", [])}


def test_a_feed_serves_its_owners_fixed_nights_until_revoked_or_replaced(
    db_engine: Engine, world: dict[str, FriendSummary | int]
) -> None:
    jess, milly = _person(world, "jess"), _person(world, "milly")
    first, second = _pick_night(db_engine, world), _pick_night(db_engine, world)
    token = _do(db_engine, lambda s: night_calendars.create_feed(s, milly.person_id, NOW))
    assert token.startswith("rmc_") and len(token) > 40

    def feed(raw: str) -> dict[str, vobject.base.Component]:
        link = lambda night_id: f"https://films.example.org/nights/{night_id}"  # noqa: E731
        return _events(
            _do(db_engine, lambda s: night_calendars.feed_calendar(s, raw, RULES, NOW, link))
        )

    assert feed(token) == {}  # no time fixed yet: nothing for a calendar
    _do(
        db_engine,
        lambda s: nights.fix_time(
            s, nights.night_for(s, jess.person_id, first.id), jess.person_id, first.times[1][0], NOW
        ),
    )
    events = feed(token)
    assert list(events) == [first.uid]
    event = events[first.uid]
    assert int(event.sequence.value) == 1 and event.status.value == "CONFIRMED"
    assert event.dtstart.value.astimezone(UTC) == datetime(2027, 7, 17, 20, 30, tzinfo=UTC)
    assert event.dtend.value - event.dtstart.value == timedelta(minutes=170)
    assert event.url.value == f"https://films.example.org/nights/{first.id}"
    assert event.valarm.trigger.value == timedelta(hours=-1)
    assert event.location.value == "At home (Jess's flat)"

    _do(
        db_engine,
        lambda s: nights.fix_time(
            s, nights.night_for(s, jess.person_id, first.id), jess.person_id, first.times[0][0], NOW
        ),
    )
    _do(
        db_engine,
        lambda s: nights.fix_time(
            s,
            nights.night_for(s, jess.person_id, second.id),
            jess.person_id,
            second.times[0][0],
            NOW,
        ),
    )
    _do(
        db_engine,
        lambda s: nights.cancel_night(
            s, nights.night_for(s, jess.person_id, first.id), jess.person_id, NOW
        ),
    )
    events = feed(token)
    assert set(events) == {first.uid, second.uid}
    moved_then_off = events[first.uid]
    assert int(moved_then_off.sequence.value) == 3 and moved_then_off.status.value == "CANCELLED"
    assert moved_then_off.dtstart.value.astimezone(UTC) == datetime(2027, 7, 16, 19, 0, tzinfo=UTC)

    with pytest.raises(NotFoundError, match="this calendar feed does not exist"):
        feed("rmc_" + "x" * 43)
    renewed = _do(db_engine, lambda s: night_calendars.create_feed(s, milly.person_id, NOW))
    with pytest.raises(NotFoundError):
        feed(token)  # the old link stopped working
    assert set(feed(renewed)) == {first.uid, second.uid}
    assert _do(db_engine, lambda s: night_calendars.revoke_feed(s, milly.person_id))
    assert not _do(db_engine, lambda s: night_calendars.revoke_feed(s, milly.person_id))
    with pytest.raises(NotFoundError):
        feed(renewed)


def test_addresses_appear_only_when_allowed_and_e_mail_goes_to_who_gave_one(
    db_engine: Engine, world: dict[str, FriendSummary | int]
) -> None:
    jess, milly = _person(world, "jess"), _person(world, "milly")

    def settings(who: FriendSummary, **values: object) -> night_calendars.CalendarSettings:
        options: dict[str, object] = {
            "time_zone": "",
            "email": "",
            "email_in_calendar": False,
        } | values
        return _do(
            db_engine,
            lambda s: night_calendars.update_calendar_settings(s, who.person_id, RULES, **options),
        )  # type: ignore[arg-type]

    with pytest.raises(InvalidValueError, match="'Mars/Base' is not a time zone"):
        settings(jess, time_zone="Mars/Base")
    with pytest.raises(InvalidValueError, match="'jess at home' is not an e-mail address"):
        settings(jess, email="jess at home")
    with pytest.raises(InvalidValueError, match="is not an e-mail address"):
        settings(jess, email="jess@example.org\r\nBcc: all@example.org")
    mine = settings(jess, email=" jess@example.org ", email_in_calendar=True)
    assert (mine.email, mine.email_in_calendar, mine.time_zone, mine.shown_zone) == (
        "jess@example.org",
        True,
        None,
        "UTC",
    )
    settings(milly, email="milly@example.org", time_zone="America/New_York")  # not shown to others
    night = _pick_night(db_engine, world)
    with pytest.raises(ConflictError, match="no time is fixed yet"):
        _do(db_engine, lambda s: night_calendars.night_calendar(s, night, RULES, NOW))
    fixed = _do(
        db_engine,
        lambda s: nights.fix_time(
            s, nights.night_for(s, jess.person_id, night.id), jess.person_id, night.times[0][0], NOW
        ),
    )
    document = _do(db_engine, lambda s: night_calendars.night_calendar(s, fixed, RULES, NOW))
    assert b"jess@example.org" in document and b"milly@example.org" not in document
    event = _events(document)[night.uid]
    assert [a.value for a in event.contents["attendee"]] == ["mailto:jess@example.org"]
    assert "Watching Heat (1995) with Jess, Milly and Sam." in event.description.value

    assert (
        _do(db_engine, lambda s: night_calendars.invitations(s, fixed, "fixed", RULES, NOW)) == []
    )  # mail off
    sent = _do(
        db_engine,
        lambda s: night_calendars.invitations(s, fixed, "fixed", NightRules(mail=True), NOW),
    )
    assert [(i.to, i.name) for i in sent] == [
        ("jess@example.org", "Jess"),
        ("milly@example.org", "Milly"),
    ]
    assert sent[0].subject == "Film night: Heat (1995), Fri 16 Jul 20:00"  # London, the night's
    assert sent[1].subject == "Film night: Heat (1995), Fri 16 Jul 15:00"  # New York, hers
    assert (
        "Heat (1995): Fri 16 Jul 2027, 15:00 (America/New_York). At home (Jess's flat)."
        in sent[1].body
    )
    assert sent[0].calendar == document
