"""The one interface every scorer honours.

A scorer is fitted on a :class:`RatingsMatrix` and then answers for *any* person from their ratings
alone ("fold-in"): a new or changed person needs no retraining. Subclasses implement four things:
``_fit`` (learn from the community), ``score_matrix`` (relevance of every film for a batch of
histories), ``item_similarity`` (for explanations) and ``_state``/``_set_state`` (plain arrays for
``.npz`` files). Everything else — top-k, fitted users, predicted stars, save/load — is shared here.

Scores are relevance for ranking: comparable within one person, not across people and not stars.
Calibrated stars come from :meth:`Scorer.predict_stars` (see ``stars.py``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Self

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict

from reelmates.taste import topk
from reelmates.taste.arrays import FloatArray, IntArray, as_f32
from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.stars import StarModel, fit_with_stars

__all__ = ["FloatArray", "IntArray", "Scorer", "ScorerConfig", "as_f32", "top_k", "top_k_rows"]


class ScorerConfig(BaseModel):
    """Hyper-parameters of one scorer; each scorer subclasses this."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Scorer(ABC):
    """Fit on the community, score anyone from their ratings."""

    name: ClassVar[str]
    config_type: ClassVar[type[ScorerConfig]]

    def __init__(self, config: ScorerConfig | None = None) -> None:
        self.config: Any = config if config is not None else self.config_type()
        if not isinstance(self.config, self.config_type):
            raise TypeError(f"{self.name} needs a {self.config_type.__name__}")
        self._matrix: RatingsMatrix | None = None
        self.stars_model: StarModel | None = None  # once fitted with calibrate=True

    # ----- what each scorer implements -------------------------------------------------------

    @abstractmethod
    def _fit(self, matrix: RatingsMatrix) -> None:
        """Learn from the community's ratings (``matrix.ratings`` are stars)."""

    @abstractmethod
    def score_matrix(self, histories: sp.csr_matrix) -> FloatArray:
        """Relevance of every film for each row of ``histories`` (rows × n_items stars, CSR).

        Fold-in: rows need not be fitted people. Returns a dense float32 (rows, n_items) array.
        Films a row rated are scored too; :meth:`recommend` is what excludes them.
        """

    @abstractmethod
    def item_similarity(self, items: ArrayLike, targets: ArrayLike) -> FloatArray:
        """How alike films are, as this model sees them: (len(items), len(targets)), ≤ 1.

        Used for explanations: a member's top-rated films most similar to a pick.
        """

    @abstractmethod
    def _state(self) -> dict[str, NDArray[Any]]:
        """Fitted arrays to save (plain numeric arrays only)."""

    @abstractmethod
    def _set_state(self, arrays: dict[str, NDArray[Any]]) -> None:
        """Inverse of :meth:`_state`."""

    def describe(self) -> str:
        """One line saying which model this is and how it is set, for logs and the CLI."""
        params = ", ".join(f"{k}={v}" for k, v in self.config.model_dump().items())
        return f"{self.name}({params})"

    # ----- shared behaviour ------------------------------------------------------------------

    @property
    def matrix(self) -> RatingsMatrix:
        """The community ratings this scorer was fitted on."""
        if self._matrix is None:
            raise RuntimeError(f"{self.name} is not fitted")
        return self._matrix

    @property
    def is_fitted(self) -> bool:
        return self._matrix is not None

    @property
    def n_items(self) -> int:
        return self.matrix.n_items

    def fit(self, matrix: RatingsMatrix, *, calibrate: bool = True, seed: int = 0) -> Self:
        """Fit on ``matrix``; with ``calibrate`` also learn the stars calibration (a second fit
        on a held-out part for small data; see ``stars.fit_with_stars``)."""
        if calibrate:
            fit_with_stars(self, matrix, seed=seed)
        else:
            self._fit(matrix)
            self._matrix = matrix
        return self

    def clone(self) -> Self:
        """An unfitted scorer with the same settings (and side data, e.g. film features)."""
        return type(self)(self.config)

    def _fit_plain(self, matrix: RatingsMatrix) -> None:
        """Fit without calibration (used by the stars calibration itself)."""
        self._fit(matrix)
        self._matrix = matrix

    def history_row(self, items: ArrayLike, stars: ArrayLike) -> sp.csr_matrix:
        """A one-row CSR for a person's ratings (film indices, stars): one value per film, the
        last one given for a film listed twice (a rating, then a like in a swipe)."""
        idx, val = one_per_item(items, stars)
        if len(idx) and (idx.min() < 0 or idx.max() >= self.n_items):
            raise IndexError("film index out of range")
        return sp.csr_matrix(
            (val, (np.zeros(len(idx), dtype=np.int64), idx)), shape=(1, self.n_items)
        )

    def score_history(self, items: ArrayLike, stars: ArrayLike) -> FloatArray:
        """Relevance of every film for one person given their ratings (fold-in)."""
        return as_f32(self.score_matrix(self.history_row(items, stars))[0])

    def score_users(self, users: ArrayLike) -> FloatArray:
        """Relevance of every film for fitted people (rows of the training matrix)."""
        rows = np.asarray(users, dtype=np.int64).ravel()
        return self.score_matrix(self.matrix.ratings[rows])

    def recommend(
        self,
        items: ArrayLike,
        stars: ArrayLike,
        k: int,
        *,
        exclude: ArrayLike | None = None,
    ) -> tuple[IntArray, FloatArray]:
        """Top ``k`` films (indices, scores, best first) for a person, never one they rated.

        ``exclude`` is extra films to leave out: a boolean mask over all films or an index array.
        """
        scores = self.score_history(items, stars)
        banned = np.zeros(self.n_items, dtype=bool)
        banned[np.asarray(items, dtype=np.int64)] = True
        if exclude is not None:
            ex = np.asarray(exclude)
            if ex.dtype == bool:
                banned |= ex
            else:
                banned[ex.astype(np.int64)] = True
        return top_k(scores, k, banned)

    def recommend_users(
        self, users: ArrayLike, k: int, *, batch: int = 1024
    ) -> tuple[IntArray, FloatArray]:
        """Top ``k`` for fitted people, excluding their training ratings: (rows, k) arrays.

        Rows have fewer than ``k`` real entries only when the catalog runs out; those slots hold
        index -1 and score -inf.
        """
        rows = np.asarray(users, dtype=np.int64).ravel()
        out_i = np.full((len(rows), k), -1, dtype=np.int64)
        out_s = np.full((len(rows), k), -np.inf, dtype=np.float32)
        for start in range(0, len(rows), batch):
            part = rows[start : start + batch]
            scores = self.score_users(part)
            seen = self.matrix.ratings[part]
            idx, val = top_k_rows(scores, k, seen)
            out_i[start : start + len(part)] = idx
            out_s[start : start + len(part)] = val
        return out_i, out_s

    def predict_stars(
        self, items: ArrayLike, stars: ArrayLike, *, columns: ArrayLike | None = None
    ) -> FloatArray:
        """Calibrated 0.5–5 estimate of this person's stars for every film (or for ``columns``)."""
        return as_f32(self.predict_stars_matrix(self.history_row(items, stars), columns=columns)[0])

    def predict_stars_matrix(
        self,
        histories: sp.csr_matrix,
        *,
        columns: ArrayLike | None = None,
        scores: FloatArray | None = None,
    ) -> FloatArray:
        """Batch version of :meth:`predict_stars` (rows × n_items, or rows × ``columns``).

        ``columns``: only these films, the same numbers as the full matrix at those columns but
        costing ``len(columns)`` films (a request shows ten, not 60,000). ``scores``: this very
        ``score_matrix(histories)`` when the caller has it in hand, so the catalog is not scored a
        second time (the calibration's z-scores need the whole rows).
        """
        if self.stars_model is None:
            raise RuntimeError(f"{self.name} was fitted without stars calibration")
        if self.stars_model.use_native:
            native = self.native_stars(histories, columns=columns)
            if native is not None:
                return np.clip(native, 0.5, 5.0).astype(np.float32)
        return as_f32(self.stars_model.predict(self, histories, columns=columns, scores=scores))

    def native_stars(
        self, histories: sp.csr_matrix, *, columns: ArrayLike | None = None
    ) -> FloatArray | None:
        """The model's own star estimate, if it has one (used when there is nothing to
        calibrate on); every film, or only ``columns``."""
        return None

    def rating_signals(
        self, residuals: sp.csr_matrix, *, columns: ArrayLike | None = None
    ) -> list[FloatArray]:
        """Estimates of each row's residual stars (stars − baseline) for every film (or only
        ``columns``), learned from that row's own residuals (same pattern as its history): extra
        features for the stars calibration. Ranking scores say what a person will watch; these
        say how much they will like it. None by default."""
        return []


