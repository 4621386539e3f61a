"""Film nights: "Plan the night" on a group pick, the night's page (the time poll, the
organiser's fixing, moving, place and calling off, RSVPs, the .ics, rating the film afterwards),
the member's nights and their history, the calendar settings (time zone, e-mail, the private
feed made, shown once, revoked) and the feed itself, which a calendar app fetches by its secret
address (no log-in).

Who may see a night is decided by ``web.night_deps`` (members only: 404 for anyone else); these
routes hold no rule of their own. A form that is refused shows its page again with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request
from starlette.responses import RedirectResponse, Response

from reelmates.errors import InvalidValueError, ReelmatesError
from reelmates.plan.rules import MAX_TIMES, PLACE_MAX
from reelmates.services import night_calendars, nights, together_page
from reelmates.services.accounts import Identity
from reelmates.services.media import film_requests
from reelmates.services.media.film_requests import request_service
from reelmates.services.nights import NightRules
from reelmates.store.group_picks import GroupPickSummary
from reelmates.store.nights import NightRecord
from reelmates.web.deps import CurrentUser, SessionDep
from reelmates.web.flash import forget_flash, read_flash, set_flash
from reelmates.web.ids import RowId
from reelmates.web.night_deps import (
    LinkDep,
    MailerDep,
    NightAccess,
    NightDep,
    NightRulesDep,
    NowDep,
    OrganiserNightDep,
    announce,
)
from reelmates.web.pages.data import settings_page_with
from reelmates.web.pages.films import STAR_VALUES
from reelmates.web.templating import render
from reelmates.web.together_deps import me_of
from reelmates.web.uploads import RequestForm

router = APIRouter()

Text = Annotated[str, Form(max_length=1000)]
OptionalText = Annotated[str, Form(max_length=1000)]
FEED_MADE = "calendar_feed_made"  # the page that shows a new feed's address once
ANSWER_FIELD = "time-"  # the poll form's field for time 7 is "time-7"
ICS = "text/calendar; charset=utf-8"


def parse_times(values: Sequence[str]) -> list[datetime]:
    """The form's date-and-time fields ("2027-07-16T20:00"), the empty ones left out."""
    found = []
    for value in values:
        text = value.strip()
        if not text:
            continue
        try:
            found.append(datetime.fromisoformat(text))
        except ValueError:
            raise InvalidValueError(
                f"{text[:40]!r} is not a date and time",
                hint="Give each time as a date and a time, e.g. 2027-07-16T20:00.",
            ) from None
    return found


def _see(request: Request, name: str, **params: object) -> RedirectResponse:
    return RedirectResponse(str(request.url_for(name, **params).path), status_code=303)


def _ics(document: bytes, filename: str | None) -> Response:
    headers = {"Cache-Control": "private, no-cache"}
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(document, media_type=ICS, headers=headers)


# --- planning a night from a pick ------------------------------------------------------------


def _plan_page(
    request: Request,
    session: SessionDep,
    me: Identity,
    rules: NightRules,
    pick: GroupPickSummary,
    *,
    error: ReelmatesError | None = None,
    times: Sequence[str] = (),
    zone: str | None = None,
    place_kind: str = "home",
    place: str = "",
) -> Response:
    shown = [*list(times)[:MAX_TIMES], *([""] * (MAX_TIMES - len(times)))]
    context = {
        "title": "Plan the night",
        "pick": pick,
        "others": [m for m in pick.members if m.person_id != me.person_id],  # "with" them
        "zones": night_calendars.zone_choices(),
        "zone": zone or night_calendars.own_zone(session, me.person_id, rules),
        "times": shown,
        "place_kind": place_kind,
        "place": place,
        "place_max": PLACE_MAX,
        "error": error,
    }
    status = error.status_code if error else 200
    return render(request, "plan_night.html", context, status_code=status)


@router.get("/together/picks/{pick_id}/night", name="plan_night_page")
def plan_night_page(
    request: Request, session: SessionDep, me: CurrentUser, rules: NightRulesDep, pick_id: RowId
) -> Response:
    pick = together_page.pick_of(session, me.person_id, pick_id)
    return _plan_page(request, session, me, rules, pick)


