"""Who should I see this with? People ranked for a film, and the best person-and-film pairing.

Pure over predicted stars (people × films). A pair's film is scored by the less keen of the two
first (so neither of you sits through something you would not enjoy), then by the keener one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from reelmates.errors import ReelmatesError
from reelmates.together.explain import Explainer, seen_note
from reelmates.together.inputs import BoolArray, ItemFacts, Member, SeenPolicy
from reelmates.together.masks import candidate_mask
from reelmates.together.reasons import Reason, ReasonKind, SeenNote


@dataclass(frozen=True)
class Companion:
    id: str
    name: str
    stars: float  # their stars if they rated it, else predicted
    seen: bool
    reason: Reason | SeenNote  # their seen note when they have (and are not private)


@dataclass(frozen=True)
class Pairing:
    id: str
    name: str
    item: int
    title: str
    your_stars: float
    their_stars: float
    reasons: tuple[Reason, ...]  # yours, then theirs (empty without an explainer)


def rank_companions(
    film: int,
    people: Sequence[Member],
    stars: NDArray[np.floating],
    *,
    explainer: Explainer | None = None,
) -> list[Companion]:
    """``people`` ordered by how much each would enjoy ``film`` (``stars[j]``: person j's
    predicted stars for it). Someone who rated it counts with their own stars, unless they are
    private: then their predicted stars stand in, so their rating never shows."""
    if len(stars) != len(people):
        raise ReelmatesError("one predicted rating per person is needed")
    out = []
    for person, predicted in zip(people, np.asarray(stars, dtype=float).tolist(), strict=True):
        own = person.stars_for(film)
        rated = own is not None and np.isfinite(own) and not person.private
        value = float(own) if rated and own is not None else float(predicted)
        note = seen_note(person, film)
        reason: Reason | SeenNote
        if note is not None:
            reason = note
        elif explainer is not None:
            reason = explainer.reasons(person, np.array([film], dtype=np.intp))[0]
        else:
            reason = Reason(person.name, ReasonKind.ESTIMATE, stars=float(predicted))
        seen = own is not None and not person.private
        out.append(Companion(person.id, person.name, value, seen, reason))
    out.sort(key=lambda c: (-c.stars, c.id))
    return out


def pair_value(a: NDArray[np.floating], b: NDArray[np.floating]) -> NDArray[np.float64]:
    """The less keen member's stars, ties broken by the keener one's."""
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    return np.asarray(lo + 1e-3 * hi, dtype=np.float64)


def best_pairings(
    person: Member,
    others: Sequence[Member],
    stars: NDArray[np.floating],
    facts: ItemFacts,
    *,
    k: int = 5,
    allowed: BoolArray | None = None,
    explainer: Explainer | None = None,
) -> list[Pairing]:
    """The best film for ``person`` with each of ``others``, the ``k`` best pairings first.

    ``stars`` is (1 + len(others)) × films: row 0 is ``person``. A film either of the pair has
    seen, or vetoed, is never offered; ``allowed`` further restricts (filters).
    """
    if stars.shape != (1 + len(others), facts.n_items):
        raise ReelmatesError("stars must have one row for the person and one per other person")
    pairings = []
    for j, other in enumerate(others, start=1):
        pair = [person, other]
        ok = candidate_mask(pair, facts, seen_policy=SeenPolicy.HIDE_IF_ANY, extra=allowed)
        if not ok.any():
            continue
        value = np.where(ok, pair_value(stars[0], stars[j]), -np.inf)
        item = int(np.argmax(value))
        pairings.append(
            Pairing(
                other.id,
                other.name,
                item,
                facts.title(item),
                float(stars[0, item]),
                float(stars[j, item]),
                (),
            )
        )
    pairings.sort(
        key=lambda p: (-float(pair_value(np.array(p.your_stars), np.array(p.their_stars))), p.id)
    )
    best = pairings[:k]
    if explainer is None or not best:
        return best
    # Your reasons are one list, so they vary the films they cite; theirs are one line each.
    yours = explainer.reasons(person, np.array([p.item for p in best], dtype=np.intp))
    by_id = {m.id: m for m in others}
    return [
        replace(p, reasons=(mine, explainer.reasons(by_id[p.id], np.array([p.item]))[0]))
        for p, mine in zip(best, yours, strict=True)
    ]
