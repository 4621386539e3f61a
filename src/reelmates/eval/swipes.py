"""The ``eval swipes`` protocol: how many cards a group swipes before its first match.

Same per-user split as ``eval individual``. A member likes a card when their held-out rating is
≥ 4; anything else is a pass. Groups (seeded, per size) must have at least one unseen film (no
member rated it in train) that the match rule would accept. The deck is every such unseen film;
the count is the cards shown up to and including the first match. Orders compared: our adaptive
session at each member's own pace (what the live room does: members take turns, round robin from a
seeded start, and the member whose turn it is gets ``SwipeSession.next_card(member)`` given every
swipe so far; a member whose deck is exhausted is skipped; the count is the cards each member swiped
when the first match happens, ceil(total swipes / size)), the same session in lockstep (everyone
swipes the same card; for reference), random (what swipe apps do), popularity, and the static
group ranking (the default strategy's list, never updated).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from reelmates.taste.base import Scorer
from reelmates.taste.matrix import RatingsMatrix
from reelmates.together.fold import FoldInTaste
from reelmates.together.likes import DEFAULT_LIKES, LikeModel
from reelmates.together.strategies import DEFAULT_STRATEGY, Strategy, rank_group
from reelmates.together.swipes import MatchRule, SwipeSession

LIKE_STARS = 4.0


class Order(StrEnum):
    OWN_PACE = "adaptive, own pace"  # what the live room does
    ADAPTIVE = "adaptive, lockstep"  # everyone swipes the same card (reference)
    RANDOM = "random"
    POPULARITY = "popularity"
    STATIC = "static"
    STATIC_AVERAGE = "static-average"  # the plain average's first list, for reference


@dataclass(frozen=True)
class SwipeScore:
    size: int
    rule: str
    order: Order
    groups: int
    median: float
    p90: float
    mean: float


@dataclass(frozen=True)
class SwipeCase:
    members: tuple[int, ...]
    candidates: NDArray[np.bool_]
    liked: NDArray[np.bool_]  # members × films, held-out rating ≥ 4
    needed: int


def build_case(
    members: tuple[int, ...], train: RatingsMatrix, test: RatingsMatrix, rule: MatchRule
) -> SwipeCase | None:
    """The group's deck and truth, or None when no unseen film would match."""
    tr = train.ratings
    candidates = np.ones(train.n_items, dtype=bool)
    liked = np.zeros((len(members), train.n_items), dtype=bool)
    for j, u in enumerate(members):
        candidates[tr.indices[tr.indptr[u] : tr.indptr[u + 1]]] = False
        items, stars = test.history(u)
        liked[j, items[stars >= LIKE_STARS]] = True
    needed = rule.needed(len(members))
    if not ((liked.sum(axis=0) >= needed) & candidates).any():
        return None
    return SwipeCase(members, candidates, liked, needed)


def first_match(order: NDArray[np.intp], case: SwipeCase) -> int:
    """Cards shown until the first match when dealing ``order`` (1-based position)."""
    hits = case.liked[:, order].sum(axis=0) >= case.needed
    found = np.flatnonzero(hits)
    return int(found[0]) + 1 if found.size else len(order) + 1


def static_count(
    case: SwipeCase, scores: NDArray[np.float32], strategy: Strategy = DEFAULT_STRATEGY
) -> int:
    """Cards until a match down a strategy's first list."""
    n_cand = int(case.candidates.sum())
    for k in (64, n_cand):  # the greedy strategy is cheap for a short list; extend only if needed
        order = rank_group(scores, case.candidates, k, strategy).items
        count = first_match(order, case)
        if count <= len(order):
            return count
    return n_cand + 1


def _session(
    case: SwipeCase,
    train: RatingsMatrix,
    scorer: Scorer,
    seed: int,
    pass_learning: float,
    pass_stars: float | None,
    likes: LikeModel,
) -> SwipeSession:
    tastes = []
    for u in case.members:
        items, stars = train.history(u)
        tastes.append(FoldInTaste(scorer, items.astype(np.intp), stars, pass_stars=pass_stars))
    return SwipeSession(
        tuple(str(u) for u in case.members),
        tastes,
        case.candidates,
        MatchRule(case.needed),
        seed=seed,
        pass_learning=pass_learning,
        likes=likes,
    )


def lockstep(session: SwipeSession, liked: NDArray[np.bool_]) -> int:
    """Cards shown until the first match when every member swipes each card (members × films
    truth ``liked``); the deck size + 1 when nothing matches."""
    shown = 0
    while (card := session.next_card()) is not None:
        shown += 1
        matched = False
        for j, member in enumerate(session.member_ids):
            matched |= session.record(member, card.item, bool(liked[j, card.item]))
        if matched:
            return shown
    return shown + 1


@dataclass(frozen=True)
class OwnPaceRun:
    swipes: tuple[tuple[int, int], ...]  # (member index, film) in the order they were swiped
    matched: bool

    def cards_each(self, n_members: int) -> int:
        """Cards each member swiped when the first match happened: ceil(swipes / members)."""
        return math.ceil(len(self.swipes) / n_members)


