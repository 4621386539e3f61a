"""Use case: a person's own top films, folded in from their current ratings (no retraining)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from reelmates.services.taste import ModelHolder
from reelmates.services.together import GroupOptions, load_member
from reelmates.services.uow import unit_of_work
from reelmates.together.explain import Explainer
from reelmates.together.reasons import Reason


@dataclass(frozen=True)
class PersonalPick:
    film_id: int
    title: str
    year: int | None
    stars: float  # predicted, 0.5–5
    reason: Reason  # cites model items, with their titles (see together.reasons)


def recommend_for_person(holder: ModelHolder, handle: str, k: int = 10) -> list[PersonalPick]:
    """Top ``k`` unseen films for ``handle``: read their ratings, fold in, rank, explain."""
    context = holder.get()
    catalog, scorer = context.catalog, context.scorer
    with unit_of_work(holder.engine, read_only=True) as session:
        member = load_member(session, catalog, handle, GroupOptions())
    rated = np.isfinite(member.seen_stars)
    items, stars = member.seen[rated], member.seen_stars[rated]
    top, _ = scorer.recommend(items, stars, k, exclude=member.seen)
    top = top[top >= 0]
    predicted = (
        scorer.predict_stars(items, stars)[top] if scorer.stars_model else np.full(top.size, np.nan)
    )
    # A personal pick is the member's own: it cites their films even when they are private.
    own = replace(member, private=False)
    reasons = Explainer(scorer.item_similarity, catalog.facts).reasons(own, top)
    picks = []
    for item, star, reason in zip(top.tolist(), predicted.tolist(), reasons, strict=True):
        film_id = int(catalog.film_ids[item])
        picks.append(
            PersonalPick(
                film_id=film_id,
                title=catalog.facts.title(item),
                year=catalog.years.get(film_id),
                stars=float(star),
                reason=reason,
            )
        )
    return picks