MIN_STARS, MAX_STARS = 0.5, 5.0


def one_per_item(items: ArrayLike, stars: ArrayLike) -> tuple[IntArray, FloatArray]:
    """A history with one value per film, sorted by film: where a film appears more than once the
    last value counts (never their sum). Stars must be finite and within 0.5–5."""
    idx = np.asarray(items, dtype=np.int64).ravel()
    val = np.asarray(stars, dtype=np.float32).ravel()
    if len(idx) != len(val):
        raise ValueError("items and stars must have the same length")
    if len(val) and not (
        np.isfinite(val).all() and val.min() >= MIN_STARS and val.max() <= MAX_STARS
    ):
        bad = val[~(np.isfinite(val) & (val >= MIN_STARS) & (val <= MAX_STARS))][0]
        raise ValueError(f"{bad} is not a rating from {MIN_STARS} to {MAX_STARS} stars")
    # np.unique on the reversed array finds each film's last occurrence.
    films, first_from_end = np.unique(idx[::-1], return_index=True)
    return films, val[len(idx) - 1 - first_from_end]


def top_k(scores: FloatArray, k: int, banned: NDArray[np.bool_]) -> tuple[IntArray, FloatArray]:
    """Best ``k`` entries of one score vector that are not ``banned``, best first (the one rule
    of :mod:`reelmates.taste.topk`)."""
    idx, val = topk.top_k(np.asarray(scores, dtype=np.float32), k, ~np.asarray(banned, bool))
    return idx, as_f32(val)


def top_k_rows(
    scores: FloatArray, k: int, seen: sp.csr_matrix | None = None
) -> tuple[IntArray, FloatArray]:
    """Row-wise top ``k`` of a dense score block, leaving out each row's ``seen`` films.

    Deterministic: ties go to the lower film index, so one person gets the same list whether
    ranked alone or in a batch. Rows with fewer than ``k`` allowed films are padded with index
    −1 and score −inf.
    """
    s = np.asarray(scores, dtype=np.float32)
    allowed = None
    if seen is not None and seen.nnz:
        allowed = np.ones(s.shape, dtype=bool)
        coo = seen.tocoo()
        allowed[coo.row, coo.col] = False
    idx, val = topk.top_k_rows(s, k, allowed)
    return idx, as_f32(val)