def own_pace(session: SwipeSession, liked: NDArray[np.bool_], start: int) -> OwnPaceRun:
    """Members take turns from ``start`` (round robin); the member whose turn it is swipes
    ``session.next_card(member)`` by their truth ``liked``; stops at the first match, or when
    every member's deck is exhausted."""
    ids = session.member_ids
    done = [False] * len(ids)
    swipes: list[tuple[int, int]] = []
    turn = start
    while not all(done):
        j = turn % len(ids)
        turn += 1
        if done[j]:
            continue
        card = session.next_card(ids[j])
        if card is None:
            done[j] = True
            continue
        swipes.append((j, card.item))
        if session.record(ids[j], card.item, bool(liked[j, card.item])):
            return OwnPaceRun(tuple(swipes), True)
    return OwnPaceRun(tuple(swipes), False)


def adaptive_count(
    case: SwipeCase,
    train: RatingsMatrix,
    scorer: Scorer,
    seed: int,
    *,
    own: bool = False,
    pass_learning: float = 0.0,
    pass_stars: float | None = None,
    likes: LikeModel = DEFAULT_LIKES,
) -> int:
    """Cards until a match in a session where members swipe their held-out truth: in lockstep,
    or (``own``) each at their own pace, counted as cards per member."""
    session = _session(case, train, scorer, seed, pass_learning, pass_stars, likes)
    if not own:
        return lockstep(session, case.liked)
    start = int(np.random.default_rng([seed, 1]).integers(len(case.members)))
    run = own_pace(session, case.liked, start)
    if not run.matched:
        return int(case.candidates.sum()) + 1
    return run.cards_each(len(case.members))


def evaluate_swipes(
    train: RatingsMatrix,
    test: RatingsMatrix,
    scorer: Scorer,
    *,
    sizes: Sequence[int] = (2, 3, 4),
    orders: Sequence[Order] = tuple(Order),
    n_groups: int = 300,
    seed: int = 42,
    pass_learning: float = 0.0,
    pass_stars: float | None = None,
    likes: LikeModel = DEFAULT_LIKES,
    progress: Callable[[int], None] | None = None,
) -> list[SwipeScore]:
    """One row per (size, order); ``scorer`` must be fitted on ``train``."""
    pool = np.flatnonzero(np.diff(train.ratings.indptr) > 0)
    popularity = np.diff(train.ratings.tocsc().indptr)
    rows: list[SwipeScore] = []
    for size in sizes:
        rng = np.random.default_rng([seed, size])
        rule = MatchRule.default(size)
        counts: dict[Order, list[int]] = {o: [] for o in orders}
        tried: set[tuple[int, ...]] = set()
        while len(counts[orders[0]]) < n_groups and len(tried) < 100 * n_groups:
            members = tuple(sorted(int(u) for u in rng.choice(pool, size, replace=False)))
            if members in tried:
                continue
            tried.add(members)
            case = build_case(members, train, test, rule)
            if case is None:
                continue
            group_seed = int(rng.integers(2**31))
            deck = np.flatnonzero(case.candidates)
            for order in orders:
                if order is Order.RANDOM:
                    n = first_match(np.random.default_rng(group_seed).permutation(deck), case)
                elif order is Order.POPULARITY:
                    n = first_match(deck[np.lexsort((deck, -popularity[deck]))], case)
                elif order is Order.STATIC:
                    n = static_count(case, scorer.score_users(np.array(members)))
                elif order is Order.STATIC_AVERAGE:
                    scores = scorer.score_users(np.array(members))
                    n = static_count(case, scores, Strategy.AVERAGE)
                else:
                    n = adaptive_count(
                        case,
                        train,
                        scorer,
                        group_seed,
                        own=order is Order.OWN_PACE,
                        pass_learning=pass_learning,
                        pass_stars=pass_stars,
                        likes=likes,
                    )
                counts[order].append(n)
            if progress is not None:
                progress(1)
        for order in orders:
            c = np.array(counts[order], dtype=float)
            rows.append(
                SwipeScore(
                    size=size,
                    rule=rule.describe(size),
                    order=order,
                    groups=c.size,
                    median=float(np.median(c)) if c.size else float("nan"),
                    p90=float(np.percentile(c, 90)) if c.size else float("nan"),
                    mean=float(c.mean()) if c.size else float("nan"),
                )
            )
    return rows


def _finite_mean(values: list[float]) -> float:
    """The mean over the seeds that have a figure (a seed with no groups in a cell has none)."""
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


def mean_over_seeds(runs: Sequence[Sequence[SwipeScore]]) -> list[SwipeScore]:
    """One row per (size, order): the mean over runs (seeds) of the median, p90 and mean; groups
    summed. Every run must have the same rows in the same order."""
    out: list[SwipeScore] = []
    for cells in zip(*runs, strict=True):
        first = cells[0]
        assert all((c.size, c.order) == (first.size, first.order) for c in cells)
        out.append(
            SwipeScore(
                size=first.size,
                rule=first.rule,
                order=first.order,
                groups=sum(c.groups for c in cells),
                median=_finite_mean([c.median for c in cells]),
                p90=_finite_mean([c.p90 for c in cells]),
                mean=_finite_mean([c.mean for c in cells]),
            )
        )
    return out
