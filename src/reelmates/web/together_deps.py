"""Dependencies of the watch-together routes, and the one place that decides who may be in the
caller's group: only their accepted friends (:func:`authorized_friends`). A handle that is not a
friend of theirs, or nobody's, is the same 404 (``friends.require_friends``), so asking reveals
nothing about who has an account here.

- :data:`TogetherQueryDep`: the page's and ``GET /api/together``'s query string (``?with=<handle>``
  for each friend who is there, the filters, the seen policy, the strategy, ``available``: only
  what the group can watch), the friends checked.
- :data:`PickBodyDep`: ``POST /api/together/picks``'s JSON body, the friends checked.
- The page's "We'll watch this" form posts to an address that carries the page's own query
  string, so the same :data:`TogetherQueryDep` checks it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from reelmates.services import friends, nights
from reelmates.services.accounts import Identity
from reelmates.services.together import MAX_GROUP, GroupOptions
from reelmates.store.friends import FriendSummary
from reelmates.together.inputs import SeenPolicy
from reelmates.together.strategies import DEFAULT_STRATEGY, Strategy
from reelmates.web.deps import CurrentUser, SessionDep
from reelmates.web.film_deps import FiltersDep
from reelmates.web.ids import RowId
from reelmates.web.night_clock import NightRulesDep, NowDep

TOGETHER_DEFAULT, TOGETHER_MAX = 10, 50
HANDLE_MAX = 200  # characters of a handle in a request


def me_of(identity: Identity) -> FriendSummary:
    """The caller as the group lists them."""
    holder = identity.holder
    return FriendSummary(holder.person_id, holder.handle, holder.display_name)


def authorized_friends(
    session: Session, identity: Identity, handles: Sequence[str]
) -> tuple[FriendSummary, ...]:
    """THE rule of who may be in the caller's group: each handle (any case) must be one of their
    accepted friends, else a 404 naming it. The caller's own handle adds nothing (they are always
    in the group); a friend named twice counts once."""
    me = identity.holder.handle.casefold()
    wanted: list[str] = []
    for handle in handles:
        key = handle.strip().casefold()
        if key and key != me and key not in {w.casefold() for w in wanted}:
            wanted.append(handle.strip())
    return tuple(friends.require_friends(session, identity.person_id, wanted, allow_self=False))


@dataclass(frozen=True)
class TogetherQuery:
    friends: tuple[FriendSummary, ...]  # the friends who are there, checked
    options: GroupOptions
    available: bool | None = None  # only what we can watch: asked for (or not), None: default

    @property
    def handles(self) -> list[str]:
        return [f.handle for f in self.friends]


def together_query(
    session: SessionDep,
    me: CurrentUser,
    filters: FiltersDep,
    rules: NightRulesDep,
    now: NowDep,
    with_: Annotated[
        list[str],
        Query(
            alias="with",
            description="The handle of each friend who is there (only your friends).",
            openapi_examples={"one friend": {"value": ["milly"]}},
        ),
    ] = [],  # noqa: B006
    seen: Annotated[
        SeenPolicy, Query(description="When a film someone has seen stays on the list.")
    ] = SeenPolicy.PREFER_UNSEEN,
    strategy: Annotated[
        Strategy, Query(description="How the members' tastes combine.")
    ] = DEFAULT_STRATEGY,
    k: Annotated[int, Query(ge=1, le=TOGETHER_MAX)] = TOGETHER_DEFAULT,
    turns: Annotated[
        bool,
        Query(
            description="Lean a little toward the member your past nights together served "
            "least, and say whose turn it is (off: past nights change nothing)."
        ),
    ] = True,
    available: Annotated[
        bool | None,
        Query(
            description="Only films the group can watch: in a media library one of you can "
            "use, or marked on disc or on a service by one of you. Left out: on once any of "
            "you has a library or a mark, else off."
        ),
    ] = None,
) -> TogetherQuery:
    chosen = authorized_friends(session, me, [h[:HANDLE_MAX] for h in with_])
    past = (
        nights.group_history(session, me.person_id, [me_of(me), *chosen], rules, now)
        if turns and chosen
        else []
    )
    options = GroupOptions(
        k=k, strategy=strategy, filters=filters, seen_policy=seen, history=past, nudge=turns
    )
    return TogetherQuery(friends=chosen, options=options, available=available)


TogetherQueryDep = Annotated[TogetherQuery, Depends(together_query)]


class PickCreate(BaseModel):
    film_id: RowId
    with_: list[str] = Field(
        alias="with",
        min_length=1,
        max_length=MAX_GROUP - 1,
        description="The handles of the friends who are there (only your friends).",
    )
    strategy: Strategy = Field(
        default=DEFAULT_STRATEGY, description="The strategy that ranked the film."
    )


@dataclass(frozen=True)
class PickRequest:
    film_id: int
    friends: tuple[FriendSummary, ...]  # checked
    strategy: Strategy


def pick_body(body: PickCreate, session: SessionDep, me: CurrentUser) -> PickRequest:
    chosen = authorized_friends(session, me, [h[:HANDLE_MAX] for h in body.with_])
    return PickRequest(film_id=body.film_id, friends=chosen, strategy=body.strategy)


PickBodyDep = Annotated[PickRequest, Depends(pick_body)]
