"""A group's ranked picks: strategy + filters + vetoes + seen policy + watchlists + reasons.

:func:`rank_for_group` is pure over arrays (members × films scores and predicted stars);
:class:`GroupRanker` feeds it from a fitted taste scorer by folding in each member's ratings.
Members are processed in a canonical order (by id) so the result never depends on the order
they were listed in; per-member fields come back in the caller's order.

A film a member rated is ranked on their own rating (``together.seen``) and shows their own
stars, marked as theirs; a private member's stars are always the prediction. Each pick carries
the figure the order follows (``fit``, never rising down the list) and each member's chance of
liking it, the per-member figures that fit is made of (``together.strategies``).

With the group's past nights (``history``) and the nudge on (``nudge``, the default), the member
served least so far weighs a little more (``together.turns``): the ranking carries the turn note
("Milly's turn: the last three picks suited Jess better"), and so does each pick that suits that
member better than anyone else in the group (their chance of liking it is the highest).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from reelmates.errors import ReelmatesError
from reelmates.taste.base import Scorer
from reelmates.together.explain import Explainer, seen_note, watchlist_note
from reelmates.together.fold import histories
from reelmates.together.inputs import BoolArray, Filters, IntArray, ItemFacts, Member, SeenPolicy
from reelmates.together.likes import LikeModel
from reelmates.together.masks import candidate_mask
from reelmates.together.reasons import Reason, SeenNote, TurnNote, WatchlistNote
from reelmates.together.seen import own_rating_scores
from reelmates.together.shortlist import fair_rank_lifted
from reelmates.together.stars import picked_stars
from reelmates.together.strategies import (
    DEFAULT_FAIR,
    DEFAULT_STRATEGY,
    FairParams,
    Strategy,
    rank_group,
)
from reelmates.together.turns import (
    DEFAULT_NUDGE,
    Nudge,
    NudgeParams,
    PastNight,
    film_chances,
    no_nudge,
    nudge_for_members,
)
from reelmates.together.watchlists import WATCHLIST_RANK, boost_watchlists

# Either the full members × films stars matrix or a function giving it for some films only
# (cheaper when the catalog is large and only the top k are shown).
StarsSource = NDArray[np.floating] | Callable[[IntArray], NDArray[np.floating]]


@dataclass(frozen=True)
class Pick:
    item: int
    title: str
    score: float  # the strategy's group score (only its order matters)
    # Each member's stars, in the caller's member order: their own rating when they rated it
    # (``rated``), else the prediction (always the prediction for a private member).
    stars: tuple[float, ...]
    reasons: tuple[Reason, ...]  # one per member (empty when no explainer was given)
    seen: tuple[SeenNote, ...]  # each member who has seen it, with their stars (never private)
    watchlist: WatchlistNote | None  # whose watchlists it is on (private members never named)
    rated: tuple[bool, ...] = ()  # per member: ``stars`` is their own rating
    fit: float = float("nan")  # the figure the order follows, 0–1, never rising down the list
    chances: tuple[float, ...] = ()  # per member: their chance of liking it, 0–1
    turn: TurnNote | None = None  # it is someone's turn, and this film suits them best


@dataclass(frozen=True)
class GroupRanking:
    members: tuple[str, ...]
    strategy: Strategy
    picks: tuple[Pick, ...]
    candidates: int  # films that passed filters, vetoes and the seen policy
    turn: TurnNote | None = None  # whose turn it is (the nudge over many nights), if anyone's


def rank_for_group(
    scores: NDArray[np.floating],
    stars: StarsSource | None,
    members: Sequence[Member],
    facts: ItemFacts,
    *,
    k: int = 10,
    strategy: Strategy = DEFAULT_STRATEGY,
    filters: Filters | None = None,
    seen_policy: SeenPolicy = SeenPolicy.PREFER_UNSEEN,
    watchlist_rank: int | None = WATCHLIST_RANK,
    explainer: Explainer | None = None,
    fair: FairParams = DEFAULT_FAIR,
    history: Sequence[PastNight] = (),
    nudge: NudgeParams | None = DEFAULT_NUDGE,
    allowed: BoolArray | None = None,
) -> GroupRanking:
    """The group's top ``k`` films. ``scores[u]`` belongs to ``members[u]``.

    ``history``: the group's past nights, oldest first (``together.turns.PastNight``); ``nudge``
    None turns the nudge off. ``allowed`` (optional, one flag per film) restricts the candidates
    before ranking, as vetoes do (e.g. to the films the group can watch tonight), so ``k`` films
    still come back when that many pass."""
    if scores.shape != (len(members), facts.n_items):
        raise ReelmatesError(
            f"scores {scores.shape} do not match {len(members)} members × {facts.n_items} films"
        )
    ids = [m.id for m in members]
    if len(set(ids)) != len(ids):
        raise ReelmatesError("a member is listed twice")
    canon = sorted(range(len(members)), key=lambda u: ids[u])
    ordered = [members[u] for u in canon]
    raw = scores if canon == sorted(canon) else scores[canon]
    in_order = own_rating_scores(raw, ordered)
    if allowed is not None and allowed.shape != (facts.n_items,):
        raise ReelmatesError(f"allowed: {allowed.size} flags for {facts.n_items} films")
    cand = candidate_mask(
        ordered, facts, filters=filters, seen_policy=seen_policy, extra=allowed, scores=in_order
    )
    # The model's own scores, never a rating in place of one (a private member's ratings must not
    # show through the turn note; a rating given counts as itself in the nudge).
    turn = _nudge(history, nudge, raw, cand, ordered, fair.likes(k))
    weights = turn.weights if turn.active else None
    if strategy is Strategy.FAIR:
        watchlists = [m.watchlist for m in ordered]
        ranked = fair_rank_lifted(in_order, cand, k, watchlists, watchlist_rank, fair, weights)
    else:
        boosted = boost_watchlists(in_order, ordered, cand, watchlist_rank)
        ranked = rank_group(boosted, cand, k, strategy, fair, weights)
    items = ranked.items
    star_rows = _stars(stars, items, len(members))
    own = np.full(star_rows.shape, np.nan)
    for u, m in enumerate(members):
        if not m.private:  # a private member's ratings are never shown (reelmates.privacy)
            own[u] = [np.nan if (s := m.stars_for(i)) is None else s for i in items.tolist()]
    rated = np.isfinite(own)
    star_rows = np.where(rated, own, star_rows)
    chances = np.full(star_rows.shape, np.nan)
    if ranked.chances is not None:
        chances[canon] = ranked.chances  # canonical rows back to the caller's order
    fit = ranked.fit if ranked.fit is not None else np.full(items.size, np.nan)
    reasons = explainer.reasons_for(members, items) if explainer else [[] for _ in members]
    watch = [set(m.watchlist.tolist()) for m in ordered]
    # The turn member's row in the caller's order: a pick suits them best when their chance of
    # liking it is above every other member's.
    turn_row = None if turn.turn_index is None else canon[turn.turn_index]
    suits = [
        turn_row is not None and _suits_best(chances[:, j], turn_row) for j in range(items.size)
    ]
    picks = []
    for j, item in enumerate(items.tolist()):
        # Who has seen it; their rating is already in ``stars`` (marked ``rated``), so the note
        # does not repeat it.
        notes = tuple(SeenNote(n.member) for m in members if (n := seen_note(m, item)) is not None)
        wl = [m.name for m, w in zip(ordered, watch, strict=True) if item in w and not m.private]
        picks.append(
            Pick(
                item=item,
                title=facts.title(item),
                score=float(ranked.scores[j]),
                stars=tuple(float(star_rows[u, j]) for u in range(len(members))),
                reasons=tuple(r[j] for r in reasons if r),
                seen=notes,
                watchlist=watchlist_note(wl),
                rated=tuple(bool(rated[u, j]) for u in range(len(members))),
                fit=float(fit[j]),
                chances=tuple(float(chances[u, j]) for u in range(len(members))),
                turn=turn.turn if suits[j] else None,
            )
        )
    return GroupRanking(
        members=tuple(m.name for m in members),
        strategy=strategy,
        picks=tuple(picks),
        candidates=int(np.count_nonzero(cand)),
        turn=turn.turn,
    )


def _nudge(
    history: Sequence[PastNight],
    params: NudgeParams | None,
    scores: NDArray[np.floating],
    candidates: BoolArray,
    ordered: Sequence[Member],
    likes: LikeModel,
) -> Nudge:
    """The nudge for the members in canonical order (``ordered``, the rows of ``scores``): each
    past night's film is judged as it ranks for them among tonight's ``candidates``."""
    if params is None or not history:
        return no_nudge(len(ordered))
    n_items = scores.shape[1]
    if any(n.item is not None and not 0 <= n.item < n_items for n in history):
        raise ReelmatesError(f"a past night's film is not one of the {n_items} films")

    def chances(items: IntArray) -> NDArray[np.float64]:
        return film_chances(scores, candidates, items, likes)

    return nudge_for_members(history, ordered, chances, params)


def _suits_best(chances: NDArray[np.float64], member: int) -> bool:
    others = np.delete(chances, member)
    return bool(np.isfinite(chances[member]) and (chances[member] > others).all())


def _stars(stars: StarsSource | None, items: IntArray, n_members: int) -> NDArray[np.float64]:
    if stars is None:
        return np.full((n_members, items.size), np.nan)
    if callable(stars):
        return np.asarray(stars(items), dtype=np.float64).reshape(n_members, items.size)
    return np.asarray(stars[:, items], dtype=np.float64)


@dataclass(frozen=True)
class GroupRanker:
    """Ranks for groups with a fitted taste scorer (members folded in from their ratings)."""

    scorer: Scorer
    facts: ItemFacts

    def score(self, members: Sequence[Member]) -> tuple[NDArray[np.float32], sp.csr_matrix]:
        hist = histories(members, self.facts.n_items)
        return self.scorer.score_matrix(hist), hist

    def rank(
        self,
        members: Sequence[Member],
        *,
        k: int = 10,
        strategy: Strategy = DEFAULT_STRATEGY,
        filters: Filters | None = None,
        seen_policy: SeenPolicy = SeenPolicy.PREFER_UNSEEN,
        explain: bool = True,
        history: Sequence[PastNight] = (),
        nudge: bool = True,
        allowed: BoolArray | None = None,
    ) -> GroupRanking:
        """The group's picks; ``history`` (the group's past nights, oldest first) nudges them
        toward the member served least so far unless ``nudge`` is False; ``allowed`` restricts
        the candidates (see :func:`rank_for_group`)."""
        scores, hist = self.score(members)
        # Stars only for the picks, from the scores in hand: no second scoring of the catalog.
        stars = picked_stars(self.scorer, hist, scores)
        explainer = Explainer(self.scorer.item_similarity, self.facts) if explain else None
        return rank_for_group(
            scores,
            stars,
            members,
            self.facts,
            k=k,
            strategy=strategy,
            filters=filters,
            seen_policy=seen_policy,
            explainer=explainer,
            history=history,
            nudge=DEFAULT_NUDGE if nudge else None,
            allowed=allowed,
        )
