"""Members on both databases: case-free handles, display names, privacy, vetoes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from reelmates.errors import ConflictError, NotFoundError, ReelmatesError
from reelmates.importers.sources import open_path
from reelmates.services import people
from reelmates.services.letterboxd import import_letterboxd
from reelmates.services.uow import unit_of_work
from reelmates.store.models import (
    DISPLAY_NAME_MAX,
    HANDLE_MAX,
    Film,
    FilmGenre,
    Person,
    Rating,
)
from reelmates.store.people import PersonRepository
from sample_data import write_zip


def _films(engine: Engine) -> dict[str, int]:
    """Alien (Horror, Sci-Fi), Heat (Crime), and a person's rating so counts are not all 0."""
    with unit_of_work(engine) as session:
        alien = Film(title="Alien", title_key="alien", year=1979)
        heat = Film(title="Heat", title_key="heat", year=1995)
        session.add_all([alien, heat])
        session.flush()
        session.add_all(
            [
                FilmGenre(film_id=alien.id, genre="Horror"),
                FilmGenre(film_id=alien.id, genre="Sci-Fi"),
                FilmGenre(film_id=heat.id, genre="Crime"),
            ]
        )
        return {"Alien": alien.id, "Heat": heat.id}


def test_add_member_then_list_them_sorted_case_free(db_engine: Engine) -> None:
    films = _films(db_engine)
    with unit_of_work(db_engine) as session:
        people.add_member(session, "zoë", "Zoë Q")
        jess = people.add_member(session, "Jess")
        session.add(Rating(person_id=jess.id, film_id=films["Alien"], half_stars=8))
        session.add(Rating(person_id=jess.id, film_id=films["Heat"], half_stars=6))
        session.add(Person(handle="ml:1", kind="community", source="ml"))  # never listed
    with unit_of_work(db_engine, read_only=True) as session:
        listed = people.list_people(session)
    assert [(m.handle, m.display_name, m.private, m.ratings) for m in listed] == [
        ("Jess", "Jess", False, 2),  # display name defaults to the handle
        ("zoë", "Zoë Q", False, 0),
    ]
    with unit_of_work(db_engine) as session:
        stored = session.scalars(select(Person).where(Person.handle == "zoë")).one()
        assert (stored.handle_key, stored.display_name) == ("zoë", "Zoë Q")


