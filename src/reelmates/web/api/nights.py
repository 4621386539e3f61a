"""``/api/nights`` and ``/api/calendar``: film nights as JSON, the same use cases as the pages.

Start a night from a group pick, answer its time poll, fix or move its time, change its place,
call it off (the organiser's, 403 for the others), RSVP, rate the film afterwards; list the
nights to come and the past ones; the member's calendar settings and their private feed. A
night's ``.ics`` is ``GET /nights/{night_id}/night.ics`` (a bearer token works there too).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, BackgroundTasks, Request
from pydantic import BaseModel, Field

from reelmates.plan.rules import MAX_TIMES, PLACE_MAX, Answer, PlaceKind, Rsvp
from reelmates.services import night_calendars, nights
from reelmates.services.nights import NightView
from reelmates.store.friends import FriendSummary
from reelmates.web.api.together import GroupMemberPublic, PickedFilmPublic
from reelmates.web.deps import CurrentUser, SessionDep
from reelmates.web.ids import RowId
from reelmates.web.night_deps import (
    LinkDep,
    MailerDep,
    NightDep,
    NightRulesDep,
    NowDep,
    OrganiserNightDep,
    announce,
)
from reelmates.web.together_deps import me_of

router = APIRouter(prefix="/api", tags=["nights"])

TIMES_SENT_MAX = 20  # more than this is not a poll (2 to 5 are taken, with a reason)


class NightCreate(BaseModel):
    pick_id: RowId = Field(description="The group pick the night is for (one you were in).")
    times: list[datetime] = Field(
        max_length=TIMES_SENT_MAX,
        description=f"2 to {MAX_TIMES} times to propose: wall-clock times in `time_zone` "
        '("2027-07-16T20:00"), or with an offset.',
    )
    time_zone: str = Field(max_length=100, description="An IANA zone, e.g. Europe/London.")
    place_kind: PlaceKind = PlaceKind.HOME
    place: str = Field(default="", max_length=1000, description=f"At most {PLACE_MAX} characters.")


class PollAnswer(BaseModel):
    time_id: RowId
    answer: Answer


class PollAnswers(BaseModel):
    answers: list[PollAnswer] = Field(min_length=1, max_length=TIMES_SENT_MAX)


class TimeChoice(BaseModel):
    time_id: RowId = Field(description="One of the night's proposed times.")


class PlaceChange(BaseModel):
    place_kind: PlaceKind
    place: str = Field(default="", max_length=1000)


class RsvpAnswer(BaseModel):
    answer: Rsvp


class StarsGiven(BaseModel):
    stars: float = Field(description="0.5 to 5, in half stars.")


class MemberAnswerPublic(BaseModel):
    handle: str
    answer: Answer | None


class TimePublic(BaseModel):
    id: int
    starts_at: datetime = Field(description="UTC.")
    local: datetime = Field(description="In your time zone (`viewer_zone`).")
    yes: int
    if_need_be: int
    no: int
    unanswered: int
    best: bool = Field(description="Among the times most members can come to.")
    fixed: bool
    mine: Answer | None
    answers: list[MemberAnswerPublic]


class NightMemberPublic(GroupMemberPublic):
    rsvp: Rsvp | None
    organiser: bool


class RatingPublic(GroupMemberPublic):
    stars: float | None
    hidden: bool = Field(description="A private member's rating, not shown to others.")


class NightPublic(BaseModel):
    id: int
    film: PickedFilmPublic
    status: str = Field(description="planning, fixed or cancelled.")
    place_kind: PlaceKind
    place: str
    place_label: str
    time_zone: str = Field(description="The night's own zone (its organiser's).")
    viewer_zone: str = Field(description="The zone your times are shown in.")
    starts_at: datetime | None = Field(description="UTC, once fixed.")
    starts_local: datetime | None
    ends_local: datetime | None
    sequence: int = Field(description="Grows with every change calendars hear of.")
    organiser: GroupMemberPublic | None
    chooser: GroupMemberPublic | None
    members: list[NightMemberPublic]
    times: list[TimePublic]
    is_organiser: bool
    my_rsvp: Rsvp | None
    over: bool
    ask_rating: bool = Field(description="You are asked to rate the film.")
    ratings: list[RatingPublic] = Field(description="Once over: how each member rated it.")
    calendar: str | None = Field(description="The night's .ics, once a time is fixed.")


class NightListsPublic(BaseModel):
    planning: list[NightPublic]
    upcoming: list[NightPublic]
    to_rate: list[NightPublic]


class CalendarSettingsPublic(BaseModel):
    time_zone: str | None = Field(description="Yours (None: the server's default).")
    shown_zone: str
    email: str | None
    email_in_calendar: bool = Field(description="Others see your address in calendar entries.")
    feed: bool = Field(description="You have a private feed.")
    mail_on: bool = Field(description="This server sends e-mail invitations.")


class CalendarSettingsUpdate(BaseModel):
    time_zone: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=1000)
    email_in_calendar: bool = False


class FeedCreated(BaseModel):
    url: str = Field(description="Shown once: subscribe to it in your calendar app.")


def _public(view: NightView, request: Request) -> NightPublic:
    def member(person: FriendSummary | None) -> GroupMemberPublic | None:
        if person is None:
            return None
        return GroupMemberPublic(handle=person.handle, display_name=person.display_name)

    return NightPublic(
        id=view.id,
        film=PickedFilmPublic(id=view.film_id, title=view.title, year=view.year),
        status=str(view.status),
        place_kind=view.place_kind,
        place=view.place,
        place_label=view.place_label,
        time_zone=view.time_zone,
        viewer_zone=view.viewer_zone,
        starts_at=view.starts_at,
        starts_local=view.starts_local,
        ends_local=view.ends_local,
        sequence=view.sequence,
        organiser=member(view.organiser),
        chooser=member(view.chooser),
        members=[
            NightMemberPublic(
                handle=m.person.handle,
                display_name=m.person.display_name,
                rsvp=m.rsvp,
                organiser=m.organiser,
            )
            for m in view.members
        ],
        times=[
            TimePublic(
                id=t.id,
                starts_at=t.starts_at,
                local=t.local,
                yes=t.tally.yes,
                if_need_be=t.tally.if_need_be,
                no=t.tally.no,
                unanswered=t.tally.unanswered,
                best=t.best,
                fixed=t.fixed,
                mine=t.mine,
                answers=[MemberAnswerPublic(handle=p.handle, answer=a) for p, a in t.answers],
            )
            for t in view.times
        ],
        is_organiser=view.is_organiser,
        my_rsvp=view.my_rsvp,
        over=view.over,
        ask_rating=view.ask_rating,
        ratings=[
            RatingPublic(
                handle=r.person.handle,
                display_name=r.person.display_name,
                stars=r.stars,
                hidden=r.hidden,
            )
            for r in view.ratings
        ],
        calendar=(
            str(request.url_for("night_ics", night_id=view.id).path) if view.starts_at else None
        ),
    )


@router.post("/nights", response_model=NightPublic, status_code=201)
def start_night(
    request: Request,
    session: SessionDep,
    now: NowDep,
    me: CurrentUser,
    rules: NightRulesDep,
    body: NightCreate,
) -> NightPublic:
    """Plan the night of a group pick you were in: its members answer the proposed times."""
    night = nights.start_night_from_pick(
        session,
        me_of(me),
        body.pick_id,
        times=body.times,
        time_zone=body.time_zone,
        place_kind=str(body.place_kind),
        place=body.place,
        now=now,
    )
    return _public(nights.view_night(session, night, me.person_id, rules, now), request)


@router.get("/nights", response_model=NightListsPublic)
def my_nights(
    request: Request, session: SessionDep, now: NowDep, me: CurrentUser, rules: NightRulesDep
) -> NightListsPublic:
    """Your nights being planned, those to come, and those you are asked to rate."""
    lists = nights.my_nights(session, me.person_id, rules, now)
    return NightListsPublic(
        planning=[_public(v, request) for v in lists.planning],
        upcoming=[_public(v, request) for v in lists.upcoming],
        to_rate=[_public(v, request) for v in lists.to_rate],
    )


@router.get("/nights/history", response_model=list[NightPublic])
def night_history(
    request: Request, session: SessionDep, now: NowDep, me: CurrentUser, rules: NightRulesDep
) -> list[NightPublic]:
    """Your past nights, newest first, with how each member rated the film."""
    return [_public(v, request) for v in nights.history(session, me.person_id, rules, now)]


@router.get("/nights/{night_id}", response_model=NightPublic)
def night(
    request: Request, session: SessionDep, now: NowDep, access: NightDep, rules: NightRulesDep
) -> NightPublic:
    """One of your nights (404 for anyone not in it)."""
    view = nights.view_night(session, access.night, access.person_id, rules, now)
    return _public(view, request)


def _after(
    request: Request,
    session: SessionDep,
    person_id: int,
    rules: NightRulesDep,
    night_id: int,
    now: datetime,
) -> NightPublic:
    found = nights.night_for(session, person_id, night_id)
    return _public(nights.view_night(session, found, person_id, rules, now), request)


@router.put("/nights/{night_id}/poll", response_model=NightPublic)
def answer_poll(
    request: Request,
    session: SessionDep,
    now: NowDep,
    access: NightDep,
    rules: NightRulesDep,
    body: PollAnswers,
) -> NightPublic:
    """Your answers to proposed times (times left out keep your earlier answer)."""
    answers = {a.time_id: str(a.answer) for a in body.answers}
    changed = nights.answer_poll(session, access.night, access.person_id, answers, now)
    return _after(request, session, access.person_id, rules, changed.id, now)


@router.post("/nights/{night_id}/time", response_model=NightPublic)
def fix_time(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    now: NowDep,
    access: OrganiserNightDep,
    rules: NightRulesDep,
    link: LinkDep,
    mailer: MailerDep,
    body: TimeChoice,
) -> NightPublic:
    """Fix the time, or move the night to another proposed time (organiser only)."""
    changed = nights.fix_time(session, access.night, access.person_id, body.time_id, now)
    announce(background, mailer, session, rules, link, access.night, changed)
    return _after(request, session, access.person_id, rules, changed.id, now)


@router.put("/nights/{night_id}/place", response_model=NightPublic)
def change_place(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    now: NowDep,
    access: OrganiserNightDep,
    rules: NightRulesDep,
    link: LinkDep,
    mailer: MailerDep,
    body: PlaceChange,
) -> NightPublic:
    """Change the place (organiser only)."""
    changed = nights.change_place(
        session, access.night, access.person_id, str(body.place_kind), body.place, now
    )
    announce(background, mailer, session, rules, link, access.night, changed)
    return _after(request, session, access.person_id, rules, changed.id, now)


@router.post("/nights/{night_id}/cancel", response_model=NightPublic)
def cancel(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    now: NowDep,
    access: OrganiserNightDep,
    rules: NightRulesDep,
    link: LinkDep,
    mailer: MailerDep,
) -> NightPublic:
    """Call the night off (organiser only)."""
    changed = nights.cancel_night(session, access.night, access.person_id, now)
    announce(background, mailer, session, rules, link, access.night, changed)
    return _after(request, session, access.person_id, rules, changed.id, now)


@router.put("/nights/{night_id}/rsvp", response_model=NightPublic)
def rsvp(
    request: Request,
    session: SessionDep,
    now: NowDep,
    access: NightDep,
    rules: NightRulesDep,
    body: RsvpAnswer,
) -> NightPublic:
    """Yes, maybe or no, once the time is fixed."""
    changed = nights.rsvp(session, access.night, access.person_id, str(body.answer), now)
    return _after(request, session, access.person_id, rules, changed.id, now)


@router.post("/nights/{night_id}/rating", response_model=NightPublic)
def rate(
    request: Request,
    session: SessionDep,
    now: NowDep,
    access: NightDep,
    rules: NightRulesDep,
    body: StarsGiven,
) -> NightPublic:
    """Rate the film after the night; it counts for your picks at once."""
    changed = nights.rate_film(session, access.night, access.person, body.stars, now)
    return _after(request, session, access.person_id, rules, changed.id, now)


@router.post("/nights/{night_id}/rating/skip", response_model=NightPublic)
def skip_rating(
    request: Request, session: SessionDep, now: NowDep, access: NightDep, rules: NightRulesDep
) -> NightPublic:
    """You did not watch it: you are not asked to rate it."""
    changed = nights.skip_rating(session, access.night, access.person_id, now)
    return _after(request, session, access.person_id, rules, changed.id, now)


# --- calendar settings and the feed ----------------------------------------------------------


def _settings_public(found: night_calendars.CalendarSettings) -> CalendarSettingsPublic:
    return CalendarSettingsPublic(
        time_zone=found.time_zone,
        shown_zone=found.shown_zone,
        email=found.email,
        email_in_calendar=found.email_in_calendar,
        feed=found.feed_made is not None,
        mail_on=found.mail_on,
    )


@router.get("/calendar", response_model=CalendarSettingsPublic)
def calendar_settings(
    session: SessionDep, me: CurrentUser, rules: NightRulesDep
) -> CalendarSettingsPublic:
    return _settings_public(night_calendars.calendar_settings(session, me.person_id, rules))


@router.put("/calendar", response_model=CalendarSettingsPublic)
def update_calendar_settings(
    session: SessionDep, me: CurrentUser, rules: NightRulesDep, body: CalendarSettingsUpdate
) -> CalendarSettingsPublic:
    """Your time zone (null: the server's default), e-mail address (null: none), and whether
    others may see it in calendar entries."""
    found = night_calendars.update_calendar_settings(
        session,
        me.person_id,
        rules,
        time_zone=body.time_zone,
        email=body.email,
        email_in_calendar=body.email_in_calendar,
    )
    return _settings_public(found)


@router.post("/calendar/feed", response_model=FeedCreated, status_code=201)
def create_feed(request: Request, session: SessionDep, now: NowDep, me: CurrentUser) -> FeedCreated:
    """A new private feed address for all your nights (the old one stops working)."""
    raw = night_calendars.create_feed(session, me.person_id, now)
    return FeedCreated(url=str(request.url_for("calendar_feed", token=raw)))


@router.delete("/calendar/feed", status_code=204)
def revoke_feed(session: SessionDep, me: CurrentUser) -> None:
    """Your feed address stops working."""
    night_calendars.revoke_feed(session, me.person_id)
