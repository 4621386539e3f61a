"""Two friends' compatibility through the service, on the starter catalog and the demo friends
(Jess rates horror 1–2★, Milly war films 1.5–2★), on both databases; a private friend's
breakdown is never given."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from reelmates.services import people
from reelmates.services.compat import friend_compatibility
from reelmates.services.films_page import rate
from reelmates.services.taste import ModelHolder
from reelmates.services.uow import unit_of_work
from reelmates.store.friends import FriendSummary
from reelmates.store.people import PersonRepository
from reelmates.store.ratings import RatingRepository


def _summary(engine: Engine, handle: str) -> FriendSummary:
    with unit_of_work(engine, read_only=True) as session:
        person = PersonRepository(session).require(handle)
        return FriendSummary(person.id, person.handle, person.display_name or person.handle)


@pytest.fixture
def private_milly(holder: ModelHolder) -> Iterator[None]:
    with unit_of_work(holder.engine) as session:
        people.set_private(session, "Milly", True)
    yield
    with unit_of_work(holder.engine) as session:
        people.set_private(session, "Milly", False)


def test_jess_and_milly_differ_most_on_horror_and_war(holder: ModelHolder) -> None:
    context = holder.get()
    with unit_of_work(holder.engine, read_only=True) as session:
        seen = friend_compatibility(session, context, "Jess", _summary(holder.engine, "Milly"))
    result = seen.result
    assert result is not None and result.overall is not None and 0 <= result.overall <= 100
    assert result.films == context.catalog.facts.n_items and not seen.private
    worst = sorted(result.genres, key=lambda g: g.agreement)[:2]
    by_label = {g.label: g for g in worst}
    assert set(by_label) == {"Horror", "War"}
    horror, war = by_label["Horror"], by_label["War"]
    assert horror.stars[0] < horror.stars[1]  # Jess (first) likes horror less
    assert war.stars[0] > war.stars[1]  # Milly likes war films less
    assert [d.label for d in result.decades] == sorted(d.label for d in result.decades)
    assert result.decades and all(d.films >= 5 for d in result.decades)
    assert seen.shared is not None and seen.shared.films >= 5  # they both rated a few
    assert seen.meta == context.meta


def test_the_same_taste_is_100_percent(holder: ModelHolder) -> None:
    context = holder.get()
    with unit_of_work(holder.engine) as session:
        for handle in ("twin_a", "twin_b"):
            people.add_member(session, handle)
            for film_id, stars in ((1, 5.0), (2, 1.0), (3, 4.0), (10, 2.5), (20, 4.5)):
                rate(session, handle, film_id, stars)
    try:
        with unit_of_work(holder.engine, read_only=True) as session:
            seen = friend_compatibility(
                session, context, "twin_a", _summary(holder.engine, "twin_b")
            )
        assert seen.result is not None and seen.overall == pytest.approx(100.0)
        assert {g.agreement for g in seen.result.genres} == {100.0}
        assert seen.shared is not None and seen.shared.films == 5
        assert seen.shared.agreement == 100.0
    finally:
        with unit_of_work(holder.engine) as session:
            for handle in ("twin_a", "twin_b"):
                person = PersonRepository(session).require(handle)
                for film_id, _ in RatingRepository(session).for_person(person.id):
                    RatingRepository(session).delete_rating(person.id, film_id)
                session.delete(person)


@pytest.mark.usefixtures("private_milly")
def test_a_private_friend_shows_only_the_overall_figure(holder: ModelHolder) -> None:
    context = holder.get()
    milly, jess = _summary(holder.engine, "Milly"), _summary(holder.engine, "Jess")
    with unit_of_work(holder.engine, read_only=True) as session:
        to_jess = friend_compatibility(session, context, "Jess", milly)
        to_milly = friend_compatibility(session, context, "Milly", jess)
    assert to_jess.private and to_jess.result is not None and to_jess.overall is not None
    assert to_jess.result.genres == () and to_jess.result.decades == ()
    assert to_jess.shared is None
    # Milly sees all of her own: Jess is not private, so the breakdown is hers to see.
    assert not to_milly.private and to_milly.result is not None and to_milly.result.genres
    # The figure is the same from either side (the prediction, not the privacy, decides it).
    assert to_jess.overall == pytest.approx(to_milly.overall)


def test_no_model_says_why(holder: ModelHolder) -> None:
    with unit_of_work(holder.engine, read_only=True) as session:
        seen = friend_compatibility(
            session, None, "Jess", _summary(holder.engine, "Milly"), no_model="no model here"
        )
    assert seen.result is None and seen.note == "no model here" and seen.overall is None
