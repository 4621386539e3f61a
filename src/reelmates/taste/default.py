"""Which scorer reelmates uses, chosen by measurement and by catalog size, and one call to fit it.

- Up to ``MAX_EASE_ITEMS`` films: the EASE + ALS blend (best nDCG@10 on MovieLens 100K, see
  ``reelmates eval individual``).
- Larger catalogs: ALS alone (a dense films × films EASE for 60,000 films would need 14 GB).
- With film facts (the app): the hybrid of that collaborative scorer with the content model, so
  films with no community ratings still rank.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from reelmates.taste.als import AlsConfig, AlsScorer
from reelmates.taste.base import Scorer
from reelmates.taste.blend import BlendConfig, BlendScorer
from reelmates.taste.ease import MAX_EASE_ITEMS
from reelmates.taste.features import FilmFacts, build_item_features
from reelmates.taste.hybrid import HybridConfig, HybridScorer
from reelmates.taste.matrix import RatingsMatrix

# At scale: 64 factors like the reference, 10 iterations (CG-ALS has converged on ranking by then).
SCALE_ALS = AlsConfig(factors=64, iterations=10, regularization=0.05, alpha=2.0)


def default_collaborative(n_items: int, *, blend: BlendConfig | None = None) -> Scorer:
    """The collaborative scorer for a catalog of ``n_items`` films (unfitted)."""
    if n_items <= MAX_EASE_ITEMS:
        return BlendScorer(blend or BlendConfig())
    return AlsScorer(SCALE_ALS)


def default_hybrid_config(n_items: int) -> HybridConfig:
    return HybridConfig(collab="blend" if n_items <= MAX_EASE_ITEMS else "als", als=SCALE_ALS)


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
        scorer = default_collaborative(matrix.n_items)
    else:
        ids = sorted(set(map(str, films)) | set(np.unique(item_arr).tolist()))
        matrix = RatingsMatrix.from_triples(users, item_arr, stars, item_ids=np.array(ids))
        features = build_item_features([films.get(i) for i in ids]).matrix
        scorer = HybridScorer(default_hybrid_config(matrix.n_items), features)
    return scorer.fit(matrix, calibrate=calibrate, seed=seed)
