"""The ``eval groups`` protocol: how well each strategy serves every member of a group.

On the same per-user split as ``eval individual``: groups of each size are drawn three ways
(random, similar, divergent by mean pairwise taste correlation; see ``group_draw``).
Candidates are films no member rated in train; a film is relevant to a member when their test
rating is ≥ 4 and it is a candidate. Groups where
some member has no relevant candidate are left out and counted. For each strategy: the mean over
groups of the mean-member and of the min-member nDCG@k, and the share of groups where some member
gets nothing relevant in the top k.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reelmates.eval.group_draw import Affinity, GroupKind, draw_groups
from reelmates.taste.base import Scorer
from reelmates.taste.matrix import RatingsMatrix
from reelmates.together.strategies import DEFAULT_FAIR, FairParams, Strategy, rank_group

RELEVANT_STARS = 4.0


@dataclass(frozen=True)
class GroupScore:
    kind: GroupKind
    size: int
    strategy: Strategy
    groups: int  # judged
    left_out: int  # drawn but some member had nothing relevant
    mean_ndcg: float
    min_ndcg: float
    nothing_share: float  # groups where some member gets nothing relevant in the top k


@dataclass(frozen=True)
class GroupCase:
    """One drawn group with what the strategies need; built once, judged for every strategy."""

    members: tuple[int, ...]
    scores: NDArray[np.float32]
    candidates: NDArray[np.bool_]
    relevant: tuple[frozenset[int], ...]


def member_ndcg(ranked: Sequence[int], relevant: frozenset[int], k: int) -> float:
    """Binary-gain nDCG@k of one list for one member."""
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = sum(discount[j] for j, item in enumerate(ranked[:k]) if item in relevant)
    return float(dcg / discount[: min(len(relevant), k)].sum())


def build_case(
    members: tuple[int, ...], train: RatingsMatrix, test: RatingsMatrix, scorer: Scorer
) -> GroupCase | None:
    """The group's scores, candidates and relevant sets, or None when someone has nothing."""
    tr = train.ratings
    candidates = np.ones(train.n_items, dtype=bool)
    for u in members:
        candidates[tr.indices[tr.indptr[u] : tr.indptr[u + 1]]] = False
    relevant = []
    for u in members:
        items, stars = test.history(u)
        liked = items[(stars >= RELEVANT_STARS) & candidates[items]]
        if liked.size == 0:
            return None
        relevant.append(frozenset(liked.tolist()))
    scores = scorer.score_users(np.array(members))
    return GroupCase(members, scores, candidates, tuple(relevant))


def judge(
    case: GroupCase, strategy: Strategy, k: int, fair: FairParams
) -> tuple[float, float, bool]:
    """(mean-member nDCG, min-member nDCG, someone got nothing relevant) for one list."""
    ranked = rank_group(case.scores, case.candidates, k, strategy, fair).items.tolist()
    per_member = [member_ndcg(ranked, rel, k) for rel in case.relevant]
    return float(np.mean(per_member)), min(per_member), min(per_member) == 0.0


def group_cases(
    train: RatingsMatrix,
    test: RatingsMatrix,
    scorer: Scorer,
    *,
    sizes: Sequence[int],
    kinds: Sequence[GroupKind],
    n_groups: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[GroupKind, int, list[GroupCase], int]]:
    """For each (kind, size), in that order: the judged groups and how many were left out.

    The draws of a cell depend only on ``seed``, the size and the kind, so every protocol built on
    this judges the very same groups. ``progress`` is called with 1 for each group built.
    """
    affinity = Affinity.from_ratings(train)
    pool = np.flatnonzero(np.diff(train.ratings.indptr) > 0).astype(np.int64)
    for kind in kinds:
        pair_score, threshold = affinity.admissible(kind), affinity.threshold(kind)
        for size in sizes:
            rng = np.random.default_rng([seed, size, list(GroupKind).index(kind)])
            cases: list[GroupCase] = []
            left_out = 0
            drawn: set[tuple[int, ...]] = set()
            # Bounded by draws, not by distinct groups: a small community may have only a few
            # admissible groups, drawn again and again.
            for draws, members in enumerate(draw_groups(pool, size, pair_score, threshold, rng)):
                if len(cases) == n_groups or draws > 50 * n_groups:
                    break
                if members in drawn:
                    continue
                drawn.add(members)
                case = build_case(members, train, test, scorer)
                if case is None:
                    left_out += 1
                    continue
                cases.append(case)
                if progress is not None:
                    progress(1)
            yield kind, size, cases, left_out


