"""A night in calendars and mail: one night's ``.ics``, each member's private feed (a secret
address, stored hashed, revocable), a member's calendar settings (their zone, their address and
whether it may appear), and the e-mail invitations sent when a night changes. Who may see a
night is decided before these are called (:func:`reelmates.services.nights.night_for`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from reelmates.errors import ConflictError, InvalidValueError, NotFoundError
from reelmates.plan import calendar, rules, zones
from reelmates.plan.calendar import CalendarPerson, NightEvent
from reelmates.plan.rules import NightStatus, PlaceKind, Rsvp
from reelmates.services.accounts import new_token, token_hash
from reelmates.services.nights import Link, NightRules, viewer_zone
from reelmates.store.models import EMAIL_MAX
from reelmates.store.nights import (
    CalendarPrefs,
    CalendarRepository,
    NightMemberRow,
    NightRecord,
    NightRepository,
)

FEED_MAX = 500  # nights in one feed (the newest)
FEED_REFRESH = timedelta(hours=1)
FEED_PREFIX = "rmc_"  # a feed token, recognisable in a leaked log
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


# --- calendars -------------------------------------------------------------------------------


def _event(
    night: NightRecord,
    prefs: Mapping[int, CalendarPrefs],
    night_rules: NightRules,
    link: Link | None,
) -> NightEvent:
    assert night.starts_at is not None

    def person(m: NightMemberRow) -> CalendarPerson:
        p = prefs[m.person.person_id]
        email = p.email if p.email and p.email_in_calendar else None
        return CalendarPerson(m.person.display_name, email, Rsvp(m.rsvp) if m.rsvp else None)

    film = f"{night.title} ({night.year})" if night.year else night.title
    names = [m.person.display_name for m in night.members]
    together = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
    organiser = next((m for m in night.members if m.person.person_id == night.organiser_id), None)
    lines = [f"Watching {film} with {together}."]
    if organiser is not None:
        lines.append(f"Organised by {organiser.person.display_name}.")
    url = link(night.id) if link else None
    if url:
        lines.append(f"Details and RSVP: {url}")
    return NightEvent(
        uid=night.uid,
        sequence=night.sequence,
        cancelled=night.status == str(NightStatus.CANCELLED),
        summary=f"Film night: {film}",
        description="\n".join(lines),
        location=rules.place_label(PlaceKind(night.place_kind), night.place),
        starts_at=night.starts_at,
        ends_at=rules.ends_at(night.starts_at, night.runtime_minutes),
        zone=night.time_zone,
        organiser=person(organiser) if organiser else None,
        attendees=tuple(person(m) for m in night.members),
        created=night.created_at,
        modified=night.updated_at,
        url=url,
        alarm_minutes=night_rules.reminder_minutes or None,
    )


def _events(
    session: Session, nights: Sequence[NightRecord], night_rules: NightRules, link: Link | None
) -> list[NightEvent]:
    people = sorted({m.person.person_id for n in nights for m in n.members})
    prefs = CalendarRepository(session).prefs_of(people)
    return [_event(n, prefs, night_rules, link) for n in nights if n.starts_at is not None]


def night_calendar(
    session: Session,
    night: NightRecord,
    night_rules: NightRules,
    now: datetime,
    link: Link | None = None,
) -> bytes:
    """The night's ``.ics`` (once a time has been fixed)."""
    if night.starts_at is None:
        raise ConflictError(
            "no time is fixed yet, so there is nothing to put in a calendar",
            hint="The organiser fixes the time once the members have answered.",
        )
    return calendar.calendar_document(_events(session, [night], night_rules, link), now)


def feed_calendar(
    session: Session, raw_token: str, night_rules: NightRules, now: datetime, link: Link | None
) -> bytes:
    """Every night (with a fixed time) of the feed token's owner, as one calendar; a token
    that is not one (revoked, replaced, mistyped) is a 404."""
    calendars = CalendarRepository(session)
    owner = calendars.feed_owner(token_hash(raw_token))
    if owner is None:
        raise NotFoundError(
            "this calendar feed does not exist (revoked, or replaced by a new one)",
            hint="Make a new feed link on your settings page and subscribe to that.",
        )
    repo = NightRepository(session)
    nights = repo.many(repo.ids_of(owner, FEED_MAX, fixed_only=True))
    return calendar.calendar_document(
        _events(session, nights, night_rules, link),
        now,
        name="Film nights (reelmates)",
        refresh=FEED_REFRESH,
    )


