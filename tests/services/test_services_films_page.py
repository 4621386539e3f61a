"""Search, a film's details and a member's marks, on both databases (starter catalog, one model
per module)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from reelmates.errors import ConflictError, InvalidValueError, NotFoundError
from reelmates.services import films_page
from reelmates.services.personal import recommend_for_person
from reelmates.services.taste import ModelHolder
from reelmates.services.uow import unit_of_work
from reelmates.store.films import FilmRepository
from reelmates.store.people import PersonRepository


class _UndoError(Exception):
    pass


@contextmanager
def rolled_back(holder: ModelHolder) -> Iterator[Session]:
    """A unit of work whose changes are rolled back (the module's database stays as seeded)."""
    with contextlib.suppress(_UndoError), unit_of_work(holder.engine) as session:
        yield session
        raise _UndoError


def _id(holder: ModelHolder, title: str) -> int:
    with unit_of_work(holder.engine, read_only=True) as session:
        return next(c.film_id for c in films_page.search_films(session, title) if c.title == title)


def test_search_ranks_exact_keys_then_prefixes_then_later_words(holder: ModelHolder) -> None:
    with unit_of_work(holder.engine, read_only=True) as session:
        found = [(c.title, c.year) for c in films_page.search_films(session, "  HeAt ")]
        assert found == [
            ("Heat", 1995),
            ("The Heat", 2013),
            ("Heathers", 1989),
            ("In the Heat of the Night", 1967),
        ]
        assert [c.title for c in films_page.search_films(session, "heat", limit=2)] == [
            "Heat",
            "The Heat",
        ]
        assert [c.title for c in films_page.search_films(session, "Dark Knight")] == [
            "The Dark Knight"
        ]
        for wild in ("%", "_", "h%t", ""):
            assert films_page.search_films(session, wild) == []


def test_search_is_a_range_on_the_title_key_index(holder: ModelHolder) -> None:
    """The repository's prefix query is answered from ix_films_title_key_year on SQLite."""
    if holder.engine.dialect.name != "sqlite":
        pytest.skip("the plan check reads SQLite's EXPLAIN QUERY PLAN")
    issued: list[tuple[str, object]] = []

    def capture(_conn: object, _cursor: object, sql: str, params: object, *_: object) -> None:
        issued.append((sql, params))

    event.listen(holder.engine, "before_cursor_execute", capture)
    try:
        with unit_of_work(holder.engine, read_only=True) as session:
            FilmRepository(session).search("heat", limit=5)
    finally:
        event.remove(holder.engine, "before_cursor_execute", capture)
    sql, params = next((q, p) for q, p in issued if "title_key >=" in q)
    with holder.engine.connect() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()  # type: ignore[arg-type]
    assert "USING INDEX ix_films_title_key_year" in " ".join(str(row[-1]) for row in plan)


@pytest.mark.parametrize("stars", [0.0, 5.5, 3.3, -1.0, float("nan"), float("inf")])
def test_only_half_stars_from_one_half_to_five_are_ratings(
    holder: ModelHolder, stars: float
) -> None:
    heat = _id(holder, "Heat")
    with (
        pytest.raises(InvalidValueError, match="is not a rating") as raised,
        unit_of_work(holder.engine) as session,
    ):
        films_page.rate(session, "Milly", heat, stars)
    assert raised.value.status_code == 422


def test_rate_unrate_seen_and_watchlist(holder: ModelHolder) -> None:
    film = _id(holder, "Heathers")
    with rolled_back(holder) as session:
        marks = films_page.rate(session, "Milly", film, 4.5)
        assert (marks.stars, marks.seen, marks.on_watchlist) == (4.5, True, False)
        with pytest.raises(ConflictError, match="counts as seen"):
            films_page.unmark_seen(session, "Milly", film)
        assert films_page.unrate(session, "Milly", film).seen is False
        assert films_page.mark_seen(session, "Milly", film).seen is True
        assert films_page.mark_seen(session, "Milly", film).seen is True  # twice: no error
        assert films_page.unmark_seen(session, "Milly", film).seen is False
        assert films_page.add_to_watchlist(session, "Milly", film).on_watchlist is True
        assert films_page.add_to_watchlist(session, "Milly", film).on_watchlist is True
        assert films_page.remove_from_watchlist(session, "Milly", film).on_watchlist is False
        with pytest.raises(NotFoundError, match="no film with id"):
            films_page.mark_seen(session, "Milly", 10**8)


def test_a_rating_counts_in_picks_at_once(holder: ModelHolder) -> None:
    context = holder.get()
    with rolled_back(holder) as session:
        PersonRepository(session).add_member("newbie", "Newbie")
        top = recommend_for_person(session, context, "newbie", 3)[0]
        films_page.rate(session, "newbie", top.film_id, 5)
        after = recommend_for_person(session, context, "newbie", 3)
        assert top.film_id not in [p.film_id for p in after]
        details = films_page.film_details(session, context, "newbie", top.film_id)
        assert details.my_stars == 5 and details.seen


def test_film_details_without_a_model_or_for_a_film_newer_than_it(holder: ModelHolder) -> None:
    context = holder.get()
    heat = _id(holder, "Heat")
    with rolled_back(holder) as session:
        bare = films_page.film_details(session, None, "Jess", heat, no_model="no model yet")
        assert bare.prediction.stars is None and bare.prediction.note == "no model yet"
        assert (bare.title, bare.year, bare.runtime_minutes) == ("Heat", 1995, 170)
        assert bare.cast == ("Al Pacino", "Robert De Niro")
        new_id = FilmRepository(session).extent()[1] + 1
        row = {"id": new_id, "title": "New", "title_key": "new"}
        FilmRepository(session).insert_rows([row], [])
        newer = films_page.film_details(session, context, "Jess", new_id)
        assert newer.prediction.stars is None
        assert newer.prediction.note is not None and "newer than" in newer.prediction.note
