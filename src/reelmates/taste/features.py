"""Film facts → a sparse feature matrix for the content model.

Groups (weights say how much one shared fact counts): genre 1.0, director 0.7, decade 0.5
(and 0.2 for each neighbouring decade, so the 1990s are near the 1980s), runtime band 0.3, each of
the first five cast members 0.35. Each row is scaled to unit length so a film with many facts does
not outweigh one with few.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

GENRE, DIRECTOR, DECADE, NEAR_DECADE, RUNTIME, CAST = 1.0, 0.7, 0.5, 0.2, 0.3, 0.35
MAX_CAST = 5
_RUNTIME_BANDS = (90, 110, 130, 160)


class FilmFacts(Protocol):
    """What the content model reads of a film (``importers.records.FilmRecord`` fits)."""

    @property
    def year(self) -> int | None: ...
    @property
    def genres(self) -> tuple[str, ...]: ...
    @property
    def runtime_minutes(self) -> int | None: ...
    @property
    def director(self) -> str | None: ...
    @property
    def cast(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class ItemFeatures:
    matrix: sp.csr_matrix  # films × features, float32, rows unit length (or zero)
    names: NDArray[np.str_]  # "genre:Comedy", "decade:1990", ...


def build_item_features(films: Sequence[FilmFacts | None]) -> ItemFeatures:
    """One row per film, in the order given (None: a film we know nothing about → zero row)."""
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []

    def add(r: int, name: str, weight: float) -> None:
        col = vocab.setdefault(name, len(vocab))
        rows.append(r)
        cols.append(col)
        vals.append(weight)

    for r, film in enumerate(films):
        if film is None:
            continue
        for g in dict.fromkeys(g.strip().lower() for g in film.genres if g.strip()):
            add(r, f"genre:{g}", GENRE)
        if film.director:
            add(r, f"director:{film.director.strip().lower()}", DIRECTOR)
        if film.year:
            decade = film.year // 10 * 10
            add(r, f"decade:{decade}", DECADE)
            add(r, f"decade:{decade - 10}", NEAR_DECADE)
            add(r, f"decade:{decade + 10}", NEAR_DECADE)
        if film.runtime_minutes:
            band = int(np.searchsorted(_RUNTIME_BANDS, film.runtime_minutes, side="right"))
            add(r, f"runtime:{band}", RUNTIME)
        for name in dict.fromkeys(c.strip().lower() for c in film.cast[:MAX_CAST] if c.strip()):
            add(r, f"cast:{name}", CAST)
    m = sp.csr_matrix((np.asarray(vals, np.float32), (rows, cols)), shape=(len(films), len(vocab)))
    m.sum_duplicates()
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    m = sp.csr_matrix(sp.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ m, dtype=np.float32)
    names = np.array(sorted(vocab, key=vocab.__getitem__), dtype=str)
    return ItemFeatures(m, names)
