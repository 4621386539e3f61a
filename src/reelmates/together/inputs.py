"""What a group request is made of: the members, the catalog facts filters need, and the options.

Everything is indexed by the taste model's item index (0..n-1), so masks and score matrices line
up without any id lookups in the hot path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from reelmates.errors import ReelmatesError

IntArray = NDArray[np.intp]
FloatArray = NDArray[np.floating]
BoolArray = NDArray[np.bool_]


def _int_array(values: Sequence[int] | NDArray[np.integer]) -> IntArray:
    return np.asarray(values, dtype=np.intp).reshape(-1)


@dataclass(frozen=True)
class Member:
    """One person in the group, as the engine needs them.

    ``seen`` lists the items they rated or marked seen; ``seen_stars`` gives their stars for each
    (NaN when seen without a rating). ``private`` means others may see reasons for picks but never
    this member's own ratings.
    """

    id: str
    name: str
    seen: IntArray = field(default_factory=lambda: np.empty(0, np.intp))
    seen_stars: FloatArray = field(default_factory=lambda: np.empty(0))
    watchlist: IntArray = field(default_factory=lambda: np.empty(0, np.intp))
    vetoed_items: IntArray = field(default_factory=lambda: np.empty(0, np.intp))
    vetoed_genres: frozenset[str] = frozenset()
    private: bool = False

    def __post_init__(self) -> None:
        seen = _int_array(self.seen)
        stars = np.asarray(self.seen_stars, dtype=np.float64).reshape(-1)
        if stars.size == 0 and seen.size:
            stars = np.full(seen.size, np.nan)
        if stars.size != seen.size:
            raise ReelmatesError(f"{self.name}: {seen.size} seen films but {stars.size} stars")
        object.__setattr__(self, "seen", seen)
        object.__setattr__(self, "seen_stars", stars)
        object.__setattr__(self, "watchlist", _int_array(self.watchlist))
        object.__setattr__(self, "vetoed_items", _int_array(self.vetoed_items))
        object.__setattr__(self, "vetoed_genres", frozenset(self.vetoed_genres))

    @cached_property
    def _stars_by_item(self) -> dict[int, float]:
        return dict(zip(self.seen.tolist(), self.seen_stars.tolist(), strict=True))

    def stars_for(self, item: int) -> float | None:
        """Their stars for ``item`` if they rated it, NaN if only marked seen, None if unseen."""
        return self._stars_by_item.get(item)


@dataclass(frozen=True)
class ItemFacts:
    """Catalog facts aligned with the item index; any of them may be absent.

    ``genres`` is an (n_items × n_genres) boolean matrix with column names ``genre_names``.
    Unknown years or runtimes are NaN and pass the corresponding filter (we do not hide a film for
    a fact we lack).
    """

    n_items: int
    titles: Sequence[str] | None = None
    genres: BoolArray | None = None
    genre_names: tuple[str, ...] = ()
    years: FloatArray | None = None
    runtimes: FloatArray | None = None

    def __post_init__(self) -> None:
        for name in ("genres", "years", "runtimes"):
            value = getattr(self, name)
            if value is not None and len(value) != self.n_items:
                raise ReelmatesError(f"{name}: {len(value)} rows for {self.n_items} films")
        if self.genres is not None and self.genres.shape[1] != len(self.genre_names):
            raise ReelmatesError("genres: column count differs from genre_names")
        # Filters read one genre column, or all years, at a time: store them so that each is a
        # short contiguous run (years and runtimes are whole numbers, exact in float32).
        if self.genres is not None:
            object.__setattr__(self, "genres", np.asfortranarray(self.genres, dtype=bool))
        for name in ("years", "runtimes"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, np.asarray(value, dtype=np.float32).reshape(-1))

    def title(self, item: int) -> str:
        return self.titles[item] if self.titles is not None else f"film {item}"

    def genre_mask(self, names: frozenset[str]) -> BoolArray:
        """Films carrying any of ``names`` (case-insensitive); unknown names are an error."""
        if not names:
            return np.zeros(self.n_items, dtype=bool)
        if self.genres is None:
            raise ReelmatesError("genre filters need the catalog's genres")
        lookup = {g.casefold(): j for j, g in enumerate(self.genre_names)}
        missing = sorted(n for n in names if n.casefold() not in lookup)
        if missing:
            raise ReelmatesError(f"unknown genre(s): {', '.join(missing)}")
        cols = sorted({lookup[n.casefold()] for n in names})
        out = self.genres[:, cols[0]].copy()
        for c in cols[1:]:
            out |= self.genres[:, c]
        return out


class SeenPolicy(StrEnum):
    """When a film someone has seen stays on the list.

    ``prefer-unseen`` (the default): films nobody in the group has seen, unless a rewatch is
    clearly the best evening: everyone who has seen it rated it 4.5★ or more, and for everyone
    who has not, it is one of their own top three films nobody in the group has seen (rules and
    reasons in ``together.seen``). ``unless-all``: drop a film only when every member has seen
    it; ``hide-if-any``: drop it when anyone has; ``show-all``: never drop it. Whatever the
    policy, a film a member rated is ranked on their own rating, not on a prediction, and a
    private member's seen films never show.
    """

    PREFER_UNSEEN = "prefer-unseen"
    UNLESS_ALL = "unless-all"
    HIDE_IF_ANY = "hide-if-any"
    SHOW_ALL = "show-all"


@dataclass(frozen=True)
class Filters:
    """Genres in (any of) / out (none of), a year range and a maximum runtime in minutes."""

    genres_in: frozenset[str] = frozenset()
    genres_out: frozenset[str] = frozenset()
    year_min: int | None = None
    year_max: int | None = None
    max_runtime: int | None = None

    @property
    def empty(self) -> bool:
        return self == Filters()
