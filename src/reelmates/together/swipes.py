"""Swipe sessions: one shared deck whose next card is the likeliest match given every swipe so far.

Each member's chance of liking each film comes from their taste model (rank among the candidates,
calibrated; see ``likes``). A swipe is evidence about that member only: a like is folded into
their taste as a rating (so films like it rise for *them*), a pass removes the card for them and
nudges their calibration down a little; nobody else's chances move. The chance that a card
becomes a match is then exact under independence — the product of chances for "all like", a
Poisson-binomial tail for "at least k" — with members who already swiped it counting as 1 or 0.
Ties break by a seeded shuffle, so a session is deterministic given its seed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from reelmates.errors import ConflictError, NotFoundError, ReelmatesError
from reelmates.together.inputs import BoolArray, FloatArray, IntArray
from reelmates.together.likes import DEFAULT_LIKES, LikeModel, member_like_chances


@dataclass(frozen=True)
class MatchRule:
    """A card matches when at least ``at_least`` members like it (None: all of them)."""

    at_least: int | None = None

    @classmethod
    def default(cls, n_members: int) -> MatchRule:
        """All for 2–3 people; three quarters (rounded up) for larger groups."""
        return cls(None if n_members <= 3 else math.ceil(0.75 * n_members))

    def needed(self, n_members: int) -> int:
        return n_members if self.at_least is None else min(self.at_least, n_members)

    def describe(self, n_members: int) -> str:
        need = self.needed(n_members)
        return (
            "everyone likes it" if need == n_members else f"at least {need} of {n_members} like it"
        )


def match_chance(q: NDArray[np.float64], needed: int) -> NDArray[np.float64]:
    """P(at least ``needed`` of the members like a card), members independent; ``q`` is
    members × cards of like-chances."""
    if needed >= q.shape[0]:
        out: NDArray[np.float64] = np.prod(q, axis=0)
        return out
    # dist[j] = P(exactly j likes so far), capped at ``needed`` (absorbing).
    dist = np.zeros((needed + 1, q.shape[1]))
    dist[0] = 1.0
    for row in q:
        moved = dist[:-1] * row
        dist[:-1] *= 1.0 - row
        dist[1:] += moved
    return np.asarray(dist[needed])


class MemberTaste(Protocol):
    """A member's scores for every film given the swipes so far (likes folded into their taste)."""

    def scores(self, liked: IntArray, passed: IntArray) -> NDArray[np.floating]: ...

    def stars(self, liked: IntArray, passed: IntArray) -> NDArray[np.floating] | None:
        """Predicted stars for every film, or None when the scorer predicts none."""
        ...

    @property
    def activity(self) -> float: ...


class CardReason(StrEnum):
    """Why a card came next, as its member may be told: never from another member's swipes or
    chances (no herding, no leaked taste)."""

    LIKELIEST = "likeliest"  # among the likeliest matches for the group
    MOVED_UP = "moved-up"  # your own likes made it likelier for you


@dataclass(frozen=True)
class Card:
    item: int
    # P(this card becomes a match), given every swipe so far. It reflects the others' swipes, so
    # it is for the engine and for measurement only: a front end never shows it to a member.
    chance: float
    reason: CardReason  # worded by ``together.wording.card_text``


