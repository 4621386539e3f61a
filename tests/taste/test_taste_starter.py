"""Known answer on the real starter catalog: comedies 5★, horror 1★ → no horror in the top 10.

The hybrid is fitted on the bundled catalog alone (no community at all) and on the catalog plus the
two demo friends' ratings (a tiny community, so the collaborative half has something to say).
"""

from __future__ import annotations

import numpy as np
import pytest

from reelmates.catalog.records import FilmRecord
from reelmates.importers.starter import load_starter_films, load_starter_friends
from reelmates.taste.default import fit_default


def _pick(films: list[FilmRecord], want: str, avoid: str, n: int) -> list[str]:
    return [f.source_id for f in films if want in f.genres and avoid not in f.genres][:n]


@pytest.mark.parametrize("community", ["none", "demo friends"])
def test_comedy_lover_who_hates_horror_gets_no_horror(community: str) -> None:
    films = load_starter_films()
    by_id = {f.source_id: f for f in films}
    users: list[str] = []
    items: list[str] = []
    stars: list[float] = []
    if community == "demo friends":
        ids = {(f.title, f.year): f.source_id for f in films}
        for e in load_starter_friends(films=films):
            if e.stars is not None:
                users.append(e.person)
                items.append(ids[e.title, e.year])
                stars.append(e.stars)
        assert len(users) > 20
    model = fit_default(users, items, stars, films=by_id, seed=0)
    assert model.describe().startswith("hybrid(")

    comedies = _pick(films, "Comedy", "Horror", 6)
    horrors = _pick(films, "Horror", "Comedy", 6)
    rated = [model.matrix.item_index(i) for i in comedies + horrors]
    top, _ = model.recommend(rated, [5.0] * 6 + [1.0] * 6, 10)

    picks = [by_id[str(model.matrix.item_ids[i])] for i in top]
    assert len(picks) == 10
    assert [p.title for p in picks if "Horror" in p.genres] == []
    assert sum("Comedy" in p.genres for p in picks) >= 8
    # and the stars say so too: the comedies we did not rate beat the horror we did not rate
    predicted = model.predict_stars(rated, [5.0] * 6 + [1.0] * 6)
    genre = np.array(
        [
            "C"
            if "Comedy" in by_id[str(i)].genres and "Horror" not in by_id[str(i)].genres
            else "H"
            if "Horror" in by_id[str(i)].genres and "Comedy" not in by_id[str(i)].genres
            else "-"
            for i in model.matrix.item_ids
        ]
    )
    unrated = np.ones(model.n_items, dtype=bool)
    unrated[rated] = False
    assert (
        predicted[unrated & (genre == "C")].mean() > predicted[unrated & (genre == "H")].mean() + 1
    )
