"""Use cases of the watch-together page: the member and the friends who are there get the group's
ranked films (``pick_together``, with the member as the viewer), and one of them records the film
they chose ("we'll watch this") with the group, the strategy and the time.

Who may be in the group is decided before these are called (the web layer's one authorization
dependency: only the caller's accepted friends); here the group is taken as given. Members'
stored vetoes and privacy apply through ``load_member`` as in every group pick.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from reelmates.errors import NotFoundError, ReelmatesError
from reelmates.services.films_page import genres_of
from reelmates.services.media.available import Place, any_library, available_to
from reelmates.services.taste import TasteContext
from reelmates.services.together import MAX_GROUP, MIN_GROUP, GroupOptions, pick_together
from reelmates.store.films import FilmRepository
from reelmates.store.friends import FriendSummary
from reelmates.store.group_picks import GroupPickRepository, GroupPickSummary
from reelmates.together.reasons import Reason, TurnNote
from reelmates.together.strategies import Strategy

RECENT_PICKS = 5  # how many of the member's recent group picks the page lists


@dataclass(frozen=True)
class MemberFit:
    """One member's figures for one film, as the viewer may see them."""

    handle: str
    display_name: str
    stars: float | None  # their own rating when ``rated``, else the prediction (None: none)
    rated: bool
    chance: float | None  # their chance of liking it, 0–1
    reason: Reason | None
    seen: bool  # they have seen it (never set for a private member other than the viewer)
    on_watchlist: bool  # (never set for a private member other than the viewer)

    @property
    def seen_stars(self) -> float | None:
        """Their rating on the seen badge ("Jess has seen it, 5★"), None when unrated."""
        return self.stars if self.seen and self.rated else None


@dataclass(frozen=True)
class TogetherRow:
    film_id: int
    title: str
    year: int | None
    genres: tuple[str, ...]
    fit: float | None  # the figure the order follows, 0–1, never rising down the list
    runtime_unknown: bool  # let through a maximum runtime for lack of one
    members: tuple[MemberFit, ...]  # in the group's order: the viewer first
    turn: bool = False  # it suits the member whose turn it is (``TogetherResult.turn``) best
    # Where the group can watch it ("on Milly's Jellyfin", "on disc (Jess)"); none known: ().
    places: tuple[Place, ...] = ()

    @property
    def seen_by(self) -> tuple[MemberFit, ...]:
        return tuple(m for m in self.members if m.seen)

    @property
    def watchlisted_by(self) -> tuple[MemberFit, ...]:
        return tuple(m for m in self.members if m.on_watchlist)


@dataclass(frozen=True)
class TogetherResult:
    members: tuple[FriendSummary, ...]  # the viewer first, then the chosen friends
    rows: tuple[TogetherRow, ...]
    strategy: Strategy
    candidates: int  # films that passed filters, vetoes and the seen policy
    model: str
    # Whose turn it is over the group's past nights (display names), when the nudge is on and
    # someone is behind; None otherwise.
    turn: TurnNote | None = None
    # Some member can use a media library or has marked a film: the page offers "only what we
    # can watch" (and it is on unless they turned it off).
    library: bool = False
    available_only: bool = False  # the films are only those the group can watch


@dataclass(frozen=True)
class LibraryChoice:
    """The "only what we can watch" choice as the page shows it."""

    offered: bool  # shown: someone has a library or a mark (or it was asked for)
    only: bool  # on


def library_choice(
    session: Session, person_ids: Sequence[int], asked: bool | None
) -> LibraryChoice:
    """Whether the page offers the choice for these people, and whether it is on (as ``asked``,
    else on once any of them can use a library or has marked a film)."""
    library = any_library(session, person_ids)
    only = library if asked is None else asked
    return LibraryChoice(library or only, only)


def group_of(me: FriendSummary, friends: Sequence[FriendSummary]) -> tuple[FriendSummary, ...]:
    """The group: the member, then the friends who are there (2 to 8 people in all)."""
    group = (me, *(f for f in friends if f.person_id != me.person_id))
    if len({m.person_id for m in group}) != len(group):
        raise ReelmatesError("a friend is chosen twice")
    if not MIN_GROUP <= len(group) <= MAX_GROUP:
        raise ReelmatesError(
            f"a group is {MIN_GROUP} to {MAX_GROUP} people, you included; "
            f"you chose {len(group) - 1} friend{'' if len(group) == 2 else 's'}",
            hint=f"Choose 1 to {MAX_GROUP - 1} friends who are there.",
        )
    return group


