"""Ranking and rating metrics, per user then averaged (Microsoft Recommenders' definitions).

Relevance is binary. A person counts only when they have at least one relevant film. MAP@k divides
each person's sum of precisions at hits by ``min(relevant, k)``; nDCG@k's ideal list places
``min(relevant, k)`` hits first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray


@dataclass(frozen=True)
class RankingScores:
    precision: float
    recall: float
    ndcg: float
    map: float
    n_users: int


def hit_matrix(recs: NDArray[np.int64], relevant: sp.csr_matrix) -> NDArray[np.bool_]:
    """``hits[u, j]`` is True when ``recs[u, j]`` is relevant to row ``u`` (-1 = empty slot)."""
    n_items = relevant.shape[1]
    rel = relevant.tocsr()
    rel_rows = np.repeat(np.arange(rel.shape[0]), np.diff(rel.indptr))
    rel_keys = np.sort(rel_rows.astype(np.int64) * n_items + rel.indices[: rel.nnz])
    rec_keys = np.arange(recs.shape[0], dtype=np.int64)[:, None] * n_items + recs
    hits = np.isin(rec_keys, rel_keys)
    return hits & (recs >= 0)


def ndcg_per_user(
    recs: NDArray[np.int64], relevant: sp.csr_matrix, k: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """(rows with at least one relevant film, their nDCG@k): the values whose mean is
    :func:`ranking_scores`' nDCG, kept per person for paired comparisons."""
    rel = sp.csr_matrix(relevant)
    rel.eliminate_zeros()
    n_rel = np.diff(rel.indptr)
    users = np.flatnonzero(n_rel > 0)
    hits = hit_matrix(recs[users, :k], rel[users]).astype(np.float64)
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    ideal_cum = np.concatenate([[0.0], np.cumsum(discount)])
    idcg = ideal_cum[np.minimum(n_rel[users], k).astype(np.int64)]
    return users.astype(np.int64), (hits @ discount[: hits.shape[1]]) / idcg


def ranking_scores(recs: NDArray[np.int64], relevant: sp.csr_matrix, k: int) -> RankingScores:
    """Precision, recall, nDCG and MAP at ``k`` of ``recs`` (rows × ≥k film indices, best first)
    against ``relevant`` (same rows; any stored entry with a nonzero value is relevant)."""
    rel = sp.csr_matrix(relevant)
    rel.eliminate_zeros()
    n_rel = np.diff(rel.indptr)
    users = np.flatnonzero(n_rel > 0)
    if len(users) == 0:
        return RankingScores(0.0, 0.0, 0.0, 0.0, 0)
    hits = hit_matrix(recs[users, :k], rel[users]).astype(np.float64)
    n_rel = n_rel[users].astype(np.float64)
    n_hits = hits.sum(axis=1)
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = hits @ discount[: hits.shape[1]]
    ideal_cum = np.concatenate([[0.0], np.cumsum(discount)])
    idcg = ideal_cum[np.minimum(n_rel, k).astype(np.int64)]
    precision_at_hit = np.cumsum(hits, axis=1) / np.arange(1, hits.shape[1] + 1)
    ap = (precision_at_hit * hits).sum(axis=1) / np.minimum(n_rel, k)
    return RankingScores(
        precision=float(np.mean(n_hits / k)),
        recall=float(np.mean(n_hits / n_rel)),
        ndcg=float(np.mean(dcg / idcg)),
        map=float(np.mean(ap)),
        n_users=len(users),
    )


def rmse(predicted: NDArray[np.floating], actual: NDArray[np.floating]) -> float:
    p = np.asarray(predicted, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    if p.shape != a.shape or p.size == 0:
        raise ValueError("rmse needs two non-empty arrays of the same shape")
    return float(np.sqrt(np.mean((p - a) ** 2)))
