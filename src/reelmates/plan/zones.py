"""Time zones: an IANA name checked against the system's zone database, a local wall-clock time
turned into UTC (refusing one that the clocks skip), a UTC time shown in a zone."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, available_timezones

from reelmates.errors import InvalidValueError

ZONE_NAME_MAX = 64  # the longest IANA name is about 30 characters


@functools.cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, sorted (read once)."""
    return tuple(sorted(available_timezones()))


@functools.cache
def _known() -> frozenset[str]:
    return frozenset(zone_names())


def zone_named(name: str) -> ZoneInfo:
    """The zone ``name`` names ("Europe/London"), or a 422 saying it is not one."""
    cleaned = name.strip()
    if not cleaned:
        raise InvalidValueError(
            "choose a time zone", hint="An IANA name such as Europe/London or America/New_York."
        )
    if len(cleaned) > ZONE_NAME_MAX or cleaned not in _known():
        shown = cleaned[:ZONE_NAME_MAX] + ("…" if len(cleaned) > ZONE_NAME_MAX else "")
        raise InvalidValueError(
            f"{shown!r} is not a time zone this server knows",
            hint="Use an IANA name such as Europe/London, America/New_York or UTC.",
        )
    return ZoneInfo(cleaned)


def local_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in ``zone`` as UTC. An aware ``local`` is only converted. A time the
    clocks skip (the hour lost when summer time starts) is refused; one they pass twice (the
    hour gained) is the first of the two."""
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    placed = local.replace(tzinfo=zone, fold=0)
    moment = placed.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != local:
        raise InvalidValueError(
            f"{local:%Y-%m-%d %H:%M} does not happen in {zone.key}: the clocks skip it",
            hint="Summer time starts then: choose an hour later.",
        )
    return moment


def in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """The UTC ``moment`` on the wall clocks of ``zone``."""
    if moment.tzinfo is None:
        raise ValueError("a stored time must carry its zone (UTC)")
    return moment.astimezone(zone)
