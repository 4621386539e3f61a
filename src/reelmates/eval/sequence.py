"""The sequence measure of ``eval groups``: the same group over many nights, and who is served.

Each drawn group (the very groups of the strategy table: same draws, same seeds) has
:data:`NIGHTS` successive nights. Each night it watches one film, which is then counted as watched:
it leaves the candidates of every later night. Three ways of choosing it:

- **nudge**: the first film of the default (fair) ranking with the fairness nudge of
  ``together.turns`` reading the nights so far, exactly as the app ranks with a history;
- **no nudge**: the first film of the same ranking without it (the history ignored);
- **turn-taking**: night t (from 0) goes to member t mod n (in the group's order), who gets their
  own top candidate.

What the nudge reads of a past night is each member's *chance* of liking the film as the model
ranks it for them among that night's candidates (``together.turns``): the members have not rated
it, as in the app before the ratings afterwards come in. No held-out rating is ever read while
choosing; they are kept for judging.

**Cumulative nDCG@1** of member u over the N nights: each night's film is a one-film list with
gain ``rel_u(f) = 1`` when u's held-out rating of f is ≥ 4 (and 0 otherwise), so its DCG@1 is
``rel_u(f)``; summed over the nights and normalised by the best any N nights could do for u (a
relevant film of theirs every night, while they last):

    CG_u = Σ_t rel_u(f_t) / min(N, |R_u|)

with ``R_u`` u's relevant candidates (held-out rating ≥ 4, unseen by the whole group in train), as
in the strategy table; groups where someone has none are left out there and here. In [0, 1].
The **least-served** member of a group is the one with the smallest CG_u under that way of
choosing; the **mean** is the mean of CG_u over the members. Both are averaged over the groups of a
cell, then over the seeds.

**The bar** (issue 10), on random groups of 2–4 pooled (the convention of the strategy table's
bar): the nudge lifts the least-served member's cumulative nDCG by at least 10% over no nudge,
costs the mean at most 2%, and beats turn-taking on the mean.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from reelmates.eval.group_draw import GroupKind
from reelmates.eval.groups import GroupCase, group_cases
from reelmates.taste.base import Scorer
from reelmates.taste.matrix import RatingsMatrix
from reelmates.together.inputs import Member
from reelmates.together.strategies import (
    DEFAULT_FAIR,
    DEFAULT_STRATEGY,
    FairParams,
    rank_group,
    top_k,
)
from reelmates.together.turns import (
    DEFAULT_NUDGE,
    NudgeParams,
    PastNight,
    film_chances,
    nudge_for_members,
)

NIGHTS = 10
BAR_LIFT, BAR_COST = 0.10, 0.02  # least-served lift over no nudge; the most the mean may fall


class Plan(StrEnum):
    NUDGE = "nudge"
    NO_NUDGE = "no nudge"
    TURNS = "turn-taking"


@dataclass(frozen=True)
class SequenceScore:
    kind: GroupKind
    size: int
    plan: Plan
    nudge: NudgeParams | None  # the nudge's settings (its rows only)
    groups: int
    least: float  # mean over groups of the least-served member's cumulative nDCG@1
    mean: float  # mean over groups of the members' mean cumulative nDCG@1


def members_of(case: GroupCase) -> tuple[Member, ...]:
    """The group's members as the nudge reads them (named by their row; nobody private)."""
    return tuple(Member(id=str(u), name=str(u)) for u in case.members)


def watch_nights(
    case: GroupCase,
    plan: Plan,
    *,
    nights: int = NIGHTS,
    fair: FairParams = DEFAULT_FAIR,
    nudge: NudgeParams = DEFAULT_NUDGE,
) -> list[int]:
    """The films the group watches on successive nights under ``plan`` (fewer only when the
    candidates run out)."""
    candidates = case.candidates.copy()
    members = members_of(case)
    names = [m.name for m in members]
    history: list[PastNight] = []
    watched: list[int] = []
    likes = fair.likes(1)

    def chances(items: NDArray[np.intp]) -> NDArray[np.float64]:
        return film_chances(case.scores, candidates, items, likes)

    for night in range(nights):
        if not candidates.any():
            break
        if plan is Plan.TURNS:
            u = night % len(case.members)
            film = int(top_k(case.scores[u].astype(np.float64), candidates, 1).items[0])
        else:
            weights = None
            if plan is Plan.NUDGE and history:
                planned = nudge_for_members(history, members, chances, nudge)
                weights = planned.weights if planned.active else None
            ranked = rank_group(case.scores, candidates, 1, DEFAULT_STRATEGY, fair, weights)
            film = int(ranked.items[0])
        watched.append(film)
        candidates[film] = False
        history.append(PastNight(film, dict.fromkeys(names)))  # nobody has rated it yet
    return watched


def cumulative_ndcg(
    watched: Sequence[int], relevant: Sequence[frozenset[int]], nights: int = NIGHTS
) -> NDArray[np.float64]:
    """Each member's cumulative nDCG@1 over the nights (see the module docstring)."""
    return np.array(
        [sum(f in rel for f in watched) / min(nights, len(rel)) for rel in relevant],
        dtype=np.float64,
    )


