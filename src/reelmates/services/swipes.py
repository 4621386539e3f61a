"""Use cases of a swipe session (a room): start one, record a swipe and deal the next card.

The database is the source of truth: a room's deck state is a pure function of its stored swipes
(replayed in id order through :class:`~reelmates.together.swipes.SwipeSession`). Each process keeps
the state it last built per room, keyed by the id of the room's last swipe, and rebuilds it only
when that key no longer matches (another process swiped, or this one restarted). Recording a swipe
and choosing the next card is one call in the caller's unit of work; the cache is updated only
after that transaction commits, so a rolled-back swipe never lingers in it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import event
from sqlalchemy.orm import Session

from reelmates.errors import NotFoundError, ReelmatesError
from reelmates.services.taste import ModelHolder, TasteContext
from reelmates.services.threads import one_blas_thread
from reelmates.services.together import MAX_GROUP, MIN_GROUP, GroupOptions, load_members
from reelmates.store.models import Person
from reelmates.store.people import PersonRepository
from reelmates.store.swipes import SwipeRepository
from reelmates.together.fold import FoldInTaste
from reelmates.together.inputs import Filters, SeenPolicy
from reelmates.together.masks import candidate_mask
from reelmates.together.swipes import CardReason, MatchRule, SwipeSession


@dataclass(frozen=True)
class DealtCard:
    film_id: int
    title: str
    year: int | None
    reason: CardReason


@dataclass(frozen=True)
class SwipeOutcome:
    matched: bool  # this swipe made the film a match
    matches: tuple[int, ...]  # every match so far (film ids), in order
    next_card: DealtCard | None  # None: this member has swiped the whole deck


@dataclass
class _RoomState:
    last_swipe_id: int
    model: str  # the model file the state was built with
    deck: SwipeSession
    member_of: dict[int, str]  # person id → the engine's member id


class SwipeRooms:
    """Starts rooms and records swipes; holds the per-process cache of room states."""

    def __init__(self, holder: ModelHolder) -> None:
        self.holder = holder
        self._lock = threading.Lock()  # guards _states and _room_locks
        self._states: dict[int, _RoomState] = {}
        self._room_locks: dict[int, threading.Lock] = {}

    def start(
        self,
        session: Session,
        handles: Sequence[str],
        *,
        filters: Filters | None = None,
        seen_policy: SeenPolicy = SeenPolicy.HIDE_IF_ANY,
        rule: MatchRule | None = None,
        seed: int = 0,
    ) -> int:
        """A new room for ``handles`` (the first one starts it); returns its id."""
        if not MIN_GROUP <= len(set(handles)) <= MAX_GROUP or len(set(handles)) != len(handles):
            raise ReelmatesError(f"a swipe session is {MIN_GROUP} to {MAX_GROUP} different people")
        people = PersonRepository(session)
        ids = [people.require(h).id for h in handles]
        f = filters or Filters()
        options = {
            "filters": {
                "genres_in": sorted(f.genres_in),
                "genres_out": sorted(f.genres_out),
                "year_min": f.year_min,
                "year_max": f.year_max,
                "max_runtime": f.max_runtime,
            },
            "seen_policy": str(seen_policy),
        }
        at_least = (rule or MatchRule.default(len(ids))).at_least
        return SwipeRepository(session).create_room(
            ids[0], ids, seed, at_least, json.dumps(options)
        )

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
            self._keep_after_commit(session, room_id, state)
            return SwipeOutcome(
                matched,
                self._film_ids(context, state.deck.matches),
                self._deal(context, state, member),
            )

    def next_card(self, session: Session, room_id: int, handle: str) -> DealtCard | None:
        """``handle``'s next card without swiping (on joining, or after a reload)."""
        with self._room_lock(room_id), one_blas_thread():  # request path: one BLAS thread
            context = self.holder.get()
            state = self._take_state(session, context, room_id)
            person = PersonRepository(session).require(handle)
            member = state.member_of.get(person.id)
            self._keep_after_commit(session, room_id, state)
            if member is None:
                raise NotFoundError(f"{handle} is not in swipe session {room_id}")
            return self._deal(context, state, member)

    def matches(self, session: Session, room_id: int) -> tuple[int, ...]:
        with self._room_lock(room_id), one_blas_thread():  # request path: one BLAS thread
            context = self.holder.get()
            state = self._take_state(session, context, room_id)
            self._keep_after_commit(session, room_id, state)
            return self._film_ids(context, state.deck.matches)

    # ----- state --------------------------------------------------------------------------

    def _room_lock(self, room_id: int) -> threading.Lock:
        with self._lock:
            return self._room_locks.setdefault(room_id, threading.Lock())

    def _take_state(self, session: Session, context: TasteContext, room_id: int) -> _RoomState:
        """The room's state, from the cache when its key is current, else rebuilt. It is taken out
        of the cache: it goes back only when the caller's transaction commits."""
        last = SwipeRepository(session).last_swipe_id(room_id)
        with self._lock:
            cached = self._states.pop(room_id, None)
        if (
            cached is not None
            and cached.last_swipe_id == last
            and cached.model == str(context.path)
        ):
            return cached
        return self._rebuild(session, context, room_id)

    def _keep_after_commit(self, session: Session, room_id: int, state: _RoomState) -> None:
        def keep(_session: Session) -> None:
            with self._lock:
                self._states[room_id] = state

        event.listen(session, "after_commit", keep, once=True)

    def _rebuild(self, session: Session, context: TasteContext, room_id: int) -> _RoomState:
        repo = SwipeRepository(session)
        room = repo.room(room_id)
        options = json.loads(room.options or "{}")
        f = options.get("filters", {})
        filters = Filters(
            genres_in=frozenset(f.get("genres_in", ())),
            genres_out=frozenset(f.get("genres_out", ())),
            year_min=f.get("year_min"),
            year_max=f.get("year_max"),
            max_runtime=f.get("max_runtime"),
        )
        seen_policy = SeenPolicy(options.get("seen_policy", SeenPolicy.HIDE_IF_ANY))
        person_ids = repo.member_ids(room_id)
        handles = []
        for pid in person_ids:
            person = session.get(Person, pid)
            if person is None:  # pragma: no cover - members cascade with their person
                raise NotFoundError(f"person {pid} of swipe session {room_id} is gone")
            handles.append(person.handle)
        catalog, scorer = context.catalog, context.scorer
        members = load_members(session, catalog, handles, GroupOptions())
        tastes = []
        for m in members:
            rated = np.isfinite(m.seen_stars)
            tastes.append(FoldInTaste(scorer, m.seen[rated], m.seen_stars[rated]))
        candidates = candidate_mask(
            members, catalog.facts, filters=filters, seen_policy=seen_policy
        )
        deck = SwipeSession(
            tuple(m.id for m in members),
            tastes,
            candidates,
            MatchRule(room.at_least),
            seed=room.seed,
            names=tuple(m.name for m in members),
        )
        member_of = {pid: m.id for pid, m in zip(person_ids, members, strict=True)}
        last = 0
        for swipe in repo.swipes(room_id):
            item = catalog.item_of.get(swipe.film_id)
            if item is not None:
                deck.record(member_of[swipe.person_id], item, swipe.liked)
            last = swipe.id
        return _RoomState(last, str(context.path), deck, member_of)

    @staticmethod
    def _film_ids(context: TasteContext, items: Sequence[int]) -> tuple[int, ...]:
        return tuple(int(context.catalog.film_ids[i]) for i in items)

    @staticmethod
    def _deal(context: TasteContext, state: _RoomState, member: str) -> DealtCard | None:
        card = state.deck.next_card(member)
        if card is None:
            return None
        film_id = int(context.catalog.film_ids[card.item])
        return DealtCard(
            film_id, context.catalog.facts.title(card.item), context.catalog.years.get(film_id),
            card.reason,
        )  # fmt: skip