def watch_together(
    session: Session,
    context: TasteContext,
    me: FriendSummary,
    friends: Sequence[FriendSummary],
    options: GroupOptions,
    available: bool | None = None,
) -> TogetherResult:
    """The group's ranked films as ``me`` sees them (their own details in, others' privacy
    kept). ``available``: only films the group can watch (True), every film (False), or the
    default (None): only those once any member can use a library or has marked a film."""
    group = group_of(me, friends)
    ids = [m.person_id for m in group]
    choice = library_choice(session, ids, available)
    library, only = choice.offered, choice.only
    places = available_to(session, ids) if library else {}
    options = GroupOptions(
        k=options.k,
        strategy=options.strategy,
        filters=options.filters,
        seen_policy=options.seen_policy,
        viewer=me.handle,
        history=options.history,
        nudge=options.nudge,
        available_films=frozenset(places) if only else None,
    )
    result = pick_together(session, context, [m.handle for m in group], options)
    unknown = result.runtime_unknown or tuple(False for _ in result.film_ids)
    rows = []
    for pick, film_id, year, no_runtime in zip(
        result.ranking.picks, result.film_ids, result.years, unknown, strict=True
    ):
        seen = {note.member for note in pick.seen}
        listed = set(pick.watchlist.members) if pick.watchlist else set()
        reasons = {r.member: r for r in pick.reasons}
        chances = pick.chances or tuple(math.nan for _ in group)
        rated = pick.rated or tuple(False for _ in group)
        fits = tuple(
            MemberFit(
                handle=m.handle,
                display_name=m.display_name,
                stars=_number(pick.stars[u]),
                rated=rated[u],
                chance=_number(chances[u]),
                reason=reasons.get(m.handle),
                seen=m.handle in seen,
                on_watchlist=m.handle in listed,
            )
            for u, m in enumerate(group)
        )
        rows.append(
            TogetherRow(
                film_id=film_id,
                title=pick.title,
                year=year,
                genres=genres_of(context, film_id),
                fit=_number(pick.fit),
                runtime_unknown=no_runtime,
                members=fits,
                turn=pick.turn is not None,
                places=places.get(film_id, ()),
            )
        )
    return TogetherResult(
        members=group,
        rows=tuple(rows),
        strategy=result.ranking.strategy,
        candidates=result.ranking.candidates,
        model=result.model,
        turn=_displayed(result.ranking.turn, group),
        library=library,
        available_only=only,
    )


def _displayed(turn: TurnNote | None, group: Sequence[FriendSummary]) -> TurnNote | None:
    """The turn note with display names (the engine names members by handle)."""
    if turn is None:
        return None
    names = {m.handle: m.display_name for m in group}
    return replace(turn, member=names[turn.member], ahead=names[turn.ahead])


def _number(value: float) -> float | None:
    return value if math.isfinite(value) else None


# --- recording the film chosen ---------------------------------------------------------------


def record_pick(
    session: Session,
    me: FriendSummary,
    friends: Sequence[FriendSummary],
    film_id: int,
    strategy: Strategy,
    now: datetime,
) -> GroupPickSummary:
    """Record that the group will watch ``film_id``, chosen by ``me`` (with the strategy that
    ranked it, at ``now``, UTC)."""
    group = group_of(me, friends)
    if FilmRepository(session).get(film_id) is None:
        raise NotFoundError(
            f"no film with id {film_id} in the catalog", hint="Search the catalog for it."
        )
    picks = GroupPickRepository(session)
    pick_id = picks.add(me.person_id, film_id, str(strategy), [m.person_id for m in group], now)
    saved = picks.get(pick_id)
    assert saved is not None
    return saved


def recent_picks(
    session: Session, person_id: int, limit: int = RECENT_PICKS
) -> list[GroupPickSummary]:
    """The newest group picks ``person_id`` was in (chose, or was there for)."""
    return GroupPickRepository(session).recent_for(person_id, limit)


def pick_of(session: Session, person_id: int, pick_id: int) -> GroupPickSummary:
    """One group pick ``person_id`` was in; any other (or none at all) is a 404."""
    found = GroupPickRepository(session).get(pick_id)
    if found is None or person_id not in {m.person_id for m in found.members}:
        raise NotFoundError(f"no group pick of yours has id {pick_id}")
    return found


def saved_pick(session: Session, person_id: int, pick_id: int) -> GroupPickSummary | None:
    """The pick just recorded, for the page's "Saved" line; None when it is not one of theirs."""
    try:
        return pick_of(session, person_id, pick_id)
    except NotFoundError:
        return None
