"""Which scorer reelmates uses, chosen by measurement and by catalog size, and one call to fit it.

- Up to ``MAX_EASE_ITEMS`` films: the EASE + ALS blend (best nDCG@10 on MovieLens 100K, see
  ``reelmates eval individual``).
- Larger catalogs: ALS alone (a dense films × films EASE for 60,000 films would need 14 GB).
- With film facts (the app): the hybrid of that collaborative scorer with the content model, so
  films with no community ratings still rank.

:func:`shipped_scorer` is the one recipe: ``train`` fits it on the database's ratings and ``eval
individual`` on each split's train (its "shipped" row), so what is measured is what is served. On
enough ratings (``MIN_TUNE_RATINGS`` to ``MAX_TUNE_RATINGS``) its parameters are chosen by
validation inside the ratings it is given (``taste.tuning``); on fewer there is too little to
validate on, and on more the search would take longer than the fit, so the fixed defaults hold.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from reelmates.taste.als import AlsConfig, AlsScorer
from reelmates.taste.base import Scorer
from reelmates.taste.blend import BlendConfig, BlendScorer
from reelmates.taste.ease import MAX_EASE_ITEMS
from reelmates.taste.features import FilmFacts, build_item_features
from reelmates.taste.hybrid import HybridConfig, HybridScorer
from reelmates.taste.matrix import RatingsMatrix
from reelmates.taste.tuning import tune_blend, tune_hybrid

MIN_TUNE_RATINGS = 10_000
MAX_TUNE_RATINGS = 2_000_000
MIN_TUNE_PEOPLE = 50

# At scale: 64 factors like the reference, 10 iterations (CG-ALS has converged on ranking by then).
SCALE_ALS = AlsConfig(factors=64, iterations=10, regularization=0.05, alpha=2.0)


def default_collaborative(n_items: int, *, blend: BlendConfig | None = None) -> Scorer:
    """The collaborative scorer for a catalog of ``n_items`` films (unfitted)."""
    if n_items <= MAX_EASE_ITEMS:
        return BlendScorer(blend or BlendConfig())
    return AlsScorer(SCALE_ALS)


def default_hybrid_config(n_items: int) -> HybridConfig:
    return HybridConfig(collab="blend" if n_items <= MAX_EASE_ITEMS else "als", als=SCALE_ALS)


def tunable(matrix: RatingsMatrix) -> bool:
    """Enough ratings (and people) to choose parameters on validation, and not so many that the
    search would dwarf the fit."""
    people = int((np.diff(matrix.ratings.tocsr().indptr) >= 4).sum())
    return MIN_TUNE_RATINGS <= matrix.nnz <= MAX_TUNE_RATINGS and people >= MIN_TUNE_PEOPLE


def shipped_scorer(
    matrix: RatingsMatrix, features: sp.csr_matrix | None = None, *, seed: int = 0
) -> Scorer:
    """The scorer reelmates serves for ``matrix`` (unfitted), tuned on it where :func:`tunable`:
    the hybrid with content when there are film ``features``, else the collaborative default."""
    tune = tunable(matrix)
    if features is None:
        scorer = default_collaborative(matrix.n_items)
        if tune and isinstance(scorer, BlendScorer):
            return BlendScorer(tune_blend(matrix, seed=seed))
        return scorer
    config = default_hybrid_config(matrix.n_items)
    if tune:
        config = tune_hybrid(matrix, features, config, seed=seed)
    return HybridScorer(config, features)


def fit_default(
    users: ArrayLike,
    items: ArrayLike,
    stars: ArrayLike,
    *,
    films: Mapping[str, FilmFacts | None] | None = None,
    seed: int = 0,
    calibrate: bool = True,
) -> Scorer:
    """Fit the default scorer on (person id, film id, stars) triples.

    With ``films`` (film id → facts; every catalog film, rated or not), the model is the hybrid
    over the union of catalog and rated films, so unrated catalog films get a column and rank by
    their facts. Without, the collaborative default over the rated films. ``describe()`` on the
    result says which model it is. Save with ``reelmates.taste.persist.save_scorer``, read back with
    ``reelmates.taste.persist.load_scorer``.
    """
    item_arr = np.asarray(items).astype(str)
    if films is None:
        matrix = RatingsMatrix.from_triples(users, item_arr, stars)
        features = None
    else:
        ids = sorted(set(map(str, films)) | set(np.unique(item_arr).tolist()))
        matrix = RatingsMatrix.from_triples(users, item_arr, stars, item_ids=np.array(ids))
        features = build_item_features([films.get(i) for i in ids]).matrix
    return shipped_scorer(matrix, features, seed=seed).fit(matrix, calibrate=calibrate, seed=seed)
