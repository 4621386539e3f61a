"""Which films may be shown to a group: filters, vetoes and the seen policy as boolean masks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from reelmates.together.inputs import BoolArray, Filters, IntArray, ItemFacts, Member, SeenPolicy
from reelmates.together.seen import rewatch_mask


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


def runtime_unknown(filters: Filters | None, facts: ItemFacts, items: IntArray) -> BoolArray:
    """For each of ``items``: a maximum runtime was asked for and the film's runtime is unknown.

    Such films pass the filter (we do not hide a film for a fact we lack); front ends say
    "runtime unknown" beside them, so the filter is never silently not applied.
    """
    picked = np.asarray(items, dtype=np.intp)
    if filters is None or filters.max_runtime is None:
        return np.zeros(picked.size, dtype=bool)
    if facts.runtimes is None:
        return np.ones(picked.size, dtype=bool)
    return np.asarray(np.isnan(facts.runtimes[picked]), dtype=bool)


def candidate_mask(
    members: Sequence[Member],
    facts: ItemFacts,
    *,
    filters: Filters | None = None,
    seen_policy: SeenPolicy = SeenPolicy.PREFER_UNSEEN,
    extra: BoolArray | None = None,
    scores: NDArray[np.floating] | None = None,
) -> BoolArray:
    """Films a group may be offered; ``extra`` (optional) restricts further (a catalog subset).

    :attr:`SeenPolicy.PREFER_UNSEEN` needs the group's ``scores`` (row u is ``members[u]``'s, own
    ratings in, see ``together.seen``) to tell a clear rewatch; without them it hides every film
    anyone has seen. Film vetoes and seen films are cleared by index, so without genre vetoes or
    filters this costs one pass over the catalog, not one per rule.
    """
    keep = np.ones(facts.n_items, dtype=bool)
    for m in members:  # a veto is absolute: no strategy ever sees the film
        keep[m.vetoed_items] = False
    genres = frozenset().union(*(m.vetoed_genres for m in members))
    if genres:
        keep &= ~facts.genre_mask(genres)
    if filters is not None and not filters.empty:
        keep &= filter_mask(filters, facts)
    for m in members:  # a private member's seen films would give away what they have seen
        if m.private:
            keep[m.seen] = False
    if seen_policy is SeenPolicy.HIDE_IF_ANY or (
        seen_policy is SeenPolicy.PREFER_UNSEEN and scores is None
    ):
        for m in members:
            keep[m.seen] = False
    elif seen_policy in (SeenPolicy.UNLESS_ALL, SeenPolicy.PREFER_UNSEEN) and members:
        everyone = set(members[0].seen.tolist()).intersection(
            *(m.seen.tolist() for m in members[1:])
        )
        keep[list(everyone)] = False
    if extra is not None:
        keep &= extra
    if seen_policy is SeenPolicy.PREFER_UNSEEN and scores is not None:
        keep = rewatch_mask(scores, members, keep)
    return keep
