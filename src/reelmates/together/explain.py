"""One reason per member and pick: their own best-loved films most like the pick, as data.

``Reason("Milly", LIKE_LOVED, films=(beaches, terms), ...)``, worded by each front end
("Milly: like *Beaches* and *Terms of Endearment*, which you loved", see ``together.wording``).
A private member's reason never cites their films: ``Reason("Milly", PRIVATE)``, "suits Milly's
taste" (see ``reelmates.privacy``).

Across a list, the cited films vary: explaining the picks in order, a loved film already cited
``c`` times in that member's earlier lines counts with its similarity times ``reuse_decay ** c``.
Only films actually alike (positive similarity) are ever cited.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reelmates.together.inputs import IntArray, ItemFacts, Member
from reelmates.together.reasons import Reason, ReasonKind, SeenNote, WatchlistNote

# (films, targets) -> similarity matrix (len(films), len(targets)); the taste scorer's
# ``item_similarity`` has exactly this shape.
Similarity = Callable[[IntArray, IntArray], NDArray[np.floating]]

LOVED_STARS = 4.0
MAX_LOVED = 200  # only a member's best films are searched; keeps it cheap for heavy raters
REUSE_DECAY = 0.5  # see the module docstring; 1.0 cites the most alike films whatever the reuse


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


@dataclass(frozen=True)
class Explainer:
    similarity: Similarity
    facts: ItemFacts
    n_films: int = 2
    reuse_decay: float = REUSE_DECAY

    def __post_init__(self) -> None:
        if not 0 < self.reuse_decay <= 1:
            raise ValueError("reuse_decay is in (0, 1]: 1 cites the most alike films every time")

    def reasons(self, member: Member, picks: IntArray) -> list[Reason]:
        """One reason per pick for ``member``, the picks being one list, best first."""
        return self.reasons_for([member], picks)[0]

    def reasons_for(self, members: Sequence[Member], picks: IntArray) -> list[list[Reason]]:
        """One reason per pick for each member, from one similarity call for the whole group."""
        picks = np.asarray(picks, dtype=np.intp)
        # A private member's films are never even looked at.
        loved = [np.empty(0, np.intp) if m.private else loved_films(m) for m in members]
        # Sorted, so ties break towards the lower index (argmax takes the first maximum).
        union = np.unique(np.concatenate([np.empty(0, np.intp), *loved]))
        if union.size == 0 or picks.size == 0:
            return [[self._reason(m, None) for _ in picks] for m in members]
        sims = np.asarray(self.similarity(union, picks), dtype=float)
        sims[union[:, None] == picks[None, :]] = -np.inf  # a film does not explain itself
        sims[~(sims > 0)] = -np.inf  # only films actually alike are cited (NaN included)
        # members × union × picks, each member seeing only their own loved films.
        own = np.zeros((len(members), union.size), dtype=bool)
        for u, films in enumerate(loved):
            own[u, np.searchsorted(union, films)] = True
        mine = np.where(own[:, :, None], sims[None, :, :], -np.inf)
        cited = np.zeros(own.shape)  # members × union: times cited in earlier lines
        rows = np.arange(len(members))
        chosen: list[list[list[int]]] = [[] for _ in members]  # members × picks × films
        for j in range(picks.size):
            weight = mine[:, :, j] * self.reuse_decay**cited
            best = np.empty((len(members), self.n_films), dtype=np.intp)
            ok = np.empty(best.shape, dtype=bool)
            for f in range(self.n_films):  # one argmax per film beats sorting every loved film
                best[:, f] = np.argmax(weight, axis=1)
                ok[:, f] = np.isfinite(weight[rows, best[:, f]])
                weight[rows, best[:, f]] = -np.inf
            for u in range(len(members)):
                picked = best[u, ok[u]]
                cited[u, picked] += 1
                picked = picked[np.argsort(-mine[u, picked, j], kind="stable")]  # most alike first
                chosen[u].append(union[picked].tolist())
        return [
            [self._reason(m, fs if films.size else None) for fs in chosen[u]]
            for u, (m, films) in enumerate(zip(members, loved, strict=True))
        ]

    def _reason(self, member: Member, films: list[int] | None) -> Reason:
        """``films`` None: the member has no ratings to go on."""
        if member.private:  # never cite a private member's films (see reelmates.privacy)
            return Reason(member.name, ReasonKind.PRIVATE)
        if films is None:
            return Reason(member.name, ReasonKind.NO_RATINGS)
        if not films:
            return Reason(member.name, ReasonKind.CHANGE)
        titles = tuple(self.facts.title(f) for f in films)
        return Reason(member.name, ReasonKind.LIKE_LOVED, tuple(films), titles)


def seen_note(member: Member, item: int) -> SeenNote | None:
    """Their rating of a film they have seen; None when unseen, and always for a private member."""
    stars = member.stars_for(item)
    if stars is None or member.private:
        return None
    return SeenNote(member.name, float(stars) if np.isfinite(stars) else None)


def watchlist_note(names: Sequence[str]) -> WatchlistNote | None:
    """Whose watchlists the film is on; None when on nobody's."""
    return WatchlistNote(tuple(names)) if names else None
