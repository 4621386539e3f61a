"""Use case: a person's own top films, folded in from their current ratings (no retraining).

One request folds the person in once and scores the catalog once: the same scores rank the films
and feed the stars, which are computed for the films shown only. The films on offer are chosen by
the group engine's own candidate mask, so filters, the person's stored vetoes and this request's
vetoes mean what they mean for a group; films they have seen (rated or marked) are never offered.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from sqlalchemy.orm import Session

from reelmates.services.taste import TasteContext
from reelmates.services.threads import one_blas_thread
from reelmates.services.together import GroupOptions, load_member
from reelmates.taste.base import top_k
from reelmates.together.explain import Explainer
from reelmates.together.fold import histories
from reelmates.together.inputs import Filters, SeenPolicy
from reelmates.together.masks import candidate_mask, runtime_unknown
from reelmates.together.reasons import Reason
from reelmates.together.stars import picked_stars


@dataclass(frozen=True)
class PersonalOptions:
    """What one person's pick may include, beyond their stored vetoes (which always apply)."""

    filters: Filters = field(default_factory=Filters)
    vetoed_films: frozenset[int] = frozenset()  # film ids, for this request
    vetoed_genres: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PersonalPick:
    film_id: int
    title: str
    year: int | None
    stars: float  # predicted, 0.5–5
    reason: Reason  # cites model items, with their titles (see together.reasons)
    # A --max-runtime was asked for and this film's runtime is not known: it is shown (a film is
    # never hidden for a fact we lack), marked so.
    runtime_unknown: bool = False


def recommend_for_person(
    session: Session,
    context: TasteContext,
    handle: str,
    k: int = 10,
    options: PersonalOptions | None = None,
) -> list[PersonalPick]:
    """Top ``k`` unseen films for ``handle`` that pass ``options`` and their vetoes: read their
    ratings, fold in, rank, stars and reasons for the films shown."""
    options = options or PersonalOptions()
    catalog, scorer = context.catalog, context.scorer
    request = GroupOptions(
        vetoed_films={handle: options.vetoed_films}, vetoed_genres={handle: options.vetoed_genres}
    )
    member = load_member(session, catalog, handle, request)
    facts = catalog.facts
    allowed = candidate_mask(
        [member], facts, filters=options.filters, seen_policy=SeenPolicy.HIDE_IF_ANY
    )
    with one_blas_thread():
        hist = histories([member], facts.n_items)
        scores = scorer.score_matrix(hist)
        top, _ = top_k(scores[0], k, ~allowed)
        stars_for = picked_stars(scorer, hist, scores)
        predicted = stars_for(top)[0] if stars_for else np.full(top.size, np.nan)
        # A personal pick is the member's own: it cites their films even when they are private.
        own = replace(member, private=False)
        reasons = Explainer(scorer.item_similarity, facts).reasons(own, top)
    unknown = runtime_unknown(options.filters, facts, top)
    picks = []
    for item, star, reason, no_runtime in zip(
        top.tolist(), predicted.tolist(), reasons, unknown.tolist(), strict=True
    ):
        film_id = int(catalog.film_ids[item])
        picks.append(
            PersonalPick(
                film_id=film_id,
                title=facts.title(item),
                year=catalog.years.get(film_id),
                stars=float(star),
                reason=reason,
                runtime_unknown=bool(no_runtime),
            )
        )
    return picks