@pytest.mark.parametrize("taken", ["jess", "JESS", "Jess"])
def test_a_handle_taken_in_any_case_is_a_conflict(db_engine: Engine, taken: str) -> None:
    with unit_of_work(db_engine) as session:
        people.add_member(session, "Jess")
    with pytest.raises(ConflictError, match="taken"), unit_of_work(db_engine) as session:
        people.add_member(session, taken)
    with unit_of_work(db_engine, read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 1


@pytest.mark.parametrize(
    ("handle", "problem"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("jess k", "characters"),
        ("jess:1", "characters"),
        ("<b>", "characters"),
        ("j" * (HANDLE_MAX + 1), "at most"),
    ],
)
def test_bad_handles_are_refused(db_engine: Engine, handle: str, problem: str) -> None:
    with pytest.raises(ReelmatesError, match=problem), unit_of_work(db_engine) as session:
        people.add_member(session, handle)


def test_unicode_letters_digits_and_punctuation_make_a_handle(db_engine: Engine) -> None:
    with unit_of_work(db_engine) as session:
        people.add_member(session, "j" * HANDLE_MAX)  # the longest that fits
        people.add_member(session, "Ørjan_2.b-c")
        people.add_member(session, "ЖЕНЯ")
    with unit_of_work(db_engine, read_only=True) as session:
        assert len(people.list_people(session)) == 3
        # Found again in another case: the key is the casefold.
        assert PersonRepository(session).by_handle("женя") is not None


def test_a_too_long_display_name_is_refused(db_engine: Engine) -> None:
    with unit_of_work(db_engine) as session:
        people.add_member(session, "a", "n" * DISPLAY_NAME_MAX)
    with pytest.raises(ReelmatesError, match="display name"), unit_of_work(db_engine) as session:
        people.add_member(session, "b", "n" * (DISPLAY_NAME_MAX + 1))


def test_private_and_public(db_engine: Engine) -> None:
    with unit_of_work(db_engine) as session:
        jess = people.add_member(session, "Jess")
    with unit_of_work(db_engine) as session:
        people.set_private(session, "JESS", True)
    with unit_of_work(db_engine, read_only=True) as session:
        assert PersonRepository(session).preferences(jess.id).private is True
        assert people.list_people(session)[0].private is True
    with unit_of_work(db_engine) as session:
        people.set_private(session, "jess", False)
    with unit_of_work(db_engine, read_only=True) as session:
        assert PersonRepository(session).preferences(jess.id).private is False


def test_vetoes_of_genres_and_films(db_engine: Engine) -> None:
    films = _films(db_engine)
    with unit_of_work(db_engine) as session:
        jess = people.add_member(session, "Jess")
        assert people.veto_genre(session, "jess", "horror")  # stored in the catalog's spelling
        assert not people.veto_genre(session, "jess", "Horror")  # twice is harmless
        assert people.veto_film(session, "jess", films["Heat"])
    with unit_of_work(db_engine, read_only=True) as session:
        prefs = PersonRepository(session).preferences(jess.id)
        assert prefs.vetoed_genres == frozenset({"Horror"})
        assert prefs.vetoed_films == frozenset({films["Heat"]})
        listed = people.list_people(session)[0]
        assert listed.vetoed_genres == ("Horror",)
        assert listed.vetoed_films == (("Heat", 1995),)
    with unit_of_work(db_engine) as session:
        assert people.unveto_genre(session, "Jess", "HORROR")
        assert not people.unveto_genre(session, "Jess", "Crime")  # known, never vetoed
        assert people.unveto_film(session, "Jess", films["Heat"])
        assert not people.unveto_film(session, "Jess", films["Heat"])
    with unit_of_work(db_engine, read_only=True) as session:
        prefs = PersonRepository(session).preferences(jess.id)
        assert prefs.vetoed_genres == frozenset()
        assert prefs.vetoed_films == frozenset()


def test_an_unknown_genre_names_the_near_ones(db_engine: Engine) -> None:
    _films(db_engine)
    with unit_of_work(db_engine) as session:
        people.add_member(session, "Jess")
    with (
        pytest.raises(NotFoundError, match="no genre 'Horor'") as caught,
        unit_of_work(db_engine) as session,
    ):
        people.veto_genre(session, "Jess", "Horor")
    assert caught.value.hint == "Did you mean Horror?"
    with pytest.raises(NotFoundError) as far, unit_of_work(db_engine) as session:
        people.veto_genre(session, "Jess", "Western")
    assert far.value.hint == "The catalog's genres: Crime, Horror, Sci-Fi."


def test_an_unknown_film_id_is_not_found(db_engine: Engine) -> None:
    films = _films(db_engine)
    with unit_of_work(db_engine) as session:
        people.add_member(session, "Jess")
    with pytest.raises(NotFoundError, match="no film"), unit_of_work(db_engine) as session:
        people.veto_film(session, "Jess", max(films.values()) + 100)


@pytest.mark.parametrize(
    "call",
    [
        lambda s: people.set_private(s, "nobody", True),
        lambda s: people.veto_genre(s, "nobody", "Horror"),
        lambda s: people.unveto_genre(s, "nobody", "Horror"),
        lambda s: people.veto_film(s, "nobody", 1),
        lambda s: people.unveto_film(s, "nobody", 1),
        lambda s: people.set_private(s, "ml:1", True),  # a community rater is not a member
    ],
)
def test_an_unknown_person_is_not_found_with_a_hint(db_engine: Engine, call: object) -> None:
    _films(db_engine)
    with unit_of_work(db_engine) as session:
        session.add(Person(handle="ml:1", kind="community", source="ml"))
    with (
        pytest.raises(NotFoundError, match="no member called") as caught,
        unit_of_work(db_engine) as session,
    ):
        call(session)  # type: ignore[operator]
    assert caught.value.hint == "`reelmates people` lists them"
    assert caught.value.status_code == 404


LETTERBOXD = {
    "ratings.csv": "Date,Name,Year,Letterboxd URI,Rating\n2024-01-02,Alien,1979,x,4.5\n",
}


def test_letterboxd_for_jess_then_jess_is_one_person(db_engine: Engine, tmp_path: Path) -> None:
    _films(db_engine)
    with open_path(write_zip(tmp_path / "a.zip", LETTERBOXD)) as root:
        first = import_letterboxd(db_engine, root, "Jess")
    with open_path(write_zip(tmp_path / "b.zip", LETTERBOXD)) as root:
        second = import_letterboxd(db_engine, root, "jess")
    assert first.person_created and not second.person_created
    with unit_of_work(db_engine, read_only=True) as session:
        listed = people.list_people(session)
    assert [(m.handle, m.display_name, m.ratings) for m in listed] == [("Jess", "Jess", 1)]
    with pytest.raises(ConflictError), unit_of_work(db_engine) as session:
        people.add_member(session, "JESS")
