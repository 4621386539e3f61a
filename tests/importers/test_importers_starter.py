"""The bundled starter catalog and demo friends: the shipped data, and the loader's validation."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from statistics import mean

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reelmates.catalog.records import FilmRecord
from reelmates.errors import InputFileError
from reelmates.importers.movielens import GENRES
from reelmates.importers.starter import (
    FILMS_HEADER,
    FRIENDS_HEADER,
    MAX_PREMISE,
    StarterEntry,
    index_by_title_year,
    load_starter_films,
    load_starter_friends,
    starter_source_id,
)

MISS_YOU_ALREADY = ("Miss You Already", 2015)
# Well-known films the demo and the MovieLens-matching story lean on.
EXPECTED = [
    ("Toy Story", 1995), ("Star Wars", 1977), ("Fargo", 1996), ("The Godfather", 1972),
    ("Casablanca", 1942), ("Titanic", 1997), ("Beaches", 1988), ("Steel Magnolias", 1989),
    ("Terms of Endearment", 1983), ("Fried Green Tomatoes", 1991), ("Thelma & Louise", 1991),
    ("Sleepless in Seattle", 1993), ("When Harry Met Sally...", 1989), ("Now and Then", 1995),
    ("Waiting to Exhale", 1995), ("Bridesmaids", 2011), ("Frances Ha", 2012),
    ("Lady Bird", 2017), ("Little Women", 2019), ("The Notebook", 2004),
    ("P.S. I Love You", 2007), ("A Walk to Remember", 2002), ("Stepmom", 1998),
    ("Amélie", 2001),
]  # fmt: skip


@pytest.fixture(scope="module")
def films() -> list[FilmRecord]:
    return load_starter_films()


@pytest.fixture(scope="module")
def friends(films: list[FilmRecord]) -> list[StarterEntry]:
    return load_starter_friends(films=films)


def _ratings(entries: Iterable[StarterEntry], person: str) -> dict[tuple[str, int], float]:
    return {
        (e.title, e.year): e.stars
        for e in entries
        if e.person == person and e.kind == "rating" and e.stars is not None
    }


def _mean_for_genres(
    ratings: dict[tuple[str, int], float], films: list[FilmRecord], genres: set[str]
) -> float:
    by_key = index_by_title_year(films)
    return mean(stars for key, stars in ratings.items() if genres & set(by_key[key].genres))


# --- the shipped catalog ---------------------------------------------------------------------


def test_catalog_is_large_and_unique(films: list[FilmRecord]) -> None:
    assert len(films) >= 300
    keys = [(f.title, f.year) for f in films]
    assert len(set(keys)) == len(keys)
    assert len({f.source_id for f in films}) == len(films)
    assert all(f.source_id == starter_source_id(f.title, f.year or 0) for f in films)


def test_every_genre_is_known_and_used_at_least_three_times(films: list[FilmRecord]) -> None:
    used = Counter(g for f in films for g in f.genres)
    assert set(used) <= set(GENRES)
    assert {g: used[g] for g in GENRES if used[g] < 3} == {}


def test_rows_keep_to_the_format(films: list[FilmRecord]) -> None:
    for f in films:
        assert 1 <= len(f.genres) <= 3, f.title
        assert len(f.cast) == 2, f.title
        assert f.runtime_minutes is not None and 40 <= f.runtime_minutes <= 300, f.title
        assert f.director and f.premise and len(f.premise) <= MAX_PREMISE, f.title
        assert f.imdb_id is None and f.tmdb_id is None  # none are claimed
        # natural order: "The Godfather", never MovieLens's "Godfather, The"
        assert not f.title.endswith((", The", ", A", ", An")), f.title


def test_every_decade_from_the_thirties_is_covered(films: list[FilmRecord]) -> None:
    decades = Counter((f.year or 0) // 10 * 10 for f in films)
    assert {d: decades[d] for d in range(1930, 2030, 10) if decades[d] < 10} == {}


def test_well_known_films_are_present(films: list[FilmRecord]) -> None:
    keys = {(f.title, f.year) for f in films}
    assert [k for k in EXPECTED if k not in keys] == []


def test_miss_you_already_is_described(films: list[FilmRecord]) -> None:
    film = index_by_title_year(films)[MISS_YOU_ALREADY]
    assert film.director == "Catherine Hardwicke"
    assert film.cast == ("Toni Collette", "Drew Barrymore")
    assert film.runtime_minutes == 112
    assert {"Comedy", "Drama"} <= set(film.genres)
    assert film.source_id == "starter:miss-you-already-2015"


# --- the demo friends ------------------------------------------------------------------------


def test_jess_and_milly_each_rate_plenty(friends: list[StarterEntry]) -> None:
    assert {e.person for e in friends} == {"Jess", "Milly"}
    for person in ("Jess", "Milly"):
        kinds = Counter(e.kind for e in friends if e.person == person)
        assert kinds["rating"] >= 30, person
        assert kinds["seen"] >= 1 and kinds["watchlist"] >= 1, person


def test_neither_has_seen_miss_you_already(friends: list[StarterEntry]) -> None:
    assert [e for e in friends if (e.title, e.year) == MISS_YOU_ALREADY] == []


def test_some_films_are_on_both_watchlists(friends: list[StarterEntry]) -> None:
    lists = {
        person: {(e.title, e.year) for e in friends if e.person == person and e.kind == "watchlist"}
        for person in ("Jess", "Milly")
    }
    assert len(lists["Jess"] & lists["Milly"]) >= 2


def test_tastes_overlap_on_tearjerkers(friends: list[StarterEntry]) -> None:
    jess, milly = _ratings(friends, "Jess"), _ratings(friends, "Milly")
    for key in [("Beaches", 1988), ("Steel Magnolias", 1989), ("Terms of Endearment", 1983)]:
        assert milly[key] >= 4.5, key
        assert jess[key] >= 4.0, key
    assert len(jess.keys() & milly.keys()) >= 10


def test_tastes_differ(friends: list[StarterEntry], films: list[FilmRecord]) -> None:
    jess, milly = _ratings(friends, "Jess"), _ratings(friends, "Milly")
    assert _mean_for_genres(jess, films, {"Horror"}) <= 2.0
    assert _mean_for_genres(milly, films, {"War", "Western"}) <= 2.0
    assert _mean_for_genres(milly, films, {"Musical"}) > _mean_for_genres(jess, films, {"Musical"})
    # the two people are not copies: their five-star films barely overlap
    top_jess = {k for k, s in jess.items() if s == 5}
    top_milly = {k for k, s in milly.items() if s == 5}
    assert len(top_jess & top_milly) <= 1


# --- loader validation -----------------------------------------------------------------------

GOOD_FILM = ["Heat", "1995", "Action|Crime", "170", "Michael Mann", "Al Pacino|Robert De Niro",
             "A detective closes in on a thief."]  # fmt: skip


def _csv(header: Iterable[str], *rows: Iterable[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _film(**changes: str) -> list[str]:
    row = dict(zip(FILMS_HEADER, GOOD_FILM, strict=True)) | changes
    return [row[name] for name in FILMS_HEADER]


def _expect_error(path: Path, load: Callable[[Path], object], line: int, words: str) -> None:
    with pytest.raises(InputFileError) as caught:
        load(path)
    assert caught.value.line == line
    assert caught.value.path == str(path)
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert words in caught.value.message


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"genres": "Action|Heist"}, "unknown genre 'Heist'"),
        ({"genres": "Action|"}, "empty genre"),
        ({"genres": "Drama|Drama"}, "repeats a genre"),
        ({"genres": "Action|Crime|Drama|Thriller"}, "at most 3"),
        ({"year": "199O"}, "not a whole number"),
        ({"year": "1850"}, "outside 1888..2100"),
        ({"runtime_minutes": "39"}, "outside 40..300"),
        ({"runtime_minutes": "301"}, "outside 40..300"),
        ({"runtime_minutes": "98.5"}, "not a whole number"),
        ({"cast": "Al Pacino"}, "2 names"),
        ({"cast": "Al Pacino|"}, "2 names"),
        ({"director": "  "}, "director is empty"),
        ({"premise": "x" * (MAX_PREMISE + 1)}, "at most 160"),
    ],
)
def test_a_bad_film_row_names_its_line(tmp_path: Path, changes: dict[str, str], words: str) -> None:
    path = tmp_path / "films.csv"
    good = _film(title="Casino")
    path.write_text(_csv(FILMS_HEADER, good, _film(**changes), good), encoding="utf-8")
    _expect_error(path, load_starter_films, 3, words)


def test_duplicate_films_and_clashing_ids_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "films.csv"
    path.write_text(_csv(FILMS_HEADER, _film(), _film(title="Up"), _film()), encoding="utf-8")
    _expect_error(path, load_starter_films, 4, "first on line 2")
    # different titles, same id: "Thelma & Louise" and "Thelma and Louise" would collide
    path.write_text(
        _csv(FILMS_HEADER, _film(title="Thelma & Louise"), _film(title="Thelma and Louise")),
        encoding="utf-8",
    )
    _expect_error(path, load_starter_films, 3, "clashes with line 2")


def test_header_and_field_count_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "films.csv"
    path.write_text(_csv(["title", "year"], ["Heat", "1995"]), encoding="utf-8")
    _expect_error(path, load_starter_films, 1, "expected the header")
    path.write_text(_csv(FILMS_HEADER, _film(), GOOD_FILM[:5]), encoding="utf-8")
    _expect_error(path, load_starter_films, 3, "expected 7 fields")
    path.write_text("", encoding="utf-8")
    _expect_error(path, load_starter_films, 1, "empty file")


def test_line_numbers_count_lines_inside_quoted_fields(tmp_path: Path) -> None:
    # row 2 spans lines 2-3, so the bad row after it is on line 4, not 3
    path = tmp_path / "films.csv"
    path.write_text(
        _csv(FILMS_HEADER, _film(premise="Two lines\nof premise."), _film(title="Up", year="x")),
        encoding="utf-8",
    )
    _expect_error(path, load_starter_films, 4, "not a whole number")


def test_text_and_bom_are_accepted() -> None:
    text = "\ufeff" + _csv(FILMS_HEADER, _film(), _film(title="Amélie", year="2001"))
    films = load_starter_films(text=text)
    assert [(f.source_id, f.line) for f in films] == [
        ("starter:heat-1995", 2),
        ("starter:amelie-2001", 3),
    ]
    assert films[0].genres == ("Action", "Crime")
    assert films[0].cast == ("Al Pacino", "Robert De Niro")
    with pytest.raises(ValueError, match="not both"):
        load_starter_films(Path("films.csv"), text=text)


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as caught:
        load_starter_films(tmp_path / "nope.csv")
    assert caught.value.line is None


@pytest.mark.parametrize(
    ("row", "words"),
    [
        (["Jess", "Heat", "1995", "rating", "4.25"], "half stars"),
        (["Jess", "Heat", "1995", "rating", "0"], "half stars"),
        (["Jess", "Heat", "1995", "rating", "5.5"], "half stars"),
        (["Jess", "Heat", "1995", "rating", "four"], "half stars"),
        (["Jess", "Heat", "1995", "rating", ""], "half stars"),
        (["Jess", "Heat", "1995", "seen", "4"], "leave it blank"),
        (["Jess", "Heat", "1995", "loved", ""], "not one of rating, seen, watchlist"),
        (["Jess", "Heat", "1996", "seen", ""], "unknown film 'Heat' (1996)"),
        (["Jess", "Heated", "1995", "seen", ""], "unknown film"),
        (["Milly", "Casino", "1995", "watchlist", ""], "already has an entry"),
        (["", "Heat", "1995", "seen", ""], "person is empty"),
    ],
)
def test_a_bad_friend_row_names_its_line(tmp_path: Path, row: list[str], words: str) -> None:
    films = load_starter_films(text=_csv(FILMS_HEADER, _film(), _film(title="Casino")))
    path = tmp_path / "friends.csv"
    good = ["Milly", "Casino", "1995", "rating", "4.5"]
    path.write_text(_csv(FRIENDS_HEADER, good, row), encoding="utf-8")
    _expect_error(path, lambda p: load_starter_friends(p, films=films), 3, words)


def test_friend_entries_parse(tmp_path: Path) -> None:
    films = load_starter_films(text=_csv(FILMS_HEADER, _film()))
    text = _csv(FRIENDS_HEADER, ["Jess", "Heat", "1995", "rating", "3.5"],
                ["Milly", "Heat", "1995", "watchlist", ""])  # fmt: skip
    assert load_starter_friends(text=text, films=films) == [
        StarterEntry("Jess", "Heat", 1995, "rating", 3.5, 2),
        StarterEntry("Milly", "Heat", 1995, "watchlist", None, 3),
    ]


def test_source_ids_are_readable_slugs() -> None:
    assert starter_source_id("The Godfather", 1972) == "starter:the-godfather-1972"
    assert starter_source_id("Amélie", 2001) == "starter:amelie-2001"
    assert starter_source_id("Thelma & Louise", 1991) == "starter:thelma-and-louise-1991"
    assert starter_source_id("(500) Days of Summer", 2009) == "starter:500-days-of-summer-2009"
    assert starter_source_id("M*A*S*H", 1970) == "starter:m-a-s-h-1970"


_name = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1
).map(str.strip).filter(lambda s: s and "|" not in s)  # fmt: skip


@settings(deadline=None, max_examples=60)
@given(
    titles=st.lists(_name, min_size=1, max_size=5, unique_by=lambda t: starter_source_id(t, 2000)),
    genres=st.lists(st.sampled_from(GENRES), min_size=1, max_size=3, unique=True),
    runtime=st.integers(40, 300),
    lead=_name,
    premise=_name.filter(lambda s: len(s) <= MAX_PREMISE),
)
def test_any_valid_file_round_trips(
    titles: list[str], genres: list[str], runtime: int, lead: str, premise: str
) -> None:
    # titles with commas, quotes and any script survive writing with csv and loading back
    rows = [
        [t, "2000", "|".join(genres), str(runtime), lead, f"{lead}|{lead}", premise] for t in titles
    ]
    films = load_starter_films(text=_csv(FILMS_HEADER, *rows))
    assert [(f.title, f.genres, f.runtime_minutes, f.cast, f.premise, f.line) for f in films] == [
        (t, tuple(genres), runtime, (lead, lead), premise, n) for n, t in enumerate(titles, 2)
    ]
