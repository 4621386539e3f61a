"""What a night's plan may be: how many times to propose, what a place is, the answers people
give, and the states a night goes through.

A night is *planning* while its members answer the time poll, *fixed* once the organiser chose a
time (members then RSVP), or *cancelled*. Every change a calendar must hear about (the time fixed
or moved, the place changed, the night called off) raises its ``SEQUENCE``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from reelmates.errors import ConflictError, InvalidValueError

MIN_TIMES, MAX_TIMES = 2, 5
PLACE_MAX = 200  # characters of a place's free text
DEFAULT_MINUTES = 120  # a night's length when the film's runtime is unknown
MIN_GROUP, MAX_GROUP = 2, 8


class PlaceKind(StrEnum):
    HOME = "home"
    CINEMA = "cinema"


class Answer(StrEnum):
    """A member's answer to one proposed time."""

    YES = "yes"
    IF_NEED_BE = "if-need-be"
    NO = "no"


class Rsvp(StrEnum):
    """A member's answer once the time is fixed."""

    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


class NightStatus(StrEnum):
    PLANNING = "planning"
    FIXED = "fixed"
    CANCELLED = "cancelled"


def check_times(times: Sequence[datetime], now: datetime) -> tuple[datetime, ...]:
    """The proposed times (aware), earliest first: 2 to 5 of them, each once, all to come."""
    if not MIN_TIMES <= len(times) <= MAX_TIMES:
        raise InvalidValueError(
            f"propose {MIN_TIMES} to {MAX_TIMES} times; {len(times)} "
            f"{'was' if len(times) == 1 else 'were'} given",
            hint="A poll needs a choice, and more than five is hard to answer.",
        )
    if any(t.tzinfo is None for t in times):
        raise ValueError("proposed times must be aware (UTC)")
    if len(set(times)) != len(times):
        raise InvalidValueError("the same time is proposed twice", hint="Give each time once.")
    past = [t for t in times if t <= now]
    if past:
        raise InvalidValueError(
            f"{len(past)} of the proposed times {'has' if len(past) == 1 else 'have'} passed",
            hint="Propose times that are still to come.",
        )
    return tuple(sorted(times))


def clean_place(kind: str, text: str) -> tuple[PlaceKind, str]:
    """The place as stored: its kind, and its free text with runs of blanks made one space and
    no control characters. A cinema needs a name; a home may stay unnamed."""
    try:
        place_kind = PlaceKind(kind)
    except ValueError:
        raise InvalidValueError(
            f"{kind[:40]!r} is not a kind of place", hint="Choose home or cinema."
        ) from None
    if any(unicodedata.category(c) == "Cc" and not c.isspace() for c in text):
        raise InvalidValueError("the place has control characters in it")
    cleaned = " ".join(text.split())
    if len(cleaned) > PLACE_MAX:
        raise InvalidValueError(
            f"the place is {len(cleaned)} characters long; at most {PLACE_MAX} fit",
            hint="A name and a street will do.",
        )
    if place_kind is PlaceKind.CINEMA and not cleaned:
        raise InvalidValueError("name the cinema", hint="e.g. The Electric, Portobello Road.")
    return place_kind, cleaned


def place_label(kind: PlaceKind, text: str) -> str:
    """The place in words: "At home (Jess's flat)", "Cinema: The Electric"."""
    if kind is PlaceKind.HOME:
        return f"At home ({text})" if text else "At home"
    return f"Cinema: {text}"


def ends_at(starts_at: datetime, runtime_minutes: int | None) -> datetime:
    """When the night ends: the film's runtime after it starts (two hours when unknown)."""
    return starts_at + timedelta(minutes=runtime_minutes or DEFAULT_MINUTES)


# --- what may happen in which state ----------------------------------------------------------


def require_planning(status: NightStatus, doing: str) -> None:
    """Answering the poll: only while the time is not fixed."""
    if status is NightStatus.CANCELLED:
        raise ConflictError(f"this night is called off: you cannot {doing} any more")
    if status is NightStatus.FIXED:
        raise ConflictError(
            f"the time is fixed already: you cannot {doing} any more",
            hint="Say whether you will come instead (yes, maybe or no).",
        )


def require_fixed(status: NightStatus, doing: str) -> None:
    """RSVP: only once the time is fixed."""
    if status is NightStatus.CANCELLED:
        raise ConflictError(f"this night is called off: you cannot {doing} any more")
    if status is NightStatus.PLANNING:
        raise ConflictError(
            f"the time is not fixed yet: you cannot {doing} yet",
            hint="Answer the time poll; the organiser fixes the time.",
        )


def require_open(status: NightStatus, over: bool, doing: str) -> None:
    """The organiser's changes: not to a night called off or over."""
    if status is NightStatus.CANCELLED:
        raise ConflictError(f"this night is called off: you cannot {doing} any more")
    if over:
        raise ConflictError(f"this night is over: you cannot {doing} any more")


def is_over(starts_at: datetime | None, runtime_minutes: int | None, now: datetime) -> bool:
    """The night's film has ended (a night with no fixed time is never over)."""
    return starts_at is not None and ends_at(starts_at, runtime_minutes) <= now
