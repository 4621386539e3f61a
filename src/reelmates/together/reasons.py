"""Why a film is on a list, as data: each front end words it (see ``together.wording``).

Nothing here is a sentence or markup. Films are cited by model item index (the same index as
``Pick.item``), with their titles alongside as plain text so that a front end can word a reason
without the catalog; a title is never parsed ("M*A*S*H" and "[/]" are just titles).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ReasonKind(StrEnum):
    LIKE_LOVED = "like-loved"  # like these films, which the member loved (``films``)
    CHANGE = "change"  # nothing they loved is alike: people with their taste liked it
    NO_RATINGS = "no-ratings"  # a crowd favourite: the member has no ratings yet
    PRIVATE = "private"  # suits the member's taste; a private member's films are never cited
    ESTIMATE = "estimate"  # about ``stars`` for them (no explanation asked for)


@dataclass(frozen=True)
class Reason:
    member: str  # the member's display name
    kind: ReasonKind
    films: tuple[int, ...] = ()  # LIKE_LOVED: the cited items, most alike first
    titles: tuple[str, ...] = ()  # their titles, plain text, aligned with ``films``
    stars: float | None = None  # ESTIMATE: the predicted stars

    def __post_init__(self) -> None:
        if len(self.films) != len(self.titles):
            raise ValueError("one title per cited film")
        if (self.kind is ReasonKind.LIKE_LOVED) != bool(self.films):
            raise ValueError("a LIKE_LOVED reason, and only one, cites films")


@dataclass(frozen=True)
class SeenNote:
    """``member`` has seen the film: ``stars`` their rating, None when marked seen unrated.

    Never made for a private member (see ``reelmates.privacy``)."""

    member: str
    stars: float | None = None


@dataclass(frozen=True)
class WatchlistNote:
    """The film is on these members' watchlists (private members are never named)."""

    members: tuple[str, ...]


@dataclass(frozen=True)
class TurnNote:
    """It is ``member``'s turn: the latest ``picks`` nights suited ``ahead`` better (0: on the
    whole, though not the very latest). Names only, never stars; drawn from a private member's
    predicted stars alone (see ``together.turns`` and ``reelmates.privacy``)."""

    member: str
    ahead: str
    picks: int
