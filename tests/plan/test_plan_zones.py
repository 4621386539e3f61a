"""Time zones by hand: London and New York around their summer-time changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from reelmates.errors import InvalidValueError
from reelmates.plan import zones

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")


def test_known_names_are_zones_and_others_are_refused_with_a_reason() -> None:
    assert zones.zone_named(" Europe/London ").key == "Europe/London"
    assert zones.zone_named("UTC").key == "UTC"
    assert "America/New_York" in zones.zone_names()
    for bad, said in (
        ("Mars/Olympus_Mons", "'Mars/Olympus_Mons' is not a time zone"),
        ("../../etc/passwd", "is not a time zone"),
        ("x" * 500, "is not a time zone"),
    ):
        with pytest.raises(InvalidValueError, match=said):
            zones.zone_named(bad)
    with pytest.raises(InvalidValueError, match="choose a time zone"):
        zones.zone_named("  ")


def test_wall_clock_times_become_utc_with_summer_time() -> None:
    # 8 pm in London: GMT in January (UTC+0), BST in July (UTC+1).
    assert zones.local_to_utc(datetime(2027, 1, 15, 20, 0), LONDON) == datetime(
        2027, 1, 15, 20, 0, tzinfo=UTC
    )
    assert zones.local_to_utc(datetime(2027, 7, 15, 20, 0), LONDON) == datetime(
        2027, 7, 15, 19, 0, tzinfo=UTC
    )
    # An aware time is only converted.
    aware = datetime(2027, 7, 15, 20, 0, tzinfo=NEW_YORK)
    assert zones.local_to_utc(aware, LONDON) == datetime(2027, 7, 16, 0, 0, tzinfo=UTC)


def test_a_time_the_clocks_skip_is_refused_and_a_doubled_one_is_the_first() -> None:
    # London skips 01:00-02:00 on 28 March 2027 and passes 01:00-02:00 twice on 31 October.
    with pytest.raises(InvalidValueError, match="does not happen in Europe/London"):
        zones.local_to_utc(datetime(2027, 3, 28, 1, 30), LONDON)
    assert zones.local_to_utc(datetime(2027, 10, 31, 1, 30), LONDON) == datetime(
        2027, 10, 31, 0, 30, tzinfo=UTC
    )


def test_a_utc_time_is_shown_on_each_zones_clocks() -> None:
    moment = datetime(2027, 7, 15, 19, 0, tzinfo=UTC)
    assert zones.in_zone(moment, LONDON).replace(tzinfo=None) == datetime(2027, 7, 15, 20, 0)
    assert zones.in_zone(moment, NEW_YORK).replace(tzinfo=None) == datetime(2027, 7, 15, 15, 0)
    with pytest.raises(ValueError, match="must carry its zone"):
        zones.in_zone(moment.replace(tzinfo=None), LONDON)