@router.post("/together/picks/{pick_id}/night", name="plan_night")
def plan_night(
    request: Request,
    session: SessionDep,
    now: NowDep,
    me: CurrentUser,
    rules: NightRulesDep,
    pick_id: RowId,
    time_zone: Text,
    place_kind: Text,
    times: Annotated[list[str], Form()] = [],  # noqa: B006
    place: OptionalText = "",
) -> Response:
    pick = together_page.pick_of(session, me.person_id, pick_id)
    try:
        night = nights.start_night_from_pick(
            session,
            me_of(me),
            pick.id,
            times=parse_times(times),
            time_zone=time_zone,
            place_kind=place_kind,
            place=place,
            now=now,
        )
    except ReelmatesError as exc:  # nothing was written: the checks come first
        kept = [t for t in times if t.strip()]
        return _plan_page(
            request,
            session,
            me,
            rules,
            pick,
            error=exc,
            times=kept,
            zone=time_zone,
            place_kind=place_kind,
            place=place,
        )
    return _see(request, "night_page", night_id=night.id)


# --- the member's nights ---------------------------------------------------------------------


@router.get("/nights", name="nights_page")
def nights_page(
    request: Request, session: SessionDep, now: NowDep, me: CurrentUser, rules: NightRulesDep
) -> Response:
    lists = nights.my_nights(session, me.person_id, rules, now)
    context = {"title": "Film nights", "lists": lists, "star_values": STAR_VALUES}
    return render(request, "nights.html", context)


@router.get("/nights/history", name="night_history_page")
def night_history_page(
    request: Request, session: SessionDep, now: NowDep, me: CurrentUser, rules: NightRulesDep
) -> Response:
    past = nights.history(session, me.person_id, rules, now)
    return render(request, "night_history.html", {"title": "Past nights", "past": past})


# --- one night -------------------------------------------------------------------------------


def _night_page(
    request: Request,
    session: SessionDep,
    access: NightAccess,
    rules: NightRules,
    now: datetime,
    error: ReelmatesError | None = None,
) -> Response:
    view = nights.view_night(session, access.night, access.person_id, rules, now)
    service = request_service(request.app.state.settings)
    context = {
        "title": f"Film night: {view.title}",
        "night": view,
        "film_request": film_requests.request_view(
            session, access.night, access.person_id, service, view.viewer_zone
        ),
        "viewer_is_guest": access.me.holder.role == "guest",
        "error": error,
        "star_values": STAR_VALUES,
        "place_max": PLACE_MAX,
    }
    status = error.status_code if error else 200
    return render(request, "night.html", context, status_code=status)


@router.get("/nights/{night_id}", name="night_page")
def night_page(
    request: Request, session: SessionDep, now: NowDep, access: NightDep, rules: NightRulesDep
) -> Response:
    return _night_page(request, session, access, rules, now)


def _act(
    request: Request,
    session: SessionDep,
    access: NightAccess,
    rules: NightRules,
    now: datetime,
    change: Callable[[], NightRecord],
    after: Callable[[NightRecord], None] | None = None,
) -> Response:
    """Run ``change``: back to the night's page (303), or the page again with the reason."""
    try:
        changed = change()
    except ReelmatesError as exc:
        return _night_page(request, session, access, rules, now, exc)
    if after is not None:
        after(changed)
    return _see(request, "night_page", night_id=access.night.id)


@router.post("/nights/{night_id}/poll", name="answer_night_poll")
def answer_poll(
    request: Request,
    session: SessionDep,
    now: NowDep,
    access: NightDep,
    rules: NightRulesDep,
    form: RequestForm,
) -> Response:
    def change() -> NightRecord:
        answers: dict[int, str] = {}
        for key, value in form.multi_items() if form is not None else []:
            if not key.startswith(ANSWER_FIELD):
                continue
            number = key.removeprefix(ANSWER_FIELD)
            if not number.isdigit():
                raise InvalidValueError(f"{key[:40]!r} does not name a proposed time")
            answers[int(number)] = value if isinstance(value, str) else ""
        return nights.answer_poll(session, access.night, access.person_id, answers, now)

    return _act(request, session, access, rules, now, change)


@router.post("/nights/{night_id}/time", name="fix_night_time")
def fix_time(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    now: NowDep,
    access: OrganiserNightDep,
    rules: NightRulesDep,
    link: LinkDep,
    mailer: MailerDep,
    time_id: Annotated[int, Form()],
) -> Response:
    before = access.night
    return _act(
        request,
        session,
        access,
        rules,
        now,
        lambda: nights.fix_time(session, before, access.person_id, time_id, now),
        lambda after: announce(background, mailer, session, rules, link, before, after),
    )


@router.post("/nights/{night_id}/place", name="change_night_place")
def change_place(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    now: NowDep,
    access: OrganiserNightDep,
    rules: NightRulesDep,
    link: LinkDep,
    mailer: MailerDep,
    place_kind: Text,
    place: OptionalText = "",
) -> Response:
    before = access.night
    return _act(
        request,
        session,
        access,
        rules,
        now,
        lambda: nights.change_place(session, before, access.person_id, place_kind, place, now),
        lambda after: announce(background, mailer, session, rules, link, before, after),
    )


