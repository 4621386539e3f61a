"""One-line reasons: for each member, their own best-loved films most like the pick.

"Milly: like *Beaches* and *Terms of Endearment*, which you loved". A private member's line never
cites their films: "Milly: suits Milly's taste" (see ``reelmates.privacy``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reelmates.privacy import PRIVATE_REASON
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
        return self.reasons_for([member], picks)[0]

    def reasons_for(self, members: Sequence[Member], picks: IntArray) -> list[list[str]]:
        """One line per pick for each member, from one similarity call for the whole group."""
        picks = np.asarray(picks, dtype=np.intp)
        loved = [loved_films(m) for m in members]
        # Sorted, so the stable sort below breaks ties towards the lower index.
        union = np.unique(np.concatenate([np.empty(0, np.intp), *loved]))
        if union.size == 0 or picks.size == 0:
            return [[self._line(m, None) for _ in picks] for m in members]
        sims = np.asarray(self.similarity(union, picks), dtype=float)
        sims[union[:, None] == picks[None, :]] = -np.inf  # a film does not explain itself
        # members × picks × union, each member seeing only their own loved films.
        own = np.zeros((len(members), union.size), dtype=bool)
        for u, films in enumerate(loved):
            own[u, np.searchsorted(union, films)] = True
        mine = np.where(own[:, None, :], sims.T[None, :, :], -np.inf)
        # The n_films most alike, best first; argmax takes the first maximum, so ties go to the
        # lower film index (and one argmax per film beats sorting every loved film).
        best = np.empty((*mine.shape[:2], self.n_films), dtype=np.intp)
        value = np.empty(best.shape)
        for j in range(self.n_films):
            best[..., j] = np.argmax(mine, axis=2)
            value[..., j] = np.take_along_axis(mine, best[..., j : j + 1], axis=2)[..., 0]
            np.put_along_axis(mine, best[..., j : j + 1], -np.inf, axis=2)
        chosen = union[best].tolist()  # members × picks × n_films
        alike = (value > 0).tolist()
        return [
            [
                self._line(
                    m, [f for f, ok in zip(fs, oks, strict=True) if ok] if films.size else None
                )
                for fs, oks in zip(chosen[u], alike[u], strict=True)
            ]
            for u, (m, films) in enumerate(zip(members, loved, strict=True))
        ]

    def _line(self, member: Member, films: list[int] | None) -> str:
        """``films`` None: the member has no ratings to go on."""
        if member.private:  # never cite a private member's films (see reelmates.privacy)
            return f"{member.name}: {PRIVATE_REASON.format(name=member.name)}"
        if films is None:
            return f"{member.name}: a crowd favourite (no ratings to go on yet)"
        if not films:
            return f"{member.name}: a change from your usual, liked by people with your taste"
        titles = _join([self.facts.title(f) for f in films])
        return f"{member.name}: like {titles}, which you loved"


def seen_note(member: Member, item: int) -> str | None:
    """ "Jess has seen it (5★)"; None when unseen, and always None for a private member."""
    stars = member.stars_for(item)
    if stars is None or member.private:
        return None
    if not np.isfinite(stars):
        return f"{member.name} has seen it"
    return f"{member.name} has seen it ({stars:g}★)"


def watchlist_note(names: Sequence[str]) -> str | None:
    """ "On Jess's and Sam's watchlists"; None when on nobody's."""
    if not names:
        return None
    owners = [f"{n}'s" for n in names]
    joined = owners[0] if len(owners) == 1 else f"{', '.join(owners[:-1])} and {owners[-1]}"
    return f"On {joined} watchlist" + ("s" if len(owners) > 1 else "")
