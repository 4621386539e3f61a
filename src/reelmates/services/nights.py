"""Use cases of a film night: start one from a group pick (or, through :func:`start_night`, from
anything that knows the group, such as a swipe match), answer the time poll, fix the time, move
it, change the place, call it off, RSVP; afterwards rate the film (through the film page's own
rating service, so it counts for the member's taste at once); the history of past nights.
The calendars (one night's ``.ics``, each member's private feed) and the e-mail invitations
are in :mod:`reelmates.services.night_calendars`.

Who may see or act: only the night's members, the organiser among them (:func:`night_for` is
THE rule: anyone else, or a night that does not exist, is the same 404); the organiser's
actions (fix, move, place, call off) are refused to the other members with a 403
(:func:`require_organiser`). The web layer calls both from its one dependency.

Times are stored in UTC with the night's IANA zone beside them, and shown to each member in
theirs (:func:`viewer_zone`). The clock is always passed in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from reelmates.errors import ConflictError, InvalidValueError, NotFoundError, PermissionDeniedError
from reelmates.plan import poll, rules, zones
from reelmates.plan.poll import Tally
from reelmates.plan.rules import Answer, NightStatus, PlaceKind, Rsvp
from reelmates.services import films_page
from reelmates.services.accounts import new_token
from reelmates.services.together import NightRecord as PastNight
from reelmates.services.together_page import pick_of
from reelmates.settings import Settings
from reelmates.store.films import FilmRepository
from reelmates.store.friends import FriendSummary, member_accounts_by_id
from reelmates.store.nights import (
    CalendarPrefs,
    CalendarRepository,
    NightMemberRow,
    NightRecord,
    NightRepository,
)

LIST_MAX = 200  # nights of one member a list looks through

Link = Callable[[int], str]  # a night's id -> the full address of its page


@dataclass(frozen=True, slots=True)
class NightRules:
    """What the operator decided: the zone for members who chose none (None: each night's own),
    the calendar reminder, and whether e-mail is sent."""

    default_zone: str | None = None
    reminder_minutes: int = 60
    mail: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> NightRules:
        return cls(
            settings.default_time_zone,
            settings.night_reminder_minutes,
            settings.smtp_host is not None,
        )


# --- what a member sees ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimeOption:
    id: int
    starts_at: datetime  # UTC
    local: datetime  # in the viewer's zone
    tally: Tally
    best: bool  # among the times that suit the group best so far
    fixed: bool  # the time the organiser fixed
    mine: Answer | None  # the viewer's answer
    answers: tuple[tuple[FriendSummary, Answer | None], ...]  # each member's, in order


@dataclass(frozen=True, slots=True)
class MemberRating:
    person: FriendSummary
    stars: float | None  # None: not rated, or hidden
    hidden: bool  # a private member's rating, not shown to others (privacy.py)


@dataclass(frozen=True, slots=True)
class NightMemberView:
    person: FriendSummary
    rsvp: Rsvp | None
    organiser: bool


@dataclass(frozen=True, slots=True)
class NightView:
    id: int
    film_id: int
    title: str
    year: int | None
    status: NightStatus
    place_kind: PlaceKind
    place: str
    place_label: str
    time_zone: str  # the night's own
    viewer_zone: str  # the zone the viewer sees times in
    starts_at: datetime | None  # UTC, once fixed
    starts_local: datetime | None  # in the viewer's zone
    ends_local: datetime | None
    sequence: int
    organiser: FriendSummary | None  # None once their account is deleted
    chooser: FriendSummary | None  # who chose the film
    members: tuple[NightMemberView, ...]
    times: tuple[TimeOption, ...]
    is_organiser: bool  # the viewer organises it
    my_rsvp: Rsvp | None
    over: bool  # the film has ended
    ask_rating: bool  # the viewer is asked to rate the film
    ratings: tuple[MemberRating, ...]  # once over: how each member rated it
    created_at: datetime

    @property
    def fixed(self) -> bool:
        return self.starts_at is not None and self.status is NightStatus.FIXED


# --- the authorization rule ------------------------------------------------------------------


def night_for(session: Session, person_id: int, night_id: int) -> NightRecord:
    """THE rule: the night ``night_id`` when ``person_id`` is one of its members (the organiser
    is one); any other night, or none at all, is the same 404."""
    found = NightRepository(session).get(night_id)
    if found is None or person_id not in {m.person.person_id for m in found.members}:
        raise NotFoundError(
            f"no night of yours has id {night_id}",
            hint="Your nights are listed on the nights page.",
        )
    return found


def require_organiser(night: NightRecord, person_id: int) -> NightRecord:
    """The organiser's actions: a 403 for the night's other members."""
    if night.organiser_id != person_id:
        raise PermissionDeniedError(
            "only the night's organiser can do this",
            hint="Ask them: they are named on the night's page.",
        )
    return night


# --- starting a night ------------------------------------------------------------------------


def _utc_times(times: Sequence[datetime], zone: ZoneInfo, now: datetime) -> tuple[datetime, ...]:
    return rules.check_times([zones.local_to_utc(t, zone) for t in times], now)


def start_night(
    session: Session,
    organiser: FriendSummary,
    film_id: int,
    member_ids: Sequence[int],
    *,
    times: Sequence[datetime],
    time_zone: str,
    place_kind: str,
    place: str,
    now: datetime,
    pick_id: int | None = None,
    chooser_id: int | None = None,
) -> NightRecord:
    """A new night of ``film_id`` for ``member_ids`` (the organiser is added first when not
    among them): 2 to 5 ``times`` proposed (wall-clock times in ``time_zone``, or aware), the
    place. ``chooser_id``: who chose the film (default the organiser).

    Whether the members may share a night is the caller's to decide (a pick's members were the
    chooser's friends; a swipe match's joined the session): here each must have an account."""
    zone = zones.zone_named(time_zone)
    proposed = _utc_times(times, zone, now)
    kind, text = rules.clean_place(place_kind, place)
    group = [organiser.person_id, *(m for m in member_ids if m != organiser.person_id)]
    if len(set(group)) != len(group):
        raise InvalidValueError("a member is named twice")
    if not rules.MIN_GROUP <= len(group) <= rules.MAX_GROUP:
        raise InvalidValueError(
            f"a night is for {rules.MIN_GROUP} to {rules.MAX_GROUP} people; "
            f"{len(group)} {'was' if len(group) == 1 else 'were'} named"
        )
    known = member_accounts_by_id(session, group)
    missing = [m for m in group if m not in known]
    if missing:
        raise NotFoundError(f"no member with an account has id {missing[0]}")
    if FilmRepository(session).get(film_id) is None:
        raise NotFoundError(
            f"no film with id {film_id} in the catalog", hint="Search the catalog for it."
        )
    nights = NightRepository(session)
    night_id = nights.add(
        uid=f"night-{new_token()[:22]}@reelmates",
        film_id=film_id,
        pick_id=pick_id,
        organiser_id=organiser.person_id,
        chooser_id=chooser_id if chooser_id is not None else organiser.person_id,
        place_kind=str(kind),
        place=text,
        time_zone=zone.key,
        member_ids=group,
        times=proposed,
        now=now,
    )
    made = nights.get(night_id)
    assert made is not None
    return made


def start_night_from_pick(
    session: Session,
    organiser: FriendSummary,
    pick_id: int,
    *,
    times: Sequence[datetime],
    time_zone: str,
    place_kind: str,
    place: str,
    now: datetime,
) -> NightRecord:
    """ "Plan the night" on a group pick the organiser was in (else 404): its film, its
    members, its chooser."""
    pick = pick_of(session, organiser.person_id, pick_id)
    return start_night(
        session,
        organiser,
        pick.film_id,
        [m.person_id for m in pick.members],
        times=times,
        time_zone=time_zone,
        place_kind=place_kind,
        place=place,
        now=now,
        pick_id=pick.id,
        chooser_id=pick.chooser.person_id if pick.chooser else None,
    )


# --- the poll, the time, the place -----------------------------------------------------------


def _status(night: NightRecord) -> NightStatus:
    return NightStatus(night.status)


def _over(night: NightRecord, now: datetime) -> bool:
    return rules.is_over(night.starts_at, night.runtime_minutes, now)


def _reload(session: Session, night_id: int) -> NightRecord:
    session.flush()
    session.expire_all()
    found = NightRepository(session).get(night_id)
    assert found is not None
    return found


def answer_poll(
    session: Session,
    night: NightRecord,
    person_id: int,
    answers: Mapping[int, str],
    now: datetime,
) -> NightRecord:
    """The member's answers to proposed times (time id -> yes / if-need-be / no); times left
    out keep the answer given before. Only while the time is not fixed."""
    rules.require_planning(_status(night), "answer the time poll")
    if _over(night, now):
        raise ConflictError("this night is over: you cannot answer the time poll any more")
    ids = {time_id for time_id, _ in night.times}
    checked: dict[int, str] = {}
    for time_id, answer in answers.items():
        if time_id not in ids:
            raise InvalidValueError(f"time {time_id} is not one of this night's proposed times")
        try:
            checked[time_id] = str(Answer(answer))
        except ValueError:
            raise InvalidValueError(
                f"{str(answer)[:20]!r} is not an answer to a time",
                hint="Answer yes, if-need-be or no.",
            ) from None
    if not checked:
        raise InvalidValueError("no answer was given", hint="Answer at least one time.")
    NightRepository(session).set_votes(person_id, checked)
    return _reload(session, night.id)


def fix_time(
    session: Session, night: NightRecord, organiser_id: int, time_id: int, now: datetime
) -> NightRecord:
    """The organiser fixes one of the proposed times, or moves the night to another of them
    (every member then answers again whether they will come). The same time again changes
    nothing."""
    require_organiser(night, organiser_id)
    rules.require_open(_status(night), _over(night, now), "fix its time")
    chosen = dict(night.times).get(time_id)
    if chosen is None:
        raise InvalidValueError(
            f"time {time_id} is not one of this night's proposed times",
            hint="Fix one of the times the members answered.",
        )
    if chosen <= now:
        raise InvalidValueError("that time has passed", hint="Fix a time still to come.")
    if night.starts_at == chosen and _status(night) is NightStatus.FIXED:
        return night
    nights = NightRepository(session)
    if night.starts_at is not None:  # a move: the old answers were about another time
        nights.clear_rsvps(night.id)
    nights.change(night.id, now, bump=True, status=str(NightStatus.FIXED), starts_at=chosen)
    return _reload(session, night.id)


def change_place(
    session: Session,
    night: NightRecord,
    organiser_id: int,
    place_kind: str,
    place: str,
    now: datetime,
) -> NightRecord:
    require_organiser(night, organiser_id)
    rules.require_open(_status(night), _over(night, now), "change its place")
    kind, text = rules.clean_place(place_kind, place)
    if (str(kind), text) == (night.place_kind, night.place):
        return night
    NightRepository(session).change(night.id, now, bump=True, place_kind=str(kind), place=text)
    return _reload(session, night.id)


def cancel_night(
    session: Session, night: NightRecord, organiser_id: int, now: datetime
) -> NightRecord:
    """Call the night off: calendars that have it show it cancelled."""
    require_organiser(night, organiser_id)
    rules.require_open(_status(night), _over(night, now), "call it off")
    NightRepository(session).change(night.id, now, bump=True, status=str(NightStatus.CANCELLED))
    return _reload(session, night.id)


def rsvp(
    session: Session, night: NightRecord, person_id: int, answer: str, now: datetime
) -> NightRecord:
    """Yes, maybe or no, once the time is fixed and until the night is over."""
    rules.require_fixed(_status(night), "say whether you will come")
    if _over(night, now):
        raise ConflictError("this night is over: you cannot say whether you will come any more")
    try:
        given = Rsvp(answer)
    except ValueError:
        raise InvalidValueError(
            f"{answer[:20]!r} is not an answer", hint="Answer yes, maybe or no."
        ) from None
    NightRepository(session).set_rsvp(night.id, person_id, str(given), now)
    return _reload(session, night.id)


# --- afterwards ------------------------------------------------------------------------------


def _rated_since(rating: tuple[float, int | None] | None, starts_at: datetime) -> bool:
    return rating is not None and rating[1] is not None and rating[1] >= starts_at.timestamp()


def _asks(
    night: NightRecord,
    member: NightMemberRow,
    rating: tuple[float, int | None] | None,
    now: datetime,
) -> bool:
    """Whether ``member`` is asked to rate the film: the night happened (fixed, over), they
    did not say they would not come nor that they did not watch, and have not rated it since
    it started."""
    return (
        _status(night) is NightStatus.FIXED
        and night.starts_at is not None
        and _over(night, now)
        and member.rsvp != str(Rsvp.NO)
        and not member.rating_skipped
        and not _rated_since(rating, night.starts_at)
    )


def rate_film(
    session: Session,
    night: NightRecord,
    member: FriendSummary,
    stars: float,
    now: datetime,
) -> NightRecord:
    """Rate the night's film afterwards: the film page's rating service stores it, so it
    counts for the member's taste at once."""
    if _status(night) is not NightStatus.FIXED or not _over(night, now):
        raise ConflictError(
            "this night has not happened yet: rate the film after it",
            hint="Its page asks you once the film has ended.",
        )
    films_page.rate(session, member.handle, night.film_id, stars, now=now)
    return _reload(session, night.id)


