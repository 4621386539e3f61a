"""Use cases of a swipe session (a room): start one, join it by its link, record a swipe and deal
the next card, show how far everyone has got, and accept a match.

The database is the source of truth: a room's deck state is a pure function of its stored swipes
and members (replayed in id order through :class:`~reelmates.together.swipes.SwipeSession`, each
member added where they joined, so a match made before someone came stays a match). Each process
keeps the state it last built per room (:mod:`~reelmates.services.room_cache`), with the id of the
room's last swipe it has: when another process swiped since, only those swipes are replayed onto
it; when someone joined, the model changed or this process restarted, it is rebuilt from all of
them. Every write to a room (a swipe, a join, an accept) locks the room's row first, so they are
recorded one at a time and each sees the one before. A state goes back to the cache only when the
caller's transaction commits, so a rolled-back swipe never lingers in it.

What a member may see of the room (:class:`RoomView`) is the same for every member: who is in it,
how many cards each has swiped, the matches so far (and who liked them, once they are matches),
the accepted pick. Never another member's swipes of a card that is not a match, nor any chance.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np
from sqlalchemy.orm import Session

from reelmates.errors import ConflictError, NotFoundError, ReelmatesError
from reelmates.services.media.available import available_to, only_available
from reelmates.services.room_cache import RoomStateCache
from reelmates.services.room_options import RoomOptions, available_mask
from reelmates.services.swipe_views import (
    DealtCard,
    MemberProgress,
    RoomMatch,
    RoomView,
    SwipeOutcome,
)
from reelmates.services.taste import ModelHolder, TasteContext
from reelmates.services.threads import one_blas_thread
from reelmates.services.together import MAX_GROUP, MIN_GROUP, GroupOptions, load_members
from reelmates.store.group_picks import GroupPickRepository, GroupPickSummary
from reelmates.store.people import PersonRepository
from reelmates.store.swipes import RoomMember, SwipeRepository
from reelmates.together.fold import FoldInTaste
from reelmates.together.inputs import Filters, SeenPolicy
from reelmates.together.masks import candidate_mask
from reelmates.together.swipes import MatchRule, SwipeSession

SWIPE_STRATEGY = "swipe"  # a group pick accepted from a swipe session's match
JOIN_TOKEN_BYTES = 24  # 32 characters in a link


class RoomNotFoundError(NotFoundError):
    """No such room, or the caller is not in it: the same answer, so asking reveals nothing."""

    def __init__(self, room_id: int) -> None:
        super().__init__(
            f"no swipe session {room_id}", hint="Join it by the link its members share."
        )


class JoinLinkGoneError(NotFoundError):
    def __init__(self) -> None:
        super().__init__(
            "this swipe session link does not work (mistyped, or the session is gone)",
            hint="Ask whoever sent it for the link again.",
        )


@dataclass
class _RoomState:
    last_swipe_id: int
    model: str  # the model file the state was built with
    deck: SwipeSession
    member_of: dict[int, str]  # person id → the engine's member id
    members: list[RoomMember]
    match_swipes: dict[int, int] = field(default_factory=dict)  # item → swipe that matched it

    @property
    def key(self) -> tuple[int, int]:
        return self.last_swipe_id, len(self.members)


def require_member(session: Session, room_id: int, person_id: int) -> None:
    """THE rule of who may see or swipe in a room: its members; anyone else (or no such room)
    gets the same 404."""
    repo = SwipeRepository(session)
    try:
        repo.room(room_id)
    except NotFoundError:
        raise RoomNotFoundError(room_id) from None
    if not repo.is_member(room_id, person_id):
        raise RoomNotFoundError(room_id)


def is_member(session: Session, room_id: int, person_id: int) -> bool:
    return SwipeRepository(session).is_member(room_id, person_id)


def join_token(session: Session, room_id: int) -> str:
    """The secret of the room's join link (for its members to share)."""
    return SwipeRepository(session).room(room_id).join_token


@dataclass(frozen=True)
class LinkPreview:
    room_id: int
    started_by: str | None  # display name
    members: int
    full: bool


def preview_link(session: Session, token: str) -> LinkPreview:
    """What a join link's page says before joining (no member names beyond who started it)."""
    repo = SwipeRepository(session)
    room = repo.by_token(token[:200])
    if room is None:
        raise JoinLinkGoneError()
    members = repo.members(room.id)
    starter = next((m for m in members if m.person_id == room.created_by), None)
    return LinkPreview(
        room.id, starter.display_name if starter else None, len(members), len(members) >= MAX_GROUP
    )


