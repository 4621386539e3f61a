"""Which films may be shown to a group: filters, vetoes and the seen policy as boolean masks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from reelmates.together.inputs import BoolArray, Filters, ItemFacts, Member, SeenPolicy


def seen_counts(members: Sequence[Member], n_items: int) -> np.ndarray:
    """How many members have seen each film."""
    counts = np.zeros(n_items, dtype=np.int32)
    for m in members:
        counts[np.unique(m.seen)] += 1
    return counts


def veto_mask(members: Sequence[Member], facts: ItemFacts) -> BoolArray:
    """Films some member vetoed, directly or through a genre. Absolute: no strategy sees them."""
    vetoed = np.zeros(facts.n_items, dtype=bool)
    genres: frozenset[str] = frozenset()
    for m in members:
        vetoed[m.vetoed_items] = True
        genres |= m.vetoed_genres
    return vetoed | facts.genre_mask(genres)


def filter_mask(filters: Filters, facts: ItemFacts) -> BoolArray:
    """Films that pass the filters (unknown facts pass)."""
    keep = np.ones(facts.n_items, dtype=bool)
    if filters.genres_in:
        keep &= facts.genre_mask(filters.genres_in)
    if filters.genres_out:
        keep &= ~facts.genre_mask(filters.genres_out)
    if (filters.year_min is not None or filters.year_max is not None) and facts.years is not None:
        years = facts.years
        with np.errstate(invalid="ignore"):
            if filters.year_min is not None:
                keep &= ~(years < filters.year_min)
            if filters.year_max is not None:
                keep &= ~(years > filters.year_max)
    if filters.max_runtime is not None and facts.runtimes is not None:
        with np.errstate(invalid="ignore"):
            keep &= ~(facts.runtimes > filters.max_runtime)
    return keep


def candidate_mask(
    members: Sequence[Member],
    facts: ItemFacts,
    *,
    filters: Filters | None = None,
    seen_policy: SeenPolicy = SeenPolicy.UNLESS_ALL,
    extra: BoolArray | None = None,
) -> BoolArray:
    """Films a group may be offered; ``extra`` (optional) restricts further (a catalog subset)."""
    keep = ~veto_mask(members, facts)
    if filters is not None and not filters.empty:
        keep &= filter_mask(filters, facts)
    if seen_policy is not SeenPolicy.SHOW_ALL and members:
        counts = seen_counts(members, facts.n_items)
        limit = 1 if seen_policy is SeenPolicy.HIDE_IF_ANY else len(members)
        keep &= counts < limit
    if extra is not None:
        keep &= extra
    return keep