def skip_rating(session: Session, night: NightRecord, person_id: int, now: datetime) -> NightRecord:
    """ "I did not watch it": the member is not asked to rate it again."""
    if not _over(night, now):
        raise ConflictError("this night has not happened yet")
    NightRepository(session).skip_rating(night.id, person_id)
    return _reload(session, night.id)


# --- views -----------------------------------------------------------------------------------


def viewer_zone(prefs: CalendarPrefs, night_zone: str, night_rules: NightRules) -> str:
    """The zone a member sees times in: theirs, else the server's default, else the night's."""
    return prefs.time_zone or night_rules.default_zone or night_zone


def _member(night: NightRecord, person_id: int | None) -> FriendSummary | None:
    return next((m.person for m in night.members if m.person.person_id == person_id), None)


def _rating(
    member: NightMemberRow, ratings: Mapping[int, tuple[float, int | None]], viewer_id: int
) -> MemberRating:
    """How the member rated the film, as the viewer may see it (privacy.py: a private member's
    stars are theirs alone)."""
    hidden = member.private and member.person.person_id != viewer_id
    found = ratings.get(member.person.person_id)
    return MemberRating(member.person, None if hidden or found is None else found[0], hidden)


def _view(
    night: NightRecord,
    viewer_id: int,
    zone_name: str,
    ratings: Mapping[int, tuple[float, int | None]],
    now: datetime,
) -> NightView:
    zone = ZoneInfo(zone_name)
    members = [m.person.person_id for m in night.members]
    answers = {key: Answer(value) for key, value in night.votes.items()}
    tallies = poll.tally(night.times, members, answers)
    best = set(poll.best_times(tallies))
    status = _status(night)
    fixed_at = night.starts_at if status is not NightStatus.PLANNING else None
    options = tuple(
        TimeOption(
            id=t.time_id,
            starts_at=t.starts_at,
            local=zones.in_zone(t.starts_at, zone),
            tally=t,
            best=t.time_id in best,
            fixed=fixed_at is not None and t.starts_at == fixed_at,
            mine=answers.get((t.time_id, viewer_id)),
            answers=tuple(
                (m.person, answers.get((t.time_id, m.person.person_id))) for m in night.members
            ),
        )
        for t in tallies
    )
    me = next(m for m in night.members if m.person.person_id == viewer_id)
    over = _over(night, now)
    shown: tuple[MemberRating, ...] = ()
    if over and status is NightStatus.FIXED:
        shown = tuple(
            MemberRating(
                m.person,
                None
                if hidden
                else (ratings[m.person.person_id][0] if m.person.person_id in ratings else None),
                hidden,
            )
            for m in night.members
            for hidden in [m.private and m.person.person_id != viewer_id]
        )
    kind = PlaceKind(night.place_kind)
    starts = night.starts_at
    return NightView(
        id=night.id,
        film_id=night.film_id,
        title=night.title,
        year=night.year,
        status=status,
        place_kind=kind,
        place=night.place,
        place_label=rules.place_label(kind, night.place),
        time_zone=night.time_zone,
        viewer_zone=zone_name,
        starts_at=starts,
        starts_local=zones.in_zone(starts, zone) if starts else None,
        ends_local=(
            zones.in_zone(rules.ends_at(starts, night.runtime_minutes), zone) if starts else None
        ),
        sequence=night.sequence,
        organiser=_member(night, night.organiser_id),
        chooser=_member(night, night.chooser_id),
        members=tuple(
            NightMemberView(
                m.person,
                Rsvp(m.rsvp) if m.rsvp else None,
                m.person.person_id == night.organiser_id,
            )
            for m in night.members
        ),
        times=options,
        is_organiser=night.organiser_id == viewer_id,
        my_rsvp=Rsvp(me.rsvp) if me.rsvp else None,
        over=over,
        ask_rating=_asks(night, me, ratings.get(viewer_id), now),
        ratings=shown,
        created_at=night.created_at,
    )