@dataclass
class SwipeSession:
    """A room's deck. ``candidates`` are the films that may be dealt (filters, vetoes, seen)."""

    member_ids: tuple[str, ...]
    tastes: Sequence[MemberTaste]
    candidates: BoolArray
    rule: MatchRule | None = None
    seed: int = 0
    names: tuple[str, ...] | None = None
    likes: LikeModel = DEFAULT_LIKES
    pass_learning: float = 0.0  # how far one pass lowers that member's log-odds offset
    _chances: NDArray[np.float64] = field(init=False)
    _votes: NDArray[np.int8] = field(init=False)  # members × films: 1 like, -1 pass, 0 unseen
    _offsets: NDArray[np.float64] = field(init=False)
    _tiebreak: NDArray[np.float64] = field(init=False)
    _initial_chances: NDArray[np.float64] = field(init=False)
    matches: list[int] = field(default_factory=list)
    shown: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        m, n = len(self.member_ids), self.candidates.shape[0]
        if m == 0 or len(self.tastes) != m or len(set(self.member_ids)) != m:
            raise ReelmatesError("a swipe session needs distinct members, each with a taste")
        self.rule = self.rule or MatchRule.default(m)
        self.names = self.names or self.member_ids
        self._votes = np.zeros((m, n), dtype=np.int8)
        self._offsets = np.zeros(m)
        self._tiebreak = np.random.default_rng(self.seed).random(size=(n,))
        self._chances = np.vstack([self._member_chances(u) for u in range(m)])
        self._initial_chances = self._chances.copy()

    # ----- state ----------------------------------------------------------------------------

    def _member_chances(self, u: int) -> NDArray[np.float64]:
        votes = self._votes[u]
        taste = self.tastes[u]
        liked_items, passed_items = np.flatnonzero(votes > 0), np.flatnonzero(votes < 0)
        scores = np.asarray(taste.scores(liked_items, passed_items), dtype=np.float64)
        stars = taste.stars(liked_items, passed_items) if self.likes.stars_slope else None
        p = member_like_chances(
            scores,
            self.candidates,
            taste.activity + liked_items.size,
            self.likes,
            self._offsets[u],
            stars,
        )
        return np.asarray(p, dtype=np.float64)

    def _member(self, member_id: str) -> int:
        try:
            return self.member_ids.index(member_id)
        except ValueError:
            raise NotFoundError(f"{member_id} is not in this session") from None

    def _needed(self) -> int:
        assert self.rule is not None
        return self.rule.needed(len(self.member_ids))

    def _match_chances(self) -> NDArray[np.float64]:
        q = np.where(self._votes > 0, 1.0, np.where(self._votes < 0, 0.0, self._chances))
        chance = match_chance(q, self._needed())
        chance[~self.candidates] = -1.0
        chance[self.matches] = -1.0
        return chance

    # ----- the two things a room does ---------------------------------------------------------

    def next_card(self, member_id: str | None = None) -> Card | None:
        """The likeliest match that ``member_id`` (or, for a lockstep deck, nobody) has not swiped;
        None when the deck is exhausted."""
        chance = self._match_chances()
        if member_id is None:
            chance[(self._votes != 0).any(axis=0)] = -1.0
        else:
            chance[self._votes[self._member(member_id)] != 0] = -1.0
        best = int(np.lexsort((self._tiebreak, -chance))[0])
        if chance[best] < 0:
            return None
        return Card(best, float(chance[best]), self._reason(member_id, best))

    def record(self, member_id: str, item: int, liked: bool) -> bool:
        """Record a swipe; True when it makes ``item`` a match (matches are kept in order)."""
        u = self._member(member_id)
        if not 0 <= item < self.candidates.shape[0] or not self.candidates[item]:
            raise NotFoundError(f"film {item} is not in this deck")
        if self._votes[u, item] != 0:
            raise ConflictError(f"{member_id} already swiped film {item}")
        if item not in self.shown:
            self.shown.append(item)
        was = self._chances[u, item]
        self._votes[u, item] = 1 if liked else -1
        if liked:
            self._chances[u] = self._member_chances(u)
        elif self.pass_learning:
            self._offsets[u] -= self.pass_learning * was
            self._chances[u] = self._member_chances(u)
        if item not in self.matches and (self._votes[:, item] > 0).sum() >= self._needed():
            self.matches.append(item)
            return True
        return False

    def add_member(self, member_id: str, taste: MemberTaste, name: str | None = None) -> None:
        """Someone joins the room after swiping began. They start with no swipes; the matches so
        far stay matches, and from now on the rule counts them (``everyone`` includes them)."""
        if member_id in self.member_ids:
            raise ConflictError(f"{member_id} is in this session already")
        assert self.names is not None
        self.member_ids = (*self.member_ids, member_id)
        self.names = (*self.names, name or member_id)
        self.tastes = [*self.tastes, taste]
        u = len(self.member_ids) - 1
        self._votes = np.vstack([self._votes, np.zeros((1, self._votes.shape[1]), np.int8)])
        self._offsets = np.append(self._offsets, 0.0)
        self._chances = np.vstack([self._chances, np.zeros((1, self._chances.shape[1]))])
        self._chances[u] = self._member_chances(u)
        self._initial_chances = np.vstack([self._initial_chances, self._chances[u]])

    def swiped_by(self, member_id: str) -> int:
        """How many cards ``member_id`` has swiped (everyone may see how far the others are)."""
        return int((self._votes[self._member(member_id)] != 0).sum())

    # ----- why this card ----------------------------------------------------------------------

    def _reason(self, member_id: str | None, item: int) -> CardReason:
        """From this member's own chances only: did their likes lift the card for them?"""
        if member_id is None:
            return CardReason.LIKELIEST
        u = self._member(member_id)
        lifted = self._chances[u, item] > self._initial_chances[u, item] + 1e-12
        return CardReason.MOVED_UP if lifted else CardReason.LIKELIEST

    def votes_for(self, item: int) -> dict[str, bool]:
        """Who has swiped ``item`` so far, and how (for the engine and tests; a front end shows it
        only once the card is a match)."""
        return {
            self.member_ids[u]: bool(self._votes[u, item] > 0)
            for u in np.flatnonzero(self._votes[:, item] != 0)
        }


@dataclass(frozen=True)
class FixedTaste:
    """A member whose scores do not learn from swipes (tests, and scorers without fold-in)."""

    base: FloatArray
    activity: float = 0.0

    stars_row: FloatArray | None = None

    def scores(self, liked: IntArray, passed: IntArray) -> NDArray[np.floating]:
        return self.base

    def stars(self, liked: IntArray, passed: IntArray) -> NDArray[np.floating] | None:
        return self.stars_row
