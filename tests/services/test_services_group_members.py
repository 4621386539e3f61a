"""load_members reads a whole group in a few queries: each member gets exactly their own ratings,
seen marks, watchlist and vetoes (worked by hand below), in the order the handles were given."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import select

from reelmates.errors import NotFoundError
from reelmates.services.taste import ModelHolder, TasteContext
from reelmates.services.together import GroupOptions, load_members
from reelmates.services.uow import unit_of_work
from reelmates.store.models import Film
from reelmates.store.people import PersonRepository
from reelmates.store.ratings import MarkRepository, RatingRepository


@pytest.fixture(scope="module")
def context(holder: ModelHolder) -> Iterator[TasteContext]:
    yield holder.get()


def test_each_member_gets_their_own_rows_in_the_order_asked(
    holder: ModelHolder, context: TasteContext
) -> None:
    engine = holder.engine
    with unit_of_work(engine) as session:
        films = list(session.scalars(select(Film.id).order_by(Film.id).limit(6)))
        people = PersonRepository(session)
        ann, bob, _cy = (people.add_member(h, h.title()) for h in ("gm_ann", "gm_bob", "gm_cy"))
        ratings, marks = RatingRepository(session), MarkRepository(session)
        ratings.set_rating(ann.id, films[0], 4.5, None)
        ratings.set_rating(ann.id, films[1], 1.0, None)
        ratings.set_rating(bob.id, films[2], 3.0, None)
        marks.mark_seen(bob.id, films[3], None)
        marks.mark_seen(bob.id, films[2], None)  # rated and seen: listed once, with its stars
        marks.add_to_watchlist(ann.id, films[4], None)
        people.veto_genre(bob.id, "Horror")
        people.veto_film(ann.id, films[5])
        ann.private = True
    catalog = context.catalog
    pos = {f: int(catalog.items([f])[0]) for f in films}

    with unit_of_work(engine, read_only=True) as session:
        got = load_members(session, catalog, ["GM_Bob", "gm_cy", "gm_ann"], GroupOptions())

    assert [m.name for m in got] == ["gm_bob", "gm_cy", "gm_ann"]
    bob_m, cy_m, ann_m = got
    assert dict(zip(ann_m.seen.tolist(), ann_m.seen_stars.tolist(), strict=True)) == {
        pos[films[0]]: 4.5,
        pos[films[1]]: 1.0,
    }
    bob_seen = dict(zip(bob_m.seen.tolist(), bob_m.seen_stars.tolist(), strict=True))
    assert bob_seen.keys() == {pos[films[2]], pos[films[3]]}
    assert bob_seen[pos[films[2]]] == 3.0 and np.isnan(bob_seen[pos[films[3]]])
    assert cy_m.seen.size == 0 and cy_m.watchlist.size == 0 and not cy_m.private
    assert ann_m.watchlist.tolist() == [pos[films[4]]] and bob_m.watchlist.size == 0
    assert ann_m.vetoed_items.tolist() == [pos[films[5]]] and bob_m.vetoed_items.size == 0
    assert bob_m.vetoed_genres == frozenset({"Horror"}) and not ann_m.vetoed_genres
    assert ann_m.private and not bob_m.private


def test_an_unknown_handle_in_a_group_is_named(holder: ModelHolder, context: TasteContext) -> None:
    with (
        unit_of_work(holder.engine, read_only=True) as session,
        pytest.raises(NotFoundError, match="nobody_here"),
    ):
        load_members(session, context.catalog, ["jess", "nobody_here"], GroupOptions())