def _views(
    session: Session,
    records: Sequence[NightRecord],
    viewer_id: int,
    night_rules: NightRules,
    now: datetime,
) -> list[NightView]:
    prefs = CalendarRepository(session).prefs_of([viewer_id])[viewer_id]
    repo = NightRepository(session)
    return [
        _view(
            night,
            viewer_id,
            viewer_zone(prefs, night.time_zone, night_rules),
            repo.ratings_of(night.film_id, [m.person.person_id for m in night.members]),
            now,
        )
        for night in records
    ]


def view_night(
    session: Session, night: NightRecord, viewer_id: int, night_rules: NightRules, now: datetime
) -> NightView:
    """The night as ``viewer_id`` (a member: see :func:`night_for`) sees it."""
    return _views(session, [night], viewer_id, night_rules, now)[0]


def _mine(session: Session, person_id: int) -> list[NightRecord]:
    repo = NightRepository(session)
    return repo.many(repo.ids_of(person_id, LIST_MAX))


@dataclass(frozen=True, slots=True)
class NightLists:
    planning: tuple[NightView, ...]  # the time not fixed yet
    upcoming: tuple[NightView, ...]  # fixed, still to come, soonest first
    to_rate: tuple[NightView, ...]  # over, the member asked to rate the film


def my_nights(
    session: Session, person_id: int, night_rules: NightRules, now: datetime
) -> NightLists:
    """The member's nights to come and those they are asked to rate (cancelled and past ones
    are in :func:`history` or nowhere)."""
    repo = NightRepository(session)
    views = _views(
        session, repo.many(repo.ids_of(person_id, LIST_MAX)), person_id, night_rules, now
    )
    planning = [v for v in views if v.status is NightStatus.PLANNING]
    upcoming = sorted(
        (v for v in views if v.fixed and not v.over), key=lambda v: v.starts_at or now
    )
    return NightLists(
        planning=tuple(planning),
        upcoming=tuple(upcoming),
        to_rate=tuple(v for v in views if v.ask_rating),
    )


