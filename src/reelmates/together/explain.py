"""One-line reasons: for each member, their own best-loved films most like the pick.

"Milly: like *Beaches* and *Terms of Endearment*, which you loved". A private member's line names
the films but never their stars or that they loved them ("Milly: like *Beaches*").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reelmates.together.inputs import IntArray, ItemFacts, Member

# (films, targets) -> similarity matrix (len(films), len(targets)); the taste scorer's
# ``item_similarity`` has exactly this shape.
Similarity = Callable[[IntArray, IntArray], NDArray[np.floating]]

LOVED_STARS = 4.0
MAX_LOVED = 200  # only a member's best films are searched; keeps it cheap for heavy raters


def loved_films(member: Member, limit: int = MAX_LOVED) -> IntArray:
    """A member's highest-rated films (≥ 4★, or their top fifth when nothing reaches 4★)."""
    stars = member.seen_stars
    rated = np.isfinite(stars)
    if not rated.any():
        return np.empty(0, np.intp)
    items, stars = member.seen[rated], stars[rated]
    cut = LOVED_STARS if (stars >= LOVED_STARS).any() else float(np.quantile(stars, 0.8))
    keep = stars >= cut
    items, stars = items[keep], stars[keep]
    order = np.lexsort((items, -stars))[:limit]
    return items[order]


def _join(titles: Sequence[str]) -> str:
    quoted = [f"*{t}*" for t in titles]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


@dataclass(frozen=True)
class Explainer:
    similarity: Similarity
    facts: ItemFacts
    n_films: int = 2

    def reasons(self, member: Member, picks: IntArray) -> list[str]:
        """One line per pick for ``member``."""
        loved = loved_films(member)
        if loved.size == 0 or picks.size == 0:
            return [f"{member.name}: a crowd favourite (no ratings to go on yet)" for _ in picks]
        loved = np.sort(loved)  # so the stable sort below breaks ties towards the lower index
        sims = np.asarray(self.similarity(loved, np.asarray(picks, dtype=np.intp)), dtype=float)
        sims[loved[:, None] == picks[None, :]] = -np.inf  # a film does not explain itself
        best = np.argsort(-sims, axis=0, kind="stable")[: self.n_films]
        lines = []
        for j in range(picks.size):
            chosen = [int(loved[o]) for o in best[:, j] if sims[o, j] > 0]
            lines.append(self._line(member, chosen))
        return lines

    def _line(self, member: Member, films: list[int]) -> str:
        if not films:
            return f"{member.name}: a change from your usual, liked by people with your taste"
        titles = _join([self.facts.title(f) for f in films])
        if member.private:
            return f"{member.name}: like {titles}"
        return f"{member.name}: like {titles}, which you loved"


def seen_note(member: Member, item: int) -> str | None:
    """ "Jess has seen it (5★)", without the stars for a private member; None when unseen."""
    stars = member.stars_for(item)
    if stars is None:
        return None
    if member.private or not np.isfinite(stars):
        return f"{member.name} has seen it"
    return f"{member.name} has seen it ({stars:g}★)"


def watchlist_note(names: Sequence[str]) -> str | None:
    """ "On Jess's and Sam's watchlists"; None when on nobody's."""
    if not names:
        return None
    owners = [f"{n}'s" for n in names]
    joined = owners[0] if len(owners) == 1 else f"{', '.join(owners[:-1])} and {owners[-1]}"
    return f"On {joined} watchlist" + ("s" if len(owners) > 1 else "")