def create_feed(session: Session, person_id: int, now: datetime) -> str:
    """A new private feed for the member (the old link, if any, stops working); returns the
    raw token for its address (shown once, stored only as its sha256)."""
    raw = new_token(FEED_PREFIX)
    CalendarRepository(session).set_feed(person_id, token_hash(raw), now)
    return raw


def revoke_feed(session: Session, person_id: int) -> bool:
    """The member's feed link stops working; False when they had none."""
    return CalendarRepository(session).drop_feed(person_id)


# --- a member's calendar settings ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CalendarSettings:
    time_zone: str | None  # chosen (None: the default)
    shown_zone: str  # what times are shown in where a night does not decide
    email: str | None
    email_in_calendar: bool
    feed_made: datetime | None  # when their feed link was made (None: they have none)
    mail_on: bool  # the server sends e-mail


def calendar_settings(
    session: Session, person_id: int, night_rules: NightRules
) -> CalendarSettings:
    calendars = CalendarRepository(session)
    prefs = calendars.prefs_of([person_id])[person_id]
    return CalendarSettings(
        time_zone=prefs.time_zone,
        shown_zone=prefs.time_zone or night_rules.default_zone or "UTC",
        email=prefs.email,
        email_in_calendar=prefs.email_in_calendar,
        feed_made=calendars.feed_made(person_id),
        mail_on=night_rules.mail,
    )


def check_email(text: str) -> str | None:
    """An address as stored (None: none given), or a 422 saying why it is not one."""
    cleaned = text.strip()
    if not cleaned:
        return None
    if len(cleaned) > EMAIL_MAX or not _EMAIL.fullmatch(cleaned):
        raise InvalidValueError(
            f"{cleaned[:60]!r} is not an e-mail address", hint="e.g. jess@example.org"
        )
    return cleaned


def update_calendar_settings(
    session: Session,
    person_id: int,
    night_rules: NightRules,
    *,
    time_zone: str | None,
    email: str | None,
    email_in_calendar: bool,
) -> CalendarSettings:
    """Set them all (a blank zone: the default; a blank address: none)."""
    zone = zones.zone_named(time_zone).key if time_zone and time_zone.strip() else None
    CalendarRepository(session).set_prefs(
        person_id, CalendarPrefs(zone, check_email(email or ""), email_in_calendar)
    )
    return calendar_settings(session, person_id, night_rules)


def own_zone(session: Session, person_id: int, night_rules: NightRules) -> str:
    """The zone a member proposes times in by default: theirs, the server's, else UTC."""
    return calendar_settings(session, person_id, night_rules).shown_zone


def zone_choices() -> tuple[str, ...]:
    return zones.zone_names()


# --- e-mail ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Invitation:
    """One e-mail to send: the night's ``.ics`` attached."""

    to: str
    name: str
    subject: str
    body: str
    calendar: bytes


CHANGES = {
    "fixed": "Film night",
    "moved": "Moved",
    "place": "New place",
    "cancelled": "Called off",
}


def invitations(
    session: Session,
    night: NightRecord,
    change: str,
    night_rules: NightRules,
    now: datetime,
    link: Link | None = None,
) -> list[Invitation]:
    """The e-mails a change sends (``change``: fixed, moved, place, cancelled): one to each
    member who gave an address, when the server sends e-mail and the night has a time."""
    if not night_rules.mail or night.starts_at is None:
        return []
    people = [m.person for m in night.members]
    prefs = CalendarRepository(session).prefs_of([p.person_id for p in people])
    document = night_calendar(session, night, night_rules, now, link)
    film = f"{night.title} ({night.year})" if night.year else night.title
    place = rules.place_label(PlaceKind(night.place_kind), night.place)
    sent = []
    for person in people:
        mine = prefs[person.person_id]
        if not mine.email:
            continue
        zone = ZoneInfo(viewer_zone(mine, night.time_zone, night_rules))
        when = zones.in_zone(night.starts_at, zone)
        shown = f"{when:%a %d %b %Y, %H:%M} ({zone.key})"
        if change == "cancelled":
            first = f"The film night for {film} on {shown} is called off."
        else:
            first = f"{film}: {shown}. {place}."
        body = [f"Hello {person.display_name},", "", first]
        if link:
            body += ["", f"The night's page: {link(night.id)}"]
        body += ["", "The attached calendar entry adds it to (or updates it in) your calendar."]
        sent.append(
            Invitation(
                to=mine.email,
                name=person.display_name,
                subject=f"{CHANGES.get(change, 'Film night')}: {film}, {when:%a %d %b %H:%M}",
                body="\n".join(body) + "\n",
                calendar=document,
            )
        )
    return sent