def history(
    session: Session, person_id: int, night_rules: NightRules, now: datetime
) -> list[NightView]:
    """The member's past nights, newest first: who chose, what was watched, how each member
    rated it (a private member's rating is shown to them only)."""
    repo = NightRepository(session)
    views = _views(
        session, repo.many(repo.ids_of(person_id, LIST_MAX)), person_id, night_rules, now
    )
    past = [v for v in views if v.fixed and v.over]
    return sorted(past, key=lambda v: v.starts_at or now, reverse=True)


def group_history(
    session: Session,
    viewer_id: int,
    group: Sequence[FriendSummary],
    night_rules: NightRules,
    now: datetime,
) -> list[PastNight]:
    """The past nights the viewer had with some of this group (at least one other of its members
    there), oldest first, as the fairness nudge reads them (``GroupOptions.history``): the film
    and each member who came (an RSVP other than no) → their stars afterwards. A rating the viewer
    may not see (a private member's) is None, so only the model's view of them counts."""
    ids = {m.person_id for m in group}
    past = []
    for view in reversed(history(session, viewer_id, night_rules, now)):
        came = {m.person.person_id for m in view.members if m.rsvp is not Rsvp.NO} & ids
        if len(came) < 2:
            continue
        stars = {
            r.person.handle: None if r.hidden else r.stars
            for r in view.ratings
            if r.person.person_id in came
        }
        for m in view.members:
            if m.person.person_id in came:
                stars.setdefault(m.person.handle, None)
        past.append(PastNight(view.film_id, stars))
    return past


def nights_of_picks(session: Session, person_id: int, pick_ids: Sequence[int]) -> dict[int, int]:
    """For each of the member's group picks that has a night they are in: that night's id (the
    newest not called off)."""
    repo = NightRepository(session)
    found: dict[int, int] = {}
    wanted = set(pick_ids)
    for night in repo.many(repo.ids_of(person_id, LIST_MAX)):
        pick = night.pick_id
        if pick is not None and pick in wanted and night.status != str(NightStatus.CANCELLED):
            found.setdefault(pick, night.id)
    return found
