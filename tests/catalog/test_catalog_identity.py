"""Film identity: title keys, year splitting, display titles and the matcher's rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmates.catalog.identity import (
    CatalogFilm,
    FilmMatcher,
    digits_key,
    display_title,
    map_films,
    normalise_imdb_id,
    normalise_title,
    split_title_year,
    title_keys,
)
from reelmates.catalog.records import FilmRecord


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("Godfather, The", "the godfather"),
        ("The Godfather", "the godfather"),
        ("THE GODFATHER", "the godfather"),
        ("Godfather, The (1972)", "the godfather"),
        ("Amerikanische Freund, Der", "der amerikanische freund"),
        ("Cité des enfants perdus, La", "la cite des enfants perdus"),
        (
            "City of Lost Children, The (Cité des enfants perdus, La) (1995)",
            "the city of lost children",
        ),
        ("Ciudad, La", "la ciudad"),
        ("Misérables, Les", "les miserables"),
        ("Mépris, Le", "le mepris"),
        ("Appartement, L'", "lappartement"),
        ("L'Appartement", "lappartement"),
        ("Beautiful Mind, A", "a beautiful mind"),
        ("American Werewolf in London, An", "an american werewolf in london"),
        ("Lord of the Rings: The Two Towers, The", "the lord of the rings the two towers"),
        ("Good, the Bad and the Ugly, The", "the good the bad and the ugly"),
        ("Rock & Rule", "rock and rule"),
        ("Schindler’s List", "schindlers list"),
        ("Schindler's List", "schindlers list"),
        ("Face/Off", "face off"),
        ("  Amélie  ", "amelie"),
        ("(500) Days of Summer (2009)", "500 days of summer"),
        ("Pusher II (a.k.a. With Blood on My Hands: Pusher II) (2004)", "pusher ii"),
    ],
)
def test_normalise_title(title: str, key: str) -> None:
    assert normalise_title(title) == key


def test_a_comma_that_is_not_an_article_stays() -> None:
    assert normalise_title("Crouching Tiger, Hidden Dragon") == "crouching tiger hidden dragon"
    assert display_title("Crouching Tiger, Hidden Dragon") == "Crouching Tiger, Hidden Dragon"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Toy Story (1995)", ("Toy Story", 1995)),
        ("Toy Story  (1995) ", ("Toy Story", 1995)),
        ("1492: Conquest of Paradise (1992)", ("1492: Conquest of Paradise", 1992)),
        ("Babylon 5", ("Babylon 5", None)),
        ("unknown", ("unknown", None)),
        ("Land Before Time III: The Time of the Great Giving (1995) (V)", (
            "Land Before Time III: The Time of the Great Giving", 1995)),
        ("Sherlock (2010–2017)", ("Sherlock", 2010)),
        ("Seven (a.k.a. Se7en) (1995)", ("Seven (a.k.a. Se7en)", 1995)),
        ("(1995)", ("(1995)", None)),  # a title that is only a year is a title
    ],
)  # fmt: skip
def test_split_title_year(title: str, expected: tuple[str, int | None]) -> None:
    assert split_title_year(title) == expected


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        ("Godfather, The", "The Godfather"),
        ("Appartement, L'", "L'Appartement"),
        ("Ciudad, La", "La Ciudad"),
        ("City of Lost Children, The (Cité des enfants perdus, La)",
         "The City of Lost Children (La Cité des enfants perdus)"),
        ("Toy Story", "Toy Story"),
        ("Seven (a.k.a. Se7en)", "Seven (a.k.a. Se7en)"),
    ],
)  # fmt: skip
def test_display_title(title: str, shown: str) -> None:
    assert display_title(title) == shown


def test_title_keys_list_alternate_titles_after_the_main_one() -> None:
    assert title_keys("Hate (Haine, La) (1995)") == ["hate", "la haine"]
    assert title_keys("Seven (a.k.a. Se7en)") == ["seven", "se7en", "7"]  # digits last


def test_imdb_ids_are_canonical() -> None:
    assert normalise_imdb_id("tt0068646") == "tt0068646"
    assert normalise_imdb_id("0068646") == "tt0068646"
    assert normalise_imdb_id(68646) == "tt0068646"
    assert normalise_imdb_id("tt10872600") == "tt10872600"
    assert normalise_imdb_id(" ") is None
    with pytest.raises(ValueError, match="not an IMDb id"):
        normalise_imdb_id("tt12a")


@settings(deadline=None, max_examples=300)
@given(st.text(max_size=40))
def test_normalise_is_idempotent_and_display_keeps_the_key(title: str) -> None:
    key = normalise_title(title)
    assert normalise_title(key) == key
    assert key == key.strip() and "  " not in key
    base, _ = split_title_year(title)
    assert normalise_title(display_title(base)) == normalise_title(base)


def rec(
    title: str, year: int | None, imdb: str | None = None, tmdb: int | None = None
) -> FilmRecord:
    return FilmRecord(source_id=title, title=title, year=year, imdb_id=imdb, tmdb_id=tmdb)


@pytest.fixture
def matcher() -> FilmMatcher[int]:
    return FilmMatcher(
        [
            CatalogFilm(1, "The Godfather", 1972, imdb_id="tt0068646", tmdb_id=238),
            CatalogFilm(2, "Toy Story", 1995),
            CatalogFilm(3, "Hamlet", 1990, imdb_id="tt0099726"),
            CatalogFilm(4, "Hamlet", 1996, imdb_id="tt0116477"),
            CatalogFilm(5, "Hate (Haine, La)", 1995),
        ]
    )


def test_matches_by_title_key_and_year(matcher: FilmMatcher[int]) -> None:
    assert matcher.match(rec("Godfather, The", 1972)) == 1
    assert matcher.match(rec("Toy Story (1995)", 1995)) == 2
    assert matcher.match(rec("La Haine", 1995)) == 5  # an alternate title


def test_matches_by_id_even_when_titles_differ(matcher: FilmMatcher[int]) -> None:
    assert matcher.match(rec("Il padrino", 1972, imdb="tt0068646")) == 1
    assert matcher.match(rec("Der Pate", 1971, tmdb=238)) == 1


def test_an_id_mismatch_is_a_different_film(matcher: FilmMatcher[int]) -> None:
    assert matcher.match(rec("The Godfather", 1972, imdb="tt9999999")) is None
    assert matcher.match(rec("The Godfather", 1972, tmdb=1)) is None
    # One side without an id: the title decides.
    assert matcher.match(rec("Toy Story", 1995, imdb="tt0114709")) == 2


def test_near_year_only_when_the_title_is_unique(matcher: FilmMatcher[int]) -> None:
    assert matcher.match(rec("Toy Story", 1996)) == 2
    assert matcher.match(rec("Toy Story", 1997)) is None
    assert matcher.match(rec("Toy Story", None)) == 2
    assert matcher.match(rec("Hamlet", 1996)) == 4
    assert matcher.match(rec("Hamlet", 1991)) is None  # two Hamlets: a year off is ambiguous
    assert matcher.match(rec("Hamlet", None)) is None


def test_added_films_are_matched_and_ids_can_be_filled_in(matcher: FilmMatcher[int]) -> None:
    assert matcher.match(rec("Heat", 1995)) is None
    matcher.add(6, "Heat", 1995)
    assert matcher.match(rec("Heat", 1995)) == 6
    matcher.add(6, "ignored", 2000, imdb_id="0113277")
    assert matcher.match(rec("Something else", 1800, imdb="tt0113277")) == 6
    assert matcher.match(rec("Heat", 1995, imdb="tt0000001")) is None
    assert len(matcher) == 6


def test_map_films_merges_duplicate_titles_within_one_source() -> None:
    catalog: FilmMatcher[int] = FilmMatcher([CatalogFilm(10, "Toy Story", 1995)])
    records = [
        FilmRecord("1", "Toy Story", 1995),
        FilmRecord("246", "Chasing Amy", 1997),
        FilmRecord("268", "Chasing Amy", 1997),
        FilmRecord("999", "Toy Story", 1995),
    ]
    made: list[FilmRecord] = []

    def create(record: FilmRecord) -> int:
        made.append(record)
        return 100 + len(made)

    mapping = map_films(records, catalog, create)
    assert mapping.ids == {"1": 10, "246": 101, "268": 101, "999": 10}
    assert mapping.matched == 1
    assert [r.source_id for r in mapping.created] == ["246"]
    assert [(r.source_id, i) for r, i in mapping.duplicates] == [("268", 101), ("999", 10)]


@pytest.mark.parametrize(
    ("words", "digits"),
    [
        ("twelve monkeys", "12 monkeys"),
        ("twenty one grams", "21 grams"),
        ("one hundred and one dalmatians", "101 dalmatians"),
        ("two hundred cigarettes", "200 cigarettes"),
        ("the thirteenth warrior", "the 13th warrior"),
        ("oceans eleven", "oceans 11"),
        ("12 monkeys", "12 monkeys"),
        ("hundred", "hundred"),  # no number before it: a word
        ("someone", "someone"),  # whole words only
    ],
)
def test_numbers_as_words_become_digits(words: str, digits: str) -> None:
    assert digits_key(words) == digits


@pytest.mark.parametrize(
    ("catalog", "given"),
    [
        ("Twelve Monkeys", "12 Monkeys"),
        ("12 Monkeys", "Twelve Monkeys"),
        ("101 Dalmatians", "One Hundred and One Dalmatians"),
        ("Ocean's Eleven", "Ocean's 11"),
        ("The 13th Warrior", "The Thirteenth Warrior"),
    ],
)
def test_numbers_match_in_words_or_digits_both_ways(catalog: str, given: str) -> None:
    matcher = FilmMatcher([CatalogFilm(1, catalog, 1995), CatalogFilm(2, "Heat", 1995)])
    assert matcher.match_title(given, 1995) == 1
    assert matcher.match_title(given, None) == 1


def test_a_near_miss_gets_a_suggestion_from_the_same_years() -> None:
    films = [
        CatalogFilm(1, "The Godfather", 1972),
        CatalogFilm(2, "The Godfather: Part II", 1974),
        CatalogFilm(3, "Twelve Monkeys", 1995),
        CatalogFilm(4, "Toy Story", 1995),
    ]
    matcher = FilmMatcher(films)
    assert matcher.match_title("The Godfathr", 1972) is None
    assert matcher.suggest("The Godfathr", 1972) == 1
    assert matcher.suggest("The Godfather Part 2", 1974) == 2
    assert matcher.suggest("12 Monkies", 1996) == 3  # a year off, numbers in digits
    assert matcher.suggest("The Godfathr", 1990) is None  # no film of those years
    assert matcher.suggest("Toy Stroy", None) == 4  # no year: the films sharing a word
    assert matcher.suggest("Tyo Stroy", None) is None  # no year, no shared word: nothing
    assert matcher.suggest("Something Else Entirely", 1995) is None
    matcher.add(5, "Heat", 1995)  # films added later are candidates too
    assert matcher.suggest("Haet", 1995) is None  # too far: 0.5
    assert matcher.suggest("Heatt", 1995) == 5
