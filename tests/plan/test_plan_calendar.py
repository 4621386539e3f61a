"""The iCalendar document, read back by a second, independent parser (``vobject``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import vobject

from reelmates.plan.calendar import CalendarPerson, NightEvent, calendar_document
from reelmates.plan.rules import Rsvp

NOW = datetime(2027, 7, 1, 12, 0, tzinfo=UTC)
SUMMER = datetime(2027, 7, 15, 19, 0, tzinfo=UTC)  # 8 pm in London (BST)
WINTER = datetime(2027, 12, 10, 20, 0, tzinfo=UTC)  # 8 pm in London (GMT)


def _night(**changes: object) -> NightEvent:
    base: dict[str, object] = {
        "uid": "night-abc@reelmates",
        "sequence": 3,
        "cancelled": False,
        "summary": "Film night: Heat (1995)",
        "description": "Watching Heat (1995) with Jess and Milly.",
        "location": "At home (Jess's, 2nd floor; ring twice)",
        "starts_at": SUMMER,
        "ends_at": SUMMER + timedelta(minutes=170),
        "zone": "Europe/London",
        "organiser": CalendarPerson("Jess", "jess@example.org"),
        "attendees": (
            CalendarPerson("Jess", "jess@example.org", Rsvp.YES),
            CalendarPerson("Milly", None, Rsvp.MAYBE),  # did not allow her address
        ),
        "created": NOW - timedelta(days=2),
        "modified": NOW - timedelta(days=1),
        "url": "https://films.example.org/nights/7",
    }
    return NightEvent(**(base | changes))  # type: ignore[arg-type]


def _parse(document: bytes) -> vobject.base.Component:
    text = document.decode("utf-8")
    assert "\r\n" in text  # RFC 5545 lines end CRLF
    return vobject.readOne(text)


def test_a_night_reads_back_with_its_uid_sequence_zone_times_and_alarm() -> None:
    document = calendar_document([_night()], NOW)
    assert b"\r\nDTSTART;TZID=Europe/London:20270715T200000\r\n" in document
    cal = _parse(document)
    assert cal.method.value == "PUBLISH"
    assert cal.version.value == "2.0"
    assert cal.vtimezone.tzid.value == "Europe/London"
    event = cal.vevent
    assert event.uid.value == "night-abc@reelmates"
    assert int(event.sequence.value) == 3
    assert event.status.value == "CONFIRMED"
    start = event.dtstart.value
    assert (start.hour, start.minute) == (20, 0)  # the wall clock in London
    assert start.astimezone(UTC) == SUMMER
    assert event.dtend.value.astimezone(UTC) == SUMMER + timedelta(minutes=170)
    assert event.location.value == "At home (Jess's, 2nd floor; ring twice)"
    assert event.url.value == "https://films.example.org/nights/7"
    assert event.dtstamp.value == NOW
    alarm = event.valarm
    assert alarm.action.value == "DISPLAY"
    assert alarm.trigger.value == timedelta(minutes=-60)


def test_the_zone_carries_summer_time_and_winter_time() -> None:
    cal = _parse(
        calendar_document(
            [_night(), _night(uid="other", starts_at=WINTER, ends_at=WINTER + timedelta(hours=2))],
            NOW,
        )
    )
    starts = {e.uid.value: e.dtstart.value for e in cal.vevent_list}
    assert (starts["night-abc@reelmates"].hour, starts["other"].hour) == (20, 20)
    assert starts["night-abc@reelmates"].utcoffset() == timedelta(hours=1)
    assert starts["other"].utcoffset() == timedelta(0)
    assert starts["other"].astimezone(UTC) == WINTER


def test_only_addresses_their_owners_allowed_appear() -> None:
    event = _parse(calendar_document([_night()], NOW)).vevent
    attendees = event.contents.get("attendee", [])
    assert [(a.value, a.params["CN"], a.params["PARTSTAT"]) for a in attendees] == [
        ("mailto:jess@example.org", ["Jess"], ["ACCEPTED"])
    ]
    assert event.organizer.value == "mailto:jess@example.org"
    private = _night(
        organiser=CalendarPerson("Jess"),
        attendees=(CalendarPerson("Jess", None, Rsvp.YES), CalendarPerson("Milly")),
    )
    document = calendar_document([private], NOW)
    assert b"mailto:" not in document and b"@example.org" not in document
    assert "organizer" not in _parse(document).vevent.contents


def test_a_night_called_off_is_cancelled_without_a_reminder() -> None:
    event = _parse(calendar_document([_night(cancelled=True, sequence=4)], NOW)).vevent
    assert event.status.value == "CANCELLED"
    assert int(event.sequence.value) == 4
    assert "valarm" not in event.contents
    quiet = _parse(calendar_document([_night(alarm_minutes=None)], NOW)).vevent
    assert "valarm" not in quiet.contents


def test_a_feed_is_named_and_says_how_often_to_refresh() -> None:
    document = calendar_document(
        [_night(), _night(uid="two")], NOW, name="Film nights", refresh=timedelta(hours=1)
    )
    cal = _parse(document)
    assert cal.contents["x-wr-calname"][0].value == "Film nights"
    assert cal.contents["refresh-interval"][0].value == "PT1H"
    assert cal.contents["x-published-ttl"][0].value == "PT1H"
    assert sorted(e.uid.value for e in cal.vevent_list) == ["night-abc@reelmates", "two"]
    assert len(cal.contents["vtimezone"]) == 1  # one zone, described once
    empty = _parse(calendar_document([], NOW, name="Film nights"))
    assert "vevent" not in empty.contents