def evaluate_groups(
    train: RatingsMatrix,
    test: RatingsMatrix,
    scorer: Scorer,
    *,
    sizes: Sequence[int] = (2, 3, 4, 8),
    kinds: Sequence[GroupKind] = tuple(GroupKind),
    strategies: Sequence[Strategy] = tuple(Strategy),
    n_groups: int = 300,
    k: int = 10,
    seed: int = 42,
    fair: FairParams = DEFAULT_FAIR,
    progress: Callable[[int], None] | None = None,
) -> list[GroupScore]:
    """One row per (kind, size, strategy); ``scorer`` must be fitted on ``train``.

    ``progress`` is called with the number of groups judged since the last call.
    """
    rows: list[GroupScore] = []
    for kind, size, cases, left_out in group_cases(
        train, test, scorer, sizes=sizes, kinds=kinds, n_groups=n_groups, seed=seed,
        progress=progress,
    ):  # fmt: skip
        for strategy in strategies:
            results = np.array([judge(c, strategy, k, fair) for c in cases], dtype=float)
            if results.size == 0:
                results = np.full((1, 3), np.nan)
            rows.append(
                GroupScore(
                    kind=kind,
                    size=size,
                    strategy=strategy,
                    groups=len(cases),
                    left_out=left_out,
                    mean_ndcg=float(np.mean(results[:, 0])),
                    min_ndcg=float(np.mean(results[:, 1])),
                    nothing_share=float(np.mean(results[:, 2])),
                )
            )
    return rows


def pooled(
    rows: Sequence[GroupScore], kind: GroupKind, sizes: Sequence[int]
) -> dict[Strategy, tuple[float, float]]:
    """Group-weighted (mean-member, min-member) nDCG per strategy over ``sizes`` of one kind."""
    out: dict[Strategy, tuple[float, float]] = {}
    for strategy in {r.strategy for r in rows}:
        sel = [r for r in rows if r.kind is kind and r.size in sizes and r.strategy is strategy]
        n = sum(r.groups for r in sel)
        if n:
            out[strategy] = (
                sum(r.mean_ndcg * r.groups for r in sel) / n,
                sum(r.min_ndcg * r.groups for r in sel) / n,
            )
    return out


def _finite_mean(values: list[float]) -> float:
    """The mean over the seeds that have a figure (a seed with no groups in a cell has none)."""
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


def mean_over_seeds(runs: Sequence[Sequence[GroupScore]]) -> list[GroupScore]:
    """One row per (kind, size, strategy): the mean over runs (seeds) of each figure; judged and
    left-out groups summed. Every run must have the same rows in the same order."""
    out: list[GroupScore] = []
    for cells in zip(*runs, strict=True):
        first = cells[0]
        key = (first.kind, first.size, first.strategy)
        assert all((c.kind, c.size, c.strategy) == key for c in cells)
        out.append(
            GroupScore(
                kind=first.kind,
                size=first.size,
                strategy=first.strategy,
                groups=sum(c.groups for c in cells),
                left_out=sum(c.left_out for c in cells),
                mean_ndcg=_finite_mean([c.mean_ndcg for c in cells]),
                min_ndcg=_finite_mean([c.min_ndcg for c in cells]),
                nothing_share=_finite_mean([c.nothing_share for c in cells]),
            )
        )
    return out
