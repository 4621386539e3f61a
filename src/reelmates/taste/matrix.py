"""The ratings matrix every scorer fits on: id maps plus a users × films CSR of stars."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray


def _as_str_ids(values: NDArray[Any]) -> NDArray[np.object_]:
    out = np.empty(len(values), dtype=object)
    out[:] = [str(v) for v in values.tolist()]
    return out


@dataclass(frozen=True)
class RatingsMatrix:
    """``ratings[u, i]``: person ``user_ids[u]``'s stars for film ``item_ids[i]`` (absent: unrated).

    Ids are kept as ``str`` object arrays so that callers may pass any opaque ids; indices into

    arrays are what the scorers work with.
    """

    user_ids: NDArray[np.object_]
    item_ids: NDArray[np.object_]
    ratings: sp.csr_matrix  # float32 stars, shape (n_users, n_items), sorted indices, no duplicates

    def __post_init__(self) -> None:
        if self.ratings.shape != (len(self.user_ids), len(self.item_ids)):
            raise ValueError(
                f"ratings shape {self.ratings.shape} != "
                f"({len(self.user_ids)}, {len(self.item_ids)})"
            )

    @classmethod
    def from_triples(
        cls,
        users: ArrayLike,
        items: ArrayLike,
        stars: ArrayLike,
        *,
        item_ids: ArrayLike | None = None,
        user_ids: ArrayLike | None = None,
    ) -> RatingsMatrix:
        """Build from parallel arrays; a repeated (user, item) keeps its last rating.

        ``item_ids``/``user_ids`` fix the id order (e.g. the whole catalog, so that films nobody
        rated still get a column); every id in ``items``/``users`` must then be among them.
        Vectorised: ids are factorised with ``np.unique`` on their native dtype first, and only the
        distinct values are turned into strings, so 25M integer rows take seconds.
        """
        u_arr, i_arr = np.asarray(users), np.asarray(items)
        r_arr = np.asarray(stars, dtype=np.float32)
        if not (len(u_arr) == len(i_arr) == len(r_arr)):
            raise ValueError("users, items and stars must have the same length")
        uid, u_codes = _factorise(u_arr, user_ids, "user")
        iid, i_codes = _factorise(i_arr, item_ids, "item")
        shape = (len(uid), len(iid))
        if len(r_arr) == 0:
            return cls(uid, iid, sp.csr_matrix(shape, dtype=np.float32))
        key = u_codes.astype(np.int64) * shape[1] + i_codes
        # Keep the last occurrence of each key: unique over the reversed key array.
        _, last = np.unique(key[::-1], return_index=True)
        keep = len(key) - 1 - last
        coo = sp.coo_matrix((r_arr[keep], (u_codes[keep], i_codes[keep])), shape=shape)
        csr = coo.tocsr()
        csr.sort_indices()
        return cls(uid, iid, csr.astype(np.float32))

    @property
    def n_users(self) -> int:
        return int(self.ratings.shape[0])

    @property
    def n_items(self) -> int:
        return int(self.ratings.shape[1])

    @property
    def nnz(self) -> int:
        return int(self.ratings.nnz)

    @cached_property
    def _user_pos(self) -> dict[str, int]:
        return {v: n for n, v in enumerate(self.user_ids.tolist())}

    @cached_property
    def _item_pos(self) -> dict[str, int]:
        return {v: n for n, v in enumerate(self.item_ids.tolist())}

    def user_index(self, user_id: object) -> int:
        """Row of a person id; KeyError names the id when unknown."""
        try:
            return self._user_pos[str(user_id)]
        except KeyError:
            raise KeyError(f"unknown person id {user_id!r}") from None

    def item_index(self, item_id: object) -> int:
        """Column of a film id; KeyError names the id when unknown."""
        try:
            return self._item_pos[str(item_id)]
        except KeyError:
            raise KeyError(f"unknown film id {item_id!r}") from None

    def history(self, u: int) -> tuple[NDArray[np.int32], NDArray[np.float32]]:
        """(film indices, stars) that person ``u`` rated, film indices ascending."""
        start, end = self.ratings.indptr[u], self.ratings.indptr[u + 1]
        return (
            self.ratings.indices[start:end].astype(np.int32, copy=False),
            self.ratings.data[start:end].astype(np.float32, copy=False),
        )

    def item_counts(self) -> NDArray[np.int64]:
        """How many people rated each film."""
        return np.bincount(self.ratings.indices, minlength=self.n_items).astype(np.int64)

    def with_ratings(self, ratings: sp.csr_matrix) -> RatingsMatrix:
        """Same ids, other stars (e.g. a train or test part of a split)."""
        return RatingsMatrix(self.user_ids, self.item_ids, sp.csr_matrix(ratings, dtype=np.float32))


def _factorise(
    values: NDArray[Any], fixed: ArrayLike | None, what: str
) -> tuple[NDArray[np.object_], NDArray[np.int64]]:
    if fixed is None:
        uniq, codes = np.unique(values, return_inverse=True)
        return _as_str_ids(uniq), codes.astype(np.int64).ravel()
    ids = _as_str_ids(np.asarray(fixed))
    if len(set(ids.tolist())) != len(ids):
        raise ValueError(f"{what}_ids has duplicates")
    uniq, codes = np.unique(values, return_inverse=True)
    position = {v: n for n, v in enumerate(ids.tolist())}
    try:
        mapped = np.fromiter((position[s] for s in _as_str_ids(uniq).tolist()), np.int64, len(uniq))
    except KeyError as exc:
        raise ValueError(f"{what} id {exc.args[0]!r} is not in {what}_ids") from None
    return ids, mapped[codes.ravel()]


def random_positions(ratings: sp.csr_matrix, rng: np.random.Generator) -> NDArray[np.int64]:
    """Each stored entry's position (0, 1, …) in a random order of its own row, seeded by ``rng``.

    One random key per entry, sorted within rows: taking the entries with position < n gives each
    row a uniform random n of its entries (splits, calibration subsets, new-people protocols).
    """
    r = ratings.tocsr()
    counts = np.diff(r.indptr)
    owner = np.repeat(np.arange(r.shape[0]), counts)
    keys = rng.random(r.nnz)
    order = np.lexsort((keys, owner))  # by row, then by random key
    position = np.empty(r.nnz, dtype=np.int64)
    position[order] = np.arange(r.nnz) - np.repeat(r.indptr[:-1], counts)
    return position
