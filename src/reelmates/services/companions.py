"""Use cases: "who should I see this with?" and "who, and what, should I see next?"."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy.orm import Session

from reelmates.errors import NotFoundError, ReelmatesError
from reelmates.services.taste import TasteContext
from reelmates.services.threads import one_blas_thread
from reelmates.services.together import GroupOptions, load_members
from reelmates.together.companions import Companion, Pairing, best_pairings, rank_companions
from reelmates.together.explain import Explainer
from reelmates.together.fold import histories
from reelmates.together.inputs import Member


def _members(session: Session, context: TasteContext, handles: Sequence[str]) -> list[Member]:
    """The people, the first being the one who asks (the viewer: they see their own details)."""
    if len(set(handles)) != len(handles):
        raise ReelmatesError("a person is listed twice")
    asking = GroupOptions(viewer=handles[0])
    return load_members(session, context.catalog, handles, asking)


def _stars(
    context: TasteContext, members: Sequence[Member], columns: Sequence[int] | None = None
) -> np.ndarray:
    """Members × films predicted stars (every film, or only ``columns``)."""
    hist = histories(members, context.catalog.facts.n_items)
    if context.scorer.stars_model is None:
        raise ReelmatesError(f"the model {context.scorer.name} predicts no stars")
    with one_blas_thread():
        stars = context.scorer.predict_stars_matrix(hist, columns=columns)
    return np.asarray(stars, dtype=np.float64)


def companions_for_film(
    session: Session, context: TasteContext, person: str, film_id: int, among: Sequence[str]
) -> list[Companion]:
    """``among`` ranked by how much each would enjoy ``film_id`` with ``person``."""
    others = [h for h in among if h != person]
    if not others:
        raise ReelmatesError("name at least one other person to choose among")
    members = _members(session, context, [person, *others])
    members = members[1:]  # ``person`` is loaded only to check they exist
    item = context.catalog.item_of.get(film_id)
    if item is None:
        raise NotFoundError(
            f"film {film_id} is newer than the taste model", hint="Run `reelmates train`."
        )
    stars = _stars(context, members, [item])[:, 0]
    explainer = Explainer(context.scorer.item_similarity, context.catalog.facts)
    return rank_companions(item, members, stars, explainer=explainer)


def pairings_for(
    session: Session, context: TasteContext, person: str, among: Sequence[str], k: int = 5
) -> list[Pairing]:
    """For ``person`` alone: the best person-and-film pairing with each of ``among``."""
    others = [h for h in among if h != person]
    if not others:
        raise ReelmatesError("name at least one other person to choose among")
    members = _members(session, context, [person, *others])
    explainer = Explainer(context.scorer.item_similarity, context.catalog.facts)
    return best_pairings(
        members[0],
        members[1:],
        _stars(context, members),
        context.catalog.facts,
        k=k,
        explainer=explainer,
    )