@router.post("/nights/{night_id}/cancel", name="cancel_night")
def cancel(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    now: NowDep,
    access: OrganiserNightDep,
    rules: NightRulesDep,
    link: LinkDep,
    mailer: MailerDep,
) -> Response:
    before = access.night
    return _act(
        request,
        session,
        access,
        rules,
        now,
        lambda: nights.cancel_night(session, before, access.person_id, now),
        lambda after: announce(background, mailer, session, rules, link, before, after),
    )


@router.post("/nights/{night_id}/rsvp", name="rsvp_night")
def rsvp(
    request: Request,
    session: SessionDep,
    now: NowDep,
    access: NightDep,
    rules: NightRulesDep,
    answer: Text,
) -> Response:
    return _act(
        request,
        session,
        access,
        rules,
        now,
        lambda: nights.rsvp(session, access.night, access.person_id, answer, now),
    )


@router.post("/nights/{night_id}/rating", name="rate_night_film")
def rate(
    request: Request,
    session: SessionDep,
    now: NowDep,
    access: NightDep,
    rules: NightRulesDep,
    stars: Annotated[float, Form()],
) -> Response:
    return _act(
        request,
        session,
        access,
        rules,
        now,
        lambda: nights.rate_film(session, access.night, access.person, stars, now),
    )


@router.post("/nights/{night_id}/rating/skip", name="skip_night_rating")
def skip_rating(
    request: Request, session: SessionDep, now: NowDep, access: NightDep, rules: NightRulesDep
) -> Response:
    return _act(
        request,
        session,
        access,
        rules,
        now,
        lambda: nights.skip_rating(session, access.night, access.person_id, now),
    )


@router.get("/nights/{night_id}/night.ics", name="night_ics")
def night_ics(
    session: SessionDep, now: NowDep, access: NightDep, rules: NightRulesDep, link: LinkDep
) -> Response:
    """The night as a calendar file (once its time is fixed; 409 before)."""
    document = night_calendars.night_calendar(session, access.night, rules, now, link)
    return _ics(document, f"night-{access.night.id}.ics")


@router.get("/calendar/{token}.ics", name="calendar_feed")
def calendar_feed(
    session: SessionDep, now: NowDep, rules: NightRulesDep, link: LinkDep, token: str
) -> Response:
    """Every night of the feed's owner, for a calendar app subscribed to this secret address
    (no log-in: the address is the secret; 404 once revoked or replaced)."""
    return _ics(night_calendars.feed_calendar(session, token[:200], rules, now, link), None)


# --- calendar settings -----------------------------------------------------------------------


@router.post("/settings/calendar", name="update_calendar_settings")
def update_calendar_settings(
    request: Request,
    session: SessionDep,
    me: CurrentUser,
    rules: NightRulesDep,
    time_zone: OptionalText = "",
    email: OptionalText = "",
    email_in_calendar: Annotated[str | None, Form(max_length=10)] = None,
) -> Response:
    try:
        night_calendars.update_calendar_settings(
            session,
            me.person_id,
            rules,
            time_zone=time_zone,
            email=email,
            email_in_calendar=email_in_calendar is not None,
        )
    except ReelmatesError as exc:
        return settings_page_with(request, session, me, exc)
    target = request.url_for("settings_page").include_query_params(saved=1)
    return RedirectResponse(f"{target.path}?{target.query}#calendar-heading", status_code=303)


@router.post("/settings/calendar/feed", name="create_calendar_feed")
def create_calendar_feed(
    request: Request, session: SessionDep, now: NowDep, me: CurrentUser
) -> Response:
    """A new feed address (the old one stops working), shown once on :func:`feed_made`."""
    raw = night_calendars.create_feed(session, me.person_id, now)
    response = _see(request, FEED_MADE)
    set_flash(request, response, FEED_MADE, {"token": raw})
    return response


@router.get("/settings/calendar/feed", name=FEED_MADE)
def feed_made(request: Request, me: CurrentUser) -> Response:
    made = read_flash(request)
    token = made.get("token") if made else None
    url = str(request.url_for("calendar_feed", token=token)) if isinstance(token, str) else ""
    context = {"title": "Your calendar feed", "url": url}
    response = render(request, "calendar_feed.html", context)
    forget_flash(request, response, FEED_MADE)
    return response


@router.post("/settings/calendar/feed/revoke", name="revoke_calendar_feed")
def revoke_calendar_feed(request: Request, session: SessionDep, me: CurrentUser) -> Response:
    night_calendars.revoke_feed(session, me.person_id)
    target = request.url_for("settings_page").include_query_params(saved=1)
    return RedirectResponse(f"{target.path}?{target.query}#calendar-heading", status_code=303)
