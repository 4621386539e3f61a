"""Matching a media server's films to the catalog: known answers worked by hand, then the
invariants (Hypothesis) that hold for any catalog and any spelling."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reelmates.catalog.identity import CatalogFilm
from reelmates.catalog.matching import LibraryMatcher, Match

CATALOG = [
    CatalogFilm(1, "The Godfather", 1972, imdb_id="tt0068646", tmdb_id=238),
    CatalogFilm(2, "Heat", 1995),
    CatalogFilm(3, "Heat", 1986),
    CatalogFilm(4, "Amélie", 2001),
    CatalogFilm(5, "Solaris", 1972, imdb_id="tt0069293"),
    CatalogFilm(6, "Solaris", 2002, imdb_id="tt0307479"),
    CatalogFilm(7, "Twelve Monkeys", 1995),
    CatalogFilm(8, "Hamlet", 1996),
    CatalogFilm(9, "Hamlet", 1996),  # two catalog entries of one title and year
    CatalogFilm(10, "Crash", 1996),
    CatalogFilm(11, "Crash", 2004),
]


def _match(title: str | None, year: int | None, **ids: object) -> Match[int]:
    return LibraryMatcher(CATALOG).match(title, year, **ids)  # type: ignore[arg-type]


def test_ids_first_then_title_and_year_then_new() -> None:
    # An IMDb id decides, whatever the server calls the film.
    assert _match("Le Parrain", 1972, imdb_id="tt0068646") == Match("imdb", 1)
    assert _match("Le Parrain", 1972, imdb_id="0068646") == Match("imdb", 1)
    assert _match("Le Parrain", None, tmdb_id=238) == Match("tmdb", 1)
    # The catalog's normalisation: case, accents, punctuation, the article moved to the end.
    assert _match("godfather, the", 1972) == Match("title", 1)
    assert _match("AMELIE", 2001) == Match("title", 4)
    assert _match("12 Monkeys", 1995) == Match("title", 7)
    assert _match("Heat", 1995) == Match("title", 2)
    assert _match("Heat", 1986) == Match("title", 3)
    # A year off by one, when only one film of the title is that near.
    assert _match("Amélie", 2002) == Match("title", 4)
    assert _match("Heat", 1996) == Match("title", 2)
    assert _match("Heat", 1987) == Match("title", 3)
    assert _match("Amélie", None) == Match("title", 4)
    # A different id means a different film, even with the same title and year.
    assert _match("Solaris", 1972, imdb_id="tt9999999") == Match("new")
    assert _match("Solaris", 1972, imdb_id="tt0069293") == Match("imdb", 5)
    assert _match("Solaris", 1972) == Match("title", 5)
    # Films the catalog lacks; a malformed IMDb id is ignored, not trusted.
    assert _match("Paddington 2", 2017) == Match("new")
    assert _match("Heat", 1990) == Match("new")  # five years from either
    assert _match("The Godfather", 1972, imdb_id="not-an-id") == Match("title", 1)


def test_ambiguous_or_untitled_films_are_unmatched_with_a_reason() -> None:
    hamlet = _match("Hamlet", 1996)
    assert hamlet.kind == "unmatched" and hamlet.film_id is None
    assert hamlet.reason == "2 catalog films have this title in 1996"
    heat = _match("Heat", None)
    assert heat.kind == "unmatched" and "2 catalog films" in (heat.reason or "")
    assert (
        _match("Hamlet", 1997).reason
        == "2 catalog films have this title a year either side of 1997"
    )
    for title in (None, "", "   ", "?!…", "—"):
        assert _match(title, 2001) == Match("unmatched", reason="no usable title")
    assert _match("x" * 301, 2001).reason == "title longer than 300 characters"
    # Ids still decide for a film without a usable title.
    assert _match(None, None, imdb_id="tt0307479") == Match("imdb", 6)


# --- invariants --------------------------------------------------------------------------

WORDS = st.sampled_from(["heat", "alien", "solaris", "crash", "ran", "amour", "up", "her"])
TITLES = st.tuples(st.booleans(), st.lists(WORDS, min_size=1, max_size=3)).map(
    lambda t: ("the " if t[0] else "") + " ".join(t[1])
)
YEARS = st.integers(1990, 1999)
FILMS = st.lists(st.tuples(TITLES, YEARS), min_size=1, max_size=25)


def _catalog(rows: list[tuple[str, int]]) -> list[CatalogFilm[int]]:
    return [
        CatalogFilm(i, title, year, imdb_id=f"tt{i + 1:07d}", tmdb_id=1000 + i)
        for i, (title, year) in enumerate(rows)
    ]


def _spelt(title: str, how: int) -> str:
    """Spellings the catalog's normalisation takes for one: case, punctuation, spacing, and
    a leading article moved to the end ("Heat, The")."""
    moved = f"{title[4:].title()}, The" if title.startswith("the ") else title.title()
    return [title, title.upper(), f"{title}!", f"  {title}.  ", moved][how]


@given(FILMS, st.data())
def test_a_catalog_film_is_found_by_its_ids_whatever_its_title(
    rows: list[tuple[str, int]], data: st.DataObject
) -> None:
    films = _catalog(rows)
    matcher = LibraryMatcher(films)
    film = data.draw(st.sampled_from(films))
    noise = data.draw(st.sampled_from([None, "", "Something else", film.title]))
    assert matcher.match(noise, None, imdb_id=film.imdb_id) == Match("imdb", film.id)
    assert matcher.match(noise, None, tmdb_id=film.tmdb_id) == Match("tmdb", film.id)


@given(FILMS, st.data())
def test_a_catalog_title_is_never_new_and_a_unique_one_is_found(
    rows: list[tuple[str, int]], data: st.DataObject
) -> None:
    films = [CatalogFilm(i, t, y) for i, (t, y) in enumerate(rows)]  # no ids: titles decide
    matcher = LibraryMatcher(films)
    film = data.draw(st.sampled_from(films))
    how = data.draw(st.integers(0, 4))
    found = matcher.match(_spelt(film.title, how), film.year)
    twins = [f.id for f in films if f.title == film.title and f.year == film.year]
    if len(twins) == 1:
        assert found == Match("title", film.id)
    else:
        assert (
            found.kind == "unmatched"
            and found.reason
            and found.reason.startswith(f"{len(twins)} catalog films")
        )


@given(FILMS, st.permutations(list(range(25))), TITLES, st.one_of(st.none(), YEARS))
def test_the_answer_does_not_depend_on_the_catalog_order(
    rows: list[tuple[str, int]], order: list[int], title: str, year: int | None
) -> None:
    films = [CatalogFilm(i, t, y) for i, (t, y) in enumerate(rows)]
    shuffled = [films[i] for i in order if i < len(films)]
    assert LibraryMatcher(films).match(title, year) == LibraryMatcher(shuffled).match(title, year)


@given(FILMS, TITLES, st.one_of(st.none(), YEARS))
def test_every_answer_is_well_formed(
    rows: list[tuple[str, int]], title: str, year: int | None
) -> None:
    films = [CatalogFilm(i, t, y) for i, (t, y) in enumerate(rows)]
    found = LibraryMatcher(films).match(title, year)
    if found.kind == "title":
        assert found.film_id is not None and found.reason is None
        matched = films[found.film_id]
        assert year is None or matched.year is None or abs(matched.year - year) <= 1
    elif found.kind == "new":
        assert found.film_id is None and found.reason is None
        assert all(f.title != title or f.year != year for f in films)
    else:
        assert found.kind == "unmatched" and found.film_id is None and found.reason