def judge_nights(
    case: GroupCase,
    plan: Plan,
    *,
    nights: int = NIGHTS,
    fair: FairParams = DEFAULT_FAIR,
    nudge: NudgeParams = DEFAULT_NUDGE,
) -> tuple[float, float]:
    """(least-served member's, members' mean) cumulative nDCG@1 of one group under ``plan``."""
    watched = watch_nights(case, plan, nights=nights, fair=fair, nudge=nudge)
    per_member = cumulative_ndcg(watched, case.relevant, nights)
    return float(per_member.min()), float(per_member.mean())


def evaluate_sequences(
    train: RatingsMatrix,
    test: RatingsMatrix,
    scorer: Scorer,
    *,
    sizes: Sequence[int] = (2, 3, 4),
    kinds: Sequence[GroupKind] = tuple(GroupKind),
    n_groups: int = 300,
    nights: int = NIGHTS,
    seed: int = 42,
    fair: FairParams = DEFAULT_FAIR,
    nudges: Sequence[NudgeParams] = (DEFAULT_NUDGE,),
    progress: Callable[[int], None] | None = None,
) -> list[SequenceScore]:
    """One row per (kind, size, plan) on the groups ``evaluate_groups`` draws with the same
    arguments; ``scorer`` fitted on ``train``. With several ``nudges`` (a search),
    the nudge rows come once per setting, in that order, after the two others."""
    rows: list[SequenceScore] = []
    for kind, size, cases, _ in group_cases(
        train, test, scorer, sizes=sizes, kinds=kinds, n_groups=n_groups, seed=seed
    ):
        runs: list[tuple[Plan, NudgeParams]] = [
            (Plan.NO_NUDGE, DEFAULT_NUDGE),
            (Plan.TURNS, DEFAULT_NUDGE),
            *((Plan.NUDGE, n) for n in nudges),
        ]
        for plan, params in runs:
            judged = [judge_nights(c, plan, nights=nights, fair=fair, nudge=params) for c in cases]
            scores = np.array(judged, dtype=float) if judged else np.full((1, 2), np.nan)
            rows.append(
                SequenceScore(
                    kind=kind,
                    size=size,
                    plan=plan,
                    nudge=params if plan is Plan.NUDGE else None,
                    groups=len(cases),
                    least=float(scores[:, 0].mean()),
                    mean=float(scores[:, 1].mean()),
                )
            )
        if progress is not None:
            progress(len(cases))
    return rows


def mean_over_seeds(runs: Sequence[Sequence[SequenceScore]]) -> list[SequenceScore]:
    """One row per (kind, size, plan): the mean over seeds of each figure (seeds with no groups
    in a cell have none), groups summed."""
    out = []
    for cells in zip(*runs, strict=True):
        first = cells[0]
        key = (first.kind, first.size, first.plan, first.nudge)
        assert all((c.kind, c.size, c.plan, c.nudge) == key for c in cells)
        out.append(
            SequenceScore(
                kind=first.kind,
                size=first.size,
                plan=first.plan,
                nudge=first.nudge,
                groups=sum(c.groups for c in cells),
                least=_finite_mean([c.least for c in cells]),
                mean=_finite_mean([c.mean for c in cells]),
            )
        )
    return out


def _finite_mean(values: list[float]) -> float:
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


@dataclass(frozen=True)
class Verdict:
    """The bar on pooled rows: each plan's group-weighted (least-served, mean)."""

    pooled: dict[Plan, tuple[float, float]]

    @property
    def lift(self) -> float:
        """The nudge's least-served cumulative nDCG over no nudge's, less 1."""
        return self.pooled[Plan.NUDGE][0] / self.pooled[Plan.NO_NUDGE][0] - 1.0

    @property
    def cost(self) -> float:
        """How much lower the nudge's mean is than no nudge's, as a share (negative: higher)."""
        return 1.0 - self.pooled[Plan.NUDGE][1] / self.pooled[Plan.NO_NUDGE][1]

    @property
    def beats_turns(self) -> bool:
        return self.pooled[Plan.NUDGE][1] > self.pooled[Plan.TURNS][1]

    @property
    def holds(self) -> bool:
        return self.lift >= BAR_LIFT and self.cost <= BAR_COST and self.beats_turns


def verdict(
    rows: Sequence[SequenceScore],
    kinds: Sequence[GroupKind],
    sizes: Sequence[int],
    nudge: NudgeParams = DEFAULT_NUDGE,
) -> Verdict:
    """The bar on the rows of ``kinds`` and ``sizes``, pooled (weighted by groups), for the
    nudge set as ``nudge``."""
    pooled: dict[Plan, tuple[float, float]] = {}
    for plan in Plan:
        sel = [
            r
            for r in rows
            if r.plan is plan
            and r.kind in kinds
            and r.size in sizes
            and (plan is not Plan.NUDGE or r.nudge == nudge)
        ]
        n = sum(r.groups for r in sel if np.isfinite(r.least))
        if n:
            pooled[plan] = (
                sum(r.least * r.groups for r in sel if np.isfinite(r.least)) / n,
                sum(r.mean * r.groups for r in sel if np.isfinite(r.least)) / n,
            )
    return Verdict(pooled)