class SwipeRooms:
    """Starts rooms and records swipes; holds the per-process cache of room states."""

    def __init__(self, holder: ModelHolder) -> None:
        self.holder = holder
        self._lock = threading.Lock()  # guards _room_locks
        self._states: RoomStateCache[_RoomState] = RoomStateCache()
        self._room_locks: dict[int, threading.Lock] = {}

    def start(
        self,
        session: Session,
        handles: Sequence[str],
        *,
        filters: Filters | None = None,
        seen_policy: SeenPolicy = SeenPolicy.HIDE_IF_ANY,
        rule: MatchRule | None = None,
        seed: int | None = None,
        available: bool | None = None,
    ) -> int:
        """A new room for ``handles`` (the first one starts it), with a join link of its own;
        returns its id. ``seed`` (random when None) breaks ties in the deck's order.
        ``available``: deal only films they can watch (None: so once any of them can use a
        library or has marked a film, ``services.media.available``)."""
        if not MIN_GROUP <= len(set(handles)) <= MAX_GROUP or len(set(handles)) != len(handles):
            raise ReelmatesError(f"a swipe session is {MIN_GROUP} to {MAX_GROUP} different people")
        people = PersonRepository(session)
        ids = [people.require(h).id for h in handles]
        options = RoomOptions(
            filters or Filters(), seen_policy, only_available(session, ids, available)
        )
        at_least = (rule or MatchRule.default(len(ids))).at_least
        return SwipeRepository(session).create_room(
            ids[0],
            ids,
            secrets.randbelow(2**31) if seed is None else seed,
            at_least,
            options.to_json(),
            secrets.token_urlsafe(JOIN_TOKEN_BYTES),
        )

    def join(self, session: Session, token: str, handle: str) -> int:
        """``handle`` joins the room of the link ``token`` (nothing happens when they are in it
        already); returns the room's id. A room holds at most MAX_GROUP people."""
        repo = SwipeRepository(session)
        found = repo.by_token(token[:200])
        if found is None:
            raise JoinLinkGoneError()
        room_id = found.id
        repo.room(room_id, for_update=True)
        person = PersonRepository(session).require(handle)
        if repo.is_member(room_id, person.id):
            return room_id
        if len(repo.member_ids(room_id)) >= MAX_GROUP:
            raise ConflictError(
                f"this swipe session is full: {MAX_GROUP} people at most",
                hint="Ask them to start another one with you in it.",
            )
        repo.add_member(room_id, person.id, repo.last_swipe_id(room_id))
        return room_id

    def swipe(
        self, session: Session, room_id: int, handle: str, film_id: int, liked: bool
    ) -> SwipeOutcome:
        """Record ``handle``'s swipe of ``film_id`` and deal them their next card."""
        with self._room_lock(room_id), one_blas_thread():  # request path: one BLAS thread
            context = self.holder.get()
            repo = SwipeRepository(session)
            repo.room(room_id, for_update=True)
            state = self._take_state(session, context, room_id)
            person = PersonRepository(session).require(handle)
            member = state.member_of.get(person.id)
            if member is None:
                raise NotFoundError(f"{handle} is not in swipe session {room_id}")
            item = context.catalog.item_of.get(film_id)
            if item is None:
                raise NotFoundError(f"film {film_id} is not in this deck")
            matched = state.deck.record(member, item, liked)
            state.last_swipe_id = repo.add_swipe(room_id, person.id, film_id, liked)
            if matched:
                state.match_swipes[item] = state.last_swipe_id
            return SwipeOutcome(
                matched,
                self._film_ids(context, state.deck.matches),
                _placed(session, state, self._deal(context, state, member)),
                self._view(session, context, room_id, state),
            )

    def next_card(self, session: Session, room_id: int, handle: str) -> DealtCard | None:
        """``handle``'s next card without swiping (on joining, or after a reload)."""
        return self.look(session, room_id, handle)[1]

    def look(
        self, session: Session, room_id: int, handle: str
    ) -> tuple[RoomView, DealtCard | None]:
        """The room as its members see it, and ``handle``'s next card."""
        with self._room_lock(room_id), one_blas_thread():  # request path: one BLAS thread
            context = self.holder.get()
            state = self._take_state(session, context, room_id)
            person = PersonRepository(session).require(handle)
            member = state.member_of.get(person.id)
            if member is None:
                raise NotFoundError(f"{handle} is not in swipe session {room_id}")
            card = _placed(session, state, self._deal(context, state, member))
            return self._view(session, context, room_id, state), card

    def view(self, session: Session, room_id: int) -> RoomView:
        """The room as every member sees it (what is pushed to them)."""
        with self._room_lock(room_id), one_blas_thread():
            context = self.holder.get()
            state = self._take_state(session, context, room_id)
            return self._view(session, context, room_id, state)

    def matches(self, session: Session, room_id: int) -> tuple[int, ...]:
        with self._room_lock(room_id), one_blas_thread():  # request path: one BLAS thread
            context = self.holder.get()
            state = self._take_state(session, context, room_id)
            return self._film_ids(context, state.deck.matches)

    def accept(
        self, session: Session, room_id: int, handle: str, film_id: int, now: datetime
    ) -> GroupPickSummary:
        """The members will watch ``film_id``, one of the room's matches: a group pick of every
        member (chosen by ``handle``), as "We'll watch this" on watch together makes. Once."""
        repo = SwipeRepository(session)
        room = repo.room(room_id, for_update=True)
        picks = GroupPickRepository(session)
        if room.accepted_pick_id is not None and (done := picks.get(room.accepted_pick_id)):
            raise ConflictError(
                f"this session's match is chosen already: {done.title}",
                hint="Start another swipe session to choose again.",
            )
        if film_id not in self.matches(session, room_id):
            raise ConflictError(
                f"film {film_id} is not a match in this session",
                hint="Accept one of the matches listed, or keep swiping.",
            )
        person = PersonRepository(session).require(handle)
        members = repo.member_ids(room_id)
        if person.id not in members:
            raise NotFoundError(f"{handle} is not in swipe session {room_id}")
        ordered = [person.id, *(m for m in members if m != person.id)]
        pick_id = picks.add(person.id, film_id, SWIPE_STRATEGY, ordered, now)
        repo.set_accepted(room_id, pick_id)
        saved = picks.get(pick_id)
        assert saved is not None
        return saved

    # ----- state --------------------------------------------------------------------------

    def _room_lock(self, room_id: int) -> threading.Lock:
        with self._lock:
            return self._room_locks.setdefault(room_id, threading.Lock())

    def _take_state(self, session: Session, context: TasteContext, room_id: int) -> _RoomState:
        """The room's state: the cached one when it is current, brought up to date when it is
        behind (swipes recorded by another process since), else rebuilt. It is out of the cache
        until the caller's transaction ends, and goes back only if that commits."""
        repo = SwipeRepository(session)
        last, members = repo.last_swipe_id(room_id), len(repo.member_ids(room_id))
        cached = self._states.take(session, room_id)
        state = None
        if (
            cached is not None
            and cached.model == str(context.path)
            and len(cached.members) == members
            and cached.last_swipe_id <= last
        ):
            state = self._catch_up(session, context, room_id, cached)
        if state is None:
            state = self._rebuild(session, context, room_id)
        self._states.hold(session, room_id, state)
        return state

    @staticmethod
    def _catch_up(
        session: Session, context: TasteContext, room_id: int, state: _RoomState
    ) -> _RoomState | None:
        """``state`` with the swipes recorded after its last one replayed onto it, as a rebuild
        would (no one joined since); None when one does not fit (rebuild instead)."""
        item_of = context.catalog.item_of
        try:
            for swipe in SwipeRepository(session).swipes(room_id, after=state.last_swipe_id):
                member = state.member_of.get(swipe.person_id)
                if member is None:
                    return None
                item = item_of.get(swipe.film_id)
                if item is not None and state.deck.record(member, item, swipe.liked):
                    state.match_swipes[item] = swipe.id
                state.last_swipe_id = swipe.id
        except ReelmatesError:
            return None
        return state

    def _rebuild(self, session: Session, context: TasteContext, room_id: int) -> _RoomState:
        repo = SwipeRepository(session)
        room = repo.room(room_id)
        options = RoomOptions.from_json(room.options)
        people = repo.members(room_id)
        catalog, scorer = context.catalog, context.scorer
        members = load_members(session, catalog, [p.handle for p in people], GroupOptions())
        tastes = []
        for m in members:
            rated = np.isfinite(m.seen_stars)
            tastes.append(FoldInTaste(scorer, m.seen[rated], m.seen_stars[rated]))
        # Everyone's vetoes and seen films as they are now; a film swiped already stays in the
        # deck (it was dealt under the rules of its time, and its swipes must replay).
        allowed = available_mask(session, catalog, [p.person_id for p in people], options)
        candidates = candidate_mask(
            members,
            catalog.facts,
            filters=options.filters,
            seen_policy=options.seen_policy,
            extra=allowed,
        ).copy()
        swipes = repo.swipes(room_id)
        swiped = [i for s in swipes if (i := catalog.item_of.get(s.film_id)) is not None]
        candidates[swiped] = True
        ids = [m.id for m in members]
        first = [u for u, p in enumerate(people) if p.joined_after == 0] or [0]
        later = sorted(
            (u for u in range(len(people)) if u not in first),
            key=lambda u: (people[u].joined_after, u),
        )
        deck = SwipeSession(
            tuple(ids[u] for u in first),
            [tastes[u] for u in first],
            candidates,
            MatchRule(room.at_least),
            seed=room.seed,
            names=tuple(members[u].name for u in first),
        )
        member_of = {p.person_id: m.id for p, m in zip(people, members, strict=True)}
        match_swipes: dict[int, int] = {}
        last = 0
        for swipe in swipes:
            while later and people[later[0]].joined_after < swipe.id:
                u = later.pop(0)
                deck.add_member(ids[u], tastes[u], members[u].name)
            item = catalog.item_of.get(swipe.film_id)
            if item is not None and deck.record(member_of[swipe.person_id], item, swipe.liked):
                match_swipes[item] = swipe.id
            last = swipe.id
        for u in later:
            deck.add_member(ids[u], tastes[u], members[u].name)
        return _RoomState(last, str(context.path), deck, member_of, people, match_swipes)

    def _view(
        self, session: Session, context: TasteContext, room_id: int, state: _RoomState
    ) -> RoomView:
        deck, catalog = state.deck, context.catalog
        room = SwipeRepository(session).room(room_id)
        accepted = (
            GroupPickRepository(session).get(room.accepted_pick_id)
            if room.accepted_pick_id is not None
            else None
        )
        names = {state.member_of[p.person_id]: p.display_name for p in state.members}
        where = available_to(
            session,
            [p.person_id for p in state.members],
            [int(catalog.film_ids[i]) for i in deck.matches],
        )
        matches = []
        for item in deck.matches:
            film_id = int(catalog.film_ids[item])
            votes = deck.votes_for(item)
            matches.append(
                RoomMatch(
                    film_id,
                    catalog.facts.title(item),
                    catalog.years.get(film_id),
                    state.match_swipes.get(item, state.last_swipe_id),
                    tuple(names[m] for m in deck.member_ids if votes.get(m)),
                    where.get(film_id, ()),
                )
            )
        assert deck.rule is not None
        return RoomView(
            room_id=room_id,
            rule=deck.rule.describe(len(deck.member_ids)),
            members=tuple(
                MemberProgress(
                    p.person_id,
                    p.handle,
                    p.display_name,
                    deck.swiped_by(state.member_of[p.person_id]),
                )
                for p in state.members
            ),
            matches=tuple(matches),
            last_swipe_id=state.last_swipe_id,
            deck_size=int(deck.candidates.sum()),
            accepted=accepted,
            available_only=RoomOptions.from_json(room.options).available_only,
        )

    @staticmethod
    def _film_ids(context: TasteContext, items: Sequence[int]) -> tuple[int, ...]:
        return tuple(int(context.catalog.film_ids[i]) for i in items)

    @staticmethod
    def _deal(context: TasteContext, state: _RoomState, member: str) -> DealtCard | None:
        card = state.deck.next_card(member)
        if card is None:
            return None
        catalog = context.catalog
        facts = catalog.facts
        film_id = int(catalog.film_ids[card.item])
        genres: tuple[str, ...] = ()
        if facts.genres is not None:
            genres = tuple(
                g for g, on in zip(facts.genre_names, facts.genres[card.item], strict=True) if on
            )
        runtime = None
        if facts.runtimes is not None and np.isfinite(facts.runtimes[card.item]):
            runtime = int(facts.runtimes[card.item])
        return DealtCard(
            film_id, facts.title(card.item), catalog.years.get(film_id), card.reason, genres,
            runtime,
        )  # fmt: skip


def _placed(session: Session, state: _RoomState, card: DealtCard | None) -> DealtCard | None:
    """The card with where the room's members can watch it."""
    if card is None:
        return None
    found = available_to(session, [p.person_id for p in state.members], [card.film_id])
    return replace(card, places=found.get(card.film_id, ()))
