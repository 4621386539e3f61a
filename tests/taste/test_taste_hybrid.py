"""Content and hybrid: sensible picks from film facts alone; cold films still rank."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from reelmates.catalog.records import FilmRecord
from reelmates.taste.content import ContentScorer, _RidgeSolver
from reelmates.taste.default import fit_default
from reelmates.taste.features import build_item_features
from reelmates.taste.hybrid import HybridScorer
from reelmates.taste.matrix import RatingsMatrix


def catalog() -> list[FilmRecord]:
    """30 comedies, 15 horror films, 15 dramas, two comedy-horrors; varied decades and directors."""
    films = []
    for n in range(62):
        genres: tuple[str, ...]
        if n < 30:
            genres = ("Comedy",) if n % 3 else ("Comedy", "Romance")
        elif n < 45:
            genres = ("Horror",) if n % 2 else ("Horror", "Thriller")
        elif n < 60:
            genres = ("Drama",)
        else:
            genres = ("Comedy", "Horror")
        films.append(
            FilmRecord(
                source_id=f"f{n}",
                title=f"Film {n}",
                year=1960 + (n * 7) % 60,
                genres=genres,
                runtime_minutes=85 + (n * 13) % 70,
                director=f"Director {n % 9}",
                cast=(f"Actor {n % 11}", f"Actor {(n + 4) % 13}"),
            )
        )
    return films


def test_comedy_lover_gets_no_horror_from_facts_alone() -> None:
    films = catalog()
    ids = np.array([f.source_id for f in films])
    # one person: five comedies at 5★, five horror films at 1★; no community at all
    rated = [0, 1, 2, 4, 5, 31, 33, 35, 37, 39]
    stars = [5.0] * 5 + [1.0] * 5
    empty = RatingsMatrix.from_triples([], [], [], item_ids=ids, user_ids=[])
    model = HybridScorer(features=build_item_features(films).matrix).fit(empty)
    top, _ = model.recommend(rated, stars, 10)
    assert not any("Horror" in films[i].genres for i in top)
    assert all("Comedy" in films[i].genres for i in top)


def test_content_profile_likes_what_was_loved() -> None:
    films = catalog()
    feats = build_item_features(films).matrix
    empty = RatingsMatrix.from_triples([], [], [], item_ids=[f.source_id for f in films])
    model = ContentScorer(features=feats).fit(empty)
    stars = model.predict_stars([45, 46, 47, 30, 32], [5.0, 4.5, 5.0, 1.0, 1.5])
    drama, horror = stars[48:60].mean(), stars[34:45].mean()
    assert drama > horror + 1.0


def test_cold_film_with_no_community_ratings_still_appears() -> None:
    # A MovieLens-like community rated films f0..f59; f60/f61 (comedy-horror) and a new drama
    # "f62" nobody rated. A drama lover should see the cold drama near the top.
    cold = FilmRecord("f62", "Miss You Already", 2015, ("Comedy", "Drama"), 112, "Director 1")
    films = [*catalog(), cold]
    rng = np.random.default_rng(0)
    users, items, stars = [], [], []
    for u in range(80):
        taste = u % 2  # 0: comedy fans, 1: drama fans
        home = np.arange(0, 30) if taste == 0 else np.arange(45, 60)
        for i in rng.choice(home, 8, replace=False):
            users.append(f"u{u}")
            items.append(f"f{i}")
            stars.append(float(rng.choice([4, 4.5, 5])))
    facts = {f.source_id: f for f in films}
    model = fit_default(users, items, stars, films=facts)
    assert "hybrid" in model.describe()
    me = [model.matrix.item_index(f"f{i}") for i in (45, 46, 47, 48, 49)]
    top, _ = model.recommend(me, [5.0] * 5, 10)
    top_ids = {str(model.matrix.item_ids[i]) for i in top}
    assert "f62" in top_ids


@pytest.mark.parametrize(("n_films", "n_features"), [(40, 6), (5, 30)])  # primal, then dual
def test_content_profile_is_the_ridge_solution_on_either_side(
    n_films: int, n_features: int
) -> None:
    from reelmates.taste.content import _RidgeSolver

    rng = np.random.default_rng(n_films)
    dense = rng.random((n_films, n_features)) * (rng.random((n_films, n_features)) < 0.5)
    dense[:, 0] = 0.0  # a feature no film of the history has: it must get no weight
    y = rng.normal(size=n_films)
    lam = 0.7
    solver = _RidgeSolver.build(sp.csr_matrix(dense), lam)
    assert solver.primal == (n_films > n_features)
    w = np.zeros(n_features)
    w[solver.active] = solver.solve(y)
    # Reference: the textbook ridge solve over every feature.
    direct = np.linalg.solve(dense.T @ dense + lam * np.eye(n_features), dense.T @ y)
    assert np.allclose(w, direct, atol=1e-8)
    assert w[0] == 0.0


def test_content_profile_of_one_film_by_hand() -> None:
    f = np.array([[0.6, 0.8]])  # unit length
    solver = _RidgeSolver.build(sp.csr_matrix(f), 1.0)
    w = solver.solve(np.array([2.0]))  # w = f·y / (‖f‖² + λ) = f
    assert np.allclose(w, [0.6, 0.8])
