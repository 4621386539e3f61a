"""The bridge between database ids and a taste model's item index, built once per model file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from reelmates.store.films import FilmFacts
from reelmates.taste.base import Scorer
from reelmates.together.inputs import ItemFacts


@dataclass(frozen=True)
class CatalogIndex:
    """``film_ids[i]`` is the database id of model item ``i``; ``facts`` is aligned with it."""

    film_ids: NDArray[np.int64]
    item_of: dict[int, int]
    facts: ItemFacts
    years: dict[int, int | None]

    @classmethod
    def build(cls, scorer: Scorer, films: Sequence[FilmFacts]) -> CatalogIndex:
        film_ids = np.array([int(i) for i in scorer.matrix.item_ids], dtype=np.int64)
        by_id = {f.id: f for f in films}
        rows = [by_id.get(int(fid)) for fid in film_ids]
        genre_names = tuple(sorted({g for f in films for g in f.genres}))
        col = {g: j for j, g in enumerate(genre_names)}
        genres = np.zeros((len(film_ids), len(genre_names)), dtype=bool)
        for i, f in enumerate(rows):
            for g in f.genres if f else ():
                genres[i, col[g]] = True
        facts = ItemFacts(
            n_items=len(film_ids),
            titles=[f.title if f else f"film {fid}" for f, fid in zip(rows, film_ids, strict=True)],
            genres=genres,
            genre_names=genre_names,
            years=np.array([f.year if f and f.year else np.nan for f in rows], dtype=float),
            runtimes=np.array(
                [f.runtime_minutes if f and f.runtime_minutes else np.nan for f in rows],
                dtype=float,
            ),
        )
        return cls(
            film_ids=film_ids,
            item_of={int(fid): i for i, fid in enumerate(film_ids)},
            facts=facts,
            years={f.id: f.year for f in films},
        )

    @cached_property
    def _sorted(self) -> tuple[NDArray[np.int64], NDArray[np.intp]]:
        order = np.argsort(self.film_ids, kind="stable").astype(np.intp)
        return self.film_ids[order], order

    def item_positions(
        self, film_ids: NDArray[np.int64]
    ) -> tuple[NDArray[np.bool_], NDArray[np.intp]]:
        """For an array of film ids: which are in the model, and the model items of those
        (vectorised :meth:`items`, in the same order)."""
        keys, order = self._sorted
        if keys.size == 0:
            return np.zeros(len(film_ids), dtype=bool), np.zeros(0, dtype=np.intp)
        at = np.minimum(np.searchsorted(keys, film_ids), keys.size - 1)
        found = keys[at] == film_ids
        return found, order[at[found]]

    def items(self, film_ids: Sequence[int]) -> NDArray[np.intp]:
        """Model items of these films; films newer than the model are left out."""
        return np.array([self.item_of[f] for f in film_ids if f in self.item_of], dtype=np.intp)
