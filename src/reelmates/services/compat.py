"""Use case: how well two friends' tastes go together (``together.compat`` over the model).

Both are folded in from their current ratings, with a newcomer (no ratings) as the baseline, and
their predicted stars over the whole catalog are compared. The caller has already decided that
the two are friends (``services.friends.require_friends``, in the web's dependency layer).

Privacy (:mod:`reelmates.privacy`): when the friend keeps their taste private, only the overall
figure is given (it comes from predictions, which others may see); no per-genre or per-decade
agreement and nothing about the films they rated. The viewer always sees all of their own, so a
private viewer looking at a friend who is not private sees the whole breakdown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from reelmates.services.taste import ModelMeta, TasteContext
from reelmates.services.threads import one_blas_thread
from reelmates.services.together import GroupOptions, load_member
from reelmates.store.friends import FriendSummary
from reelmates.store.people import PersonRepository
from reelmates.together.compat import Compatibility, SharedRatings, compatibility, rated_agreement
from reelmates.together.fold import histories
from reelmates.together.inputs import Member

NEWCOMER = Member(id="newcomer", name="newcomer")


@dataclass(frozen=True)
class FriendCompatibility:
    friend: FriendSummary
    private: bool  # the friend's taste is private: the overall figure only
    result: Compatibility | None  # None: no model, or it predicts no stars (``note`` says)
    shared: SharedRatings | None = None  # films both rated (never for a private friend)
    note: str | None = None
    meta: ModelMeta | None = None  # the model the figures come from

    @property
    def overall(self) -> float | None:
        return self.result.overall if self.result else None


def friend_compatibility(
    session: Session,
    context: TasteContext | None,
    me: str,
    friend: FriendSummary,
    *,
    no_model: str | None = None,
) -> FriendCompatibility:
    """``me``'s (a handle) compatibility with ``friend``, as ``me`` may see it."""
    if context is None:
        private = PersonRepository(session).preferences(friend.person_id).private
        return FriendCompatibility(
            friend, private, None, note=no_model or "there is no taste model yet"
        )
    catalog, scorer = context.catalog, context.scorer
    view = GroupOptions(viewer=me)
    mine = load_member(session, catalog, me, view)
    theirs = load_member(session, catalog, friend.handle, view)
    if scorer.stars_model is None:
        return FriendCompatibility(
            friend,
            theirs.private,
            None,
            note="this taste model predicts no stars",
            meta=context.meta,
        )
    with one_blas_thread():
        hist = histories([mine, theirs, NEWCOMER], catalog.facts.n_items)
        stars = np.asarray(scorer.predict_stars_matrix(hist), dtype=np.float64)
    result = compatibility(
        stars[:2], catalog.facts, baseline=stars[2], breakdown=not theirs.private
    )
    shared = (
        None
        if theirs.private
        else rated_agreement(mine.seen, mine.seen_stars, theirs.seen, theirs.seen_stars)
    )
    return FriendCompatibility(friend, theirs.private, result, shared, meta=context.meta)
