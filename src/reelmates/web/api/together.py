"""``/api/together``: the watch-together page as JSON (the group's films for the friends who are
there) and the group picks ("we'll watch this"): record one, list the recent ones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from reelmates.errors import NotFoundError
from reelmates.services import together_page
from reelmates.services.media.available import Place, web_link
from reelmates.services.taste import TasteContext
from reelmates.services.together_page import TogetherResult
from reelmates.store.friends import FriendSummary
from reelmates.store.group_picks import GroupPickSummary
from reelmates.together.wording import turn_parts
from reelmates.web.api.films import FilmBase, ReasonPublic, reason_public
from reelmates.web.deps import CurrentUser, SessionDep, now_utc
from reelmates.web.film_deps import TasteDep
from reelmates.web.media_deps import linkable_for
from reelmates.web.together_deps import PickBodyDep, TogetherQueryDep, me_of

router = APIRouter(prefix="/api/together", tags=["together"])
RECENT_MAX = 50


class GroupMemberPublic(BaseModel):
    handle: str
    display_name: str


class MemberFitPublic(GroupMemberPublic):
    stars: float | None = Field(description="Their own rating when `rated`, else predicted.")
    rated: bool
    chance: float | None = Field(description="Their chance of liking it, 0 to 1.")
    reason: ReasonPublic | None
    seen: bool = Field(description="They have seen it (never shown of a private member).")
    seen_stars: float | None = Field(description="Their rating on the seen badge.")
    on_watchlist: bool


class PlacePublic(BaseModel):
    label: str = Field(description='Where: "on Milly\'s Jellyfin", "on disc (Jess)" (plain text).')
    web_url: str | None = Field(
        description="The film in that media server's own web client (http or https only)."
    )


def places_public(places: Sequence[Place], linkable: frozenset[int]) -> list[PlacePublic]:
    """The places, each with its link only when it is on a server of ``linkable`` (a link
    carries the server's address: ``services.media.access.linkable``)."""
    return [
        PlacePublic(label=p.label, web_url=web_link(p.web_url) if p.server_id in linkable else None)
        for p in places
    ]


class TogetherPickPublic(FilmBase):
    fit: float | None = Field(description="The figure the order follows, 0 to 1.")
    runtime_unknown: bool
    members: list[MemberFitPublic]
    places: list[PlacePublic] = Field(
        description="Where the group can watch it (empty: in none of your libraries or marks)."
    )


class TogetherPublic(BaseModel):
    members: list[GroupMemberPublic] = Field(description="You first, then the friends there.")
    strategy: str
    seen: str
    candidates: int = Field(description="Films that passed the filters, vetoes and seen policy.")
    model: str
    turn: str | None = Field(
        default=None,
        description="Whose turn it is over your past nights together, when the ranking leans "
        'toward them (e.g. "Milly\'s turn: the last three picks suited Jess better").',
    )
    library: bool = Field(
        description="One of you can use a media library or has marked a film: `available` "
        "is on unless you turn it off."
    )
    available_only: bool = Field(description="The picks are only films you can watch.")
    available_note: str | None = Field(
        description="When only films you can watch are shown and fewer than `k` match, says so "
        "(ask again with `available=false` to show all)."
    )
    picks: list[TogetherPickPublic]


class PickedFilmPublic(BaseModel):
    id: int
    title: str
    year: int | None


class GroupPickPublic(BaseModel):
    id: int
    film: PickedFilmPublic
    chooser: GroupMemberPublic | None = Field(description="None once their account is deleted.")
    members: list[GroupMemberPublic]
    strategy: str
    created_at: datetime


def _member(m: FriendSummary) -> GroupMemberPublic:
    return GroupMemberPublic(handle=m.handle, display_name=m.display_name)


def _pick(p: GroupPickSummary) -> GroupPickPublic:
    return GroupPickPublic(
        id=p.id,
        film=PickedFilmPublic(id=p.film_id, title=p.title, year=p.year),
        chooser=_member(p.chooser) if p.chooser else None,
        members=[_member(m) for m in p.members],
        strategy=p.strategy,
        created_at=p.created_at,
    )


def _require(taste: TasteDep) -> TasteContext:
    if taste.context is None:
        raise NotFoundError(
            f"no picks yet: {taste.note or 'there is no taste model'}",
            hint="The server's operator runs `reelmates train`; then try again.",
        )
    return taste.context


def _available_note(result: TogetherResult, k: int) -> str | None:
    if not result.available_only or result.candidates >= k:
        return None
    n = result.candidates
    films = "1 film you can watch matches" if n == 1 else f"{n} films you can watch match"
    return (
        f"only {films} these filters and everyone's vetoes; ask with available=false to show "
        "all films"
    )


@router.get("", response_model=TogetherPublic)
def watch_together(
    request: Request, session: SessionDep, me: CurrentUser, taste: TasteDep, query: TogetherQueryDep
) -> TogetherPublic:
    """The group's films: you and the friends named by `with` (only your friends; 1 to 7 of
    them). 404 while there is no model."""
    context = _require(taste)
    result = together_page.watch_together(
        session, context, me_of(me), query.friends, query.options, query.available
    )
    linkable = linkable_for(request, session)
    return TogetherPublic(
        members=[_member(m) for m in result.members],
        strategy=str(result.strategy),
        seen=str(query.options.seen_policy),
        candidates=result.candidates,
        model=result.model,
        turn="".join(p.text for p in turn_parts(result.turn)) if result.turn else None,
        library=result.library,
        available_only=result.available_only,
        available_note=_available_note(result, query.options.k),
        picks=[
            TogetherPickPublic(
                id=row.film_id,
                title=row.title,
                year=row.year,
                genres=list(row.genres),
                fit=row.fit,
                runtime_unknown=row.runtime_unknown,
                members=[
                    MemberFitPublic(
                        handle=m.handle,
                        display_name=m.display_name,
                        stars=m.stars,
                        rated=m.rated,
                        chance=m.chance,
                        reason=(
                            reason_public(m.reason, context, viewers=m.handle == me.holder.handle)
                            if m.reason
                            else None
                        ),
                        seen=m.seen,
                        seen_stars=m.seen_stars,
                        on_watchlist=m.on_watchlist,
                    )
                    for m in row.members
                ],
                places=places_public(row.places, linkable),
            )
            for row in result.rows
        ],
    )


@router.post("/picks", response_model=GroupPickPublic, status_code=201)
def record_pick(session: SessionDep, me: CurrentUser, body: PickBodyDep) -> GroupPickPublic:
    """Record that you and the friends named in `with` will watch the film."""
    saved = together_page.record_pick(
        session, me_of(me), body.friends, body.film_id, body.strategy, now_utc()
    )
    return _pick(saved)


@router.get("/picks", response_model=list[GroupPickPublic])
def recent_picks(
    session: SessionDep,
    me: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=RECENT_MAX)] = together_page.RECENT_PICKS,
) -> list[GroupPickPublic]:
    """The newest group picks you were in, newest first."""
    return [_pick(p) for p in together_page.recent_picks(session, me.person_id, limit)]
