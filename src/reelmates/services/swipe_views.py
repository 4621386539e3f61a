"""What a swipe session shows its members (``services.swipes``): the card dealt, each member's
progress, the matches (with where the members can watch them), the room as a whole, and what a
swipe answers."""

from __future__ import annotations

from dataclasses import dataclass

from reelmates.services.media.available import Place
from reelmates.store.group_picks import GroupPickSummary
from reelmates.together.swipes import CardReason


@dataclass(frozen=True)
class DealtCard:
    film_id: int
    title: str
    year: int | None
    reason: CardReason
    genres: tuple[str, ...] = ()
    runtime: int | None = None  # minutes, when known
    places: tuple[Place, ...] = ()  # where the room's members can watch it


@dataclass(frozen=True)
class MemberProgress:
    person_id: int
    handle: str
    display_name: str
    swiped: int  # cards they have swiped so far


@dataclass(frozen=True)
class RoomMatch:
    film_id: int
    title: str
    year: int | None
    swipe_id: int  # the swipe that made it a match (events carry it: no match shown twice)
    liked_by: tuple[str, ...]  # display names: shown only now that it is a match
    places: tuple[Place, ...] = ()  # where the members can watch it (a server's: its link)


@dataclass(frozen=True)
class RoomView:
    """The room as every member may see it."""

    room_id: int
    rule: str  # MatchRule.describe: shown before the first card
    members: tuple[MemberProgress, ...]
    matches: tuple[RoomMatch, ...]
    last_swipe_id: int  # 0 before the first swipe
    deck_size: int  # the films that may be dealt (filters, vetoes, seen policy)
    accepted: GroupPickSummary | None  # the match the members chose to watch
    available_only: bool = False  # the deck holds only films the members can watch

    def member(self, person_id: int) -> MemberProgress | None:
        return next((m for m in self.members if m.person_id == person_id), None)


@dataclass(frozen=True)
class SwipeOutcome:
    matched: bool  # this swipe made the film a match
    matches: tuple[int, ...]  # every match so far (film ids), in order
    next_card: DealtCard | None  # None: this member has swiped the whole deck
    view: RoomView | None = None  # the room right after this swipe
