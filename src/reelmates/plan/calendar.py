"""Nights as an iCalendar document (RFC 5545), built with the ``icalendar`` package from plain
data: one night for a download or an e-mail, or all of a person's nights for their feed.

- ``METHOD:PUBLISH``: the document informs, it asks nobody to reply (RSVPs are given here).
- Each night keeps one ``UID`` for ever; its ``SEQUENCE`` (kept by the caller) grows with every
  change, so a calendar app replaces the event it has rather than adding another.
- Times carry the night's IANA zone (``DTSTART;TZID=Europe/London``) and a ``VTIMEZONE``
  describing it; a night called off is ``STATUS:CANCELLED``; a night to come has a reminder
  (``VALARM``).
- E-mail addresses appear only for people who allowed it (their ``email`` is None otherwise):
  an attendee is named in the description instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, vCalAddress, vDuration

from reelmates.plan.rules import Rsvp

PRODID = "-//reelmates//film nights//EN"
PARTSTAT = {
    Rsvp.YES: "ACCEPTED",
    Rsvp.MAYBE: "TENTATIVE",
    Rsvp.NO: "DECLINED",
    None: "NEEDS-ACTION",
}
ZONE_MARGIN = timedelta(days=400)  # each VTIMEZONE covers the events' span and this either side


@dataclass(frozen=True, slots=True)
class CalendarPerson:
    name: str
    email: str | None = None  # only when they allowed it to be shown
    rsvp: Rsvp | None = None


@dataclass(frozen=True, slots=True)
class NightEvent:
    uid: str
    sequence: int
    cancelled: bool
    summary: str
    description: str
    location: str
    starts_at: datetime  # aware
    ends_at: datetime
    zone: str  # the night's IANA zone
    organiser: CalendarPerson | None
    attendees: tuple[CalendarPerson, ...]
    created: datetime
    modified: datetime
    url: str | None = None
    alarm_minutes: int | None = 60  # None: no reminder


def _address(person: CalendarPerson) -> vCalAddress:
    assert person.email is not None
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = person.name
    return address


def _event(night: NightEvent, now: datetime) -> Event:
    zone = ZoneInfo(night.zone)
    event = Event()
    event.add("uid", night.uid)
    event.add("sequence", night.sequence)
    event.add("dtstamp", now)
    event.add("created", night.created)
    event.add("last-modified", night.modified)
    event.add("dtstart", night.starts_at.astimezone(zone))
    event.add("dtend", night.ends_at.astimezone(zone))
    event.add("summary", night.summary)
    event.add("location", night.location)
    event.add("description", night.description)
    event.add("status", "CANCELLED" if night.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if night.url:
        event.add("url", night.url)
    if night.organiser is not None and night.organiser.email:
        event.add("organizer", _address(night.organiser))
    for person in night.attendees:
        if person.email:
            address = _address(person)
            address.params["ROLE"] = "REQ-PARTICIPANT"
            address.params["PARTSTAT"] = PARTSTAT[person.rsvp]
            event.add("attendee", address)
    if night.alarm_minutes is not None and not night.cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Soon: {night.summary}")
        alarm.add("trigger", timedelta(minutes=-night.alarm_minutes))
        event.add_component(alarm)
    return event


def calendar_document(
    nights: Sequence[NightEvent],
    now: datetime,
    *,
    name: str | None = None,
    refresh: timedelta | None = None,
) -> bytes:
    """The document: ``name`` and ``refresh`` (how often an app should fetch it again) are for
    a feed; a single night's download needs neither."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name is not None:
        calendar.add("x-wr-calname", name)
    if refresh is not None:
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(refresh))
    for night in nights:
        calendar.add_component(_event(night, now))
    if nights:
        first = min(n.starts_at for n in nights) - ZONE_MARGIN
        last = max(n.ends_at for n in nights) + ZONE_MARGIN
        calendar.add_missing_timezones(first_date=first.date(), last_date=last.date())
    document: bytes = calendar.to_ical()
    return document
