"""The bundled starter catalog: well-known films described in our own words, and two demo friends.

``catalog/starter/films.csv`` and ``friends.csv`` ship as package data and are what the offline
demo runs on. They are hand-edited, so every row is validated on load and a bad one fails as
``file:line: what is wrong`` rather than as a surprise later. Nothing is read at import time;
callers (and tests) may pass their own path or text in place of the bundled files.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal, NoReturn

from reelmates.catalog.records import FilmRecord
from reelmates.errors import InputFileError
from reelmates.importers.lines import csv_rows
from reelmates.importers.movielens import GENRES

FILMS_FILE = "films.csv"
FRIENDS_FILE = "friends.csv"
FILMS_HEADER = ("title", "year", "genres", "runtime_minutes", "director", "cast", "premise")
FRIENDS_HEADER = ("person", "title", "year", "kind", "stars")

SOURCE_PREFIX = "starter:"
FIRST_YEAR, LAST_YEAR = 1888, 2100  # no clock here: the upper bound only catches typos
MIN_RUNTIME, MAX_RUNTIME = 40, 300
MAX_GENRES = 3
CAST_SIZE = 2  # the two leads
MAX_PREMISE = 160
MIN_STARS, MAX_STARS = 0.5, 5.0

Kind = Literal["rating", "seen", "watchlist"]
_KINDS: dict[str, Kind] = {"rating": "rating", "seen": "seen", "watchlist": "watchlist"}
_VOCABULARY = frozenset(GENRES)
_NON_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class StarterEntry:
    """One line of friends.csv: a rating (with stars), a film seen, or a film on a watchlist."""

    person: str
    title: str
    year: int
    kind: Kind
    stars: float | None
    line: int


def load_starter_films(path: Path | None = None, *, text: str | None = None) -> list[FilmRecord]:
    """The bundled films (or those in ``path`` / ``text``), validated, in file order."""
    where, data = _source(FILMS_FILE, path, text)
    return parse_starter_films(data, where)


def load_starter_friends(
    path: Path | None = None,
    *,
    text: str | None = None,
    films: Iterable[FilmRecord] | None = None,
) -> list[StarterEntry]:
    """The demo friends' entries; each must name a film in ``films`` (default: the bundled ones)."""
    where, data = _source(FRIENDS_FILE, path, text)
    known = load_starter_films() if films is None else films
    return parse_starter_friends(data, where, {(f.title, f.year) for f in known if f.year})


def index_by_title_year(films: Iterable[FilmRecord]) -> dict[tuple[str, int], FilmRecord]:
    """``(title, year) → film``: how a friend entry finds its film."""
    return {(f.title, f.year): f for f in films if f.year is not None}


def starter_source_id(title: str, year: int) -> str:
    """A stable id that survives reordering the file: ``"starter:the-godfather-1972"``."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = _NON_SLUG.sub("-", ascii_title.casefold().replace("&", " and ")).strip("-")
    return f"{SOURCE_PREFIX}{slug or 'untitled'}-{year}"


def parse_starter_films(data: bytes, where: str) -> list[FilmRecord]:
    """Validate films.csv content; raises InputFileError naming the first bad line."""
    films: list[FilmRecord] = []
    first_seen: dict[tuple[str, int], int] = {}
    ids: dict[str, int] = {}
    for line, fields in _rows(data, where, FILMS_HEADER):
        row = _Row(where, line, FILMS_HEADER, fields)
        title = row.text("title")
        year = row.integer("year", FIRST_YEAR, LAST_YEAR)
        if (title, year) in first_seen:
            row.fail(f"duplicate film {title!r} ({year}), first on line {first_seen[title, year]}")
        first_seen[title, year] = line
        source_id = starter_source_id(title, year)
        if source_id in ids:
            row.fail(f"film id {source_id!r} clashes with line {ids[source_id]}; retitle one")
        ids[source_id] = line
        films.append(
            FilmRecord(
                source_id=source_id,
                title=title,
                year=year,
                genres=row.genres("genres"),
                runtime_minutes=row.integer("runtime_minutes", MIN_RUNTIME, MAX_RUNTIME),
                director=row.text("director"),
                cast=row.names("cast", CAST_SIZE),
                premise=row.text("premise", max_length=MAX_PREMISE),
                line=line,
            )
        )
    return films


def parse_starter_friends(
    data: bytes, where: str, known_films: set[tuple[str, int]]
) -> list[StarterEntry]:
    """Validate friends.csv content against the ``(title, year)`` pairs of the catalog."""
    entries: list[StarterEntry] = []
    first_seen: dict[tuple[str, str, int], int] = {}
    for line, fields in _rows(data, where, FRIENDS_HEADER):
        row = _Row(where, line, FRIENDS_HEADER, fields)
        person = row.text("person")
        title = row.text("title")
        year = row.integer("year", FIRST_YEAR, LAST_YEAR)
        if (title, year) not in known_films:
            row.fail(f"unknown film {title!r} ({year}): it is not in {FILMS_FILE}")
        key = (person, title, year)
        if key in first_seen:
            row.fail(f"{person} already has an entry for {title!r} on line {first_seen[key]}")
        first_seen[key] = line
        kind = row.kind("kind")
        stars: float | None = None
        if kind == "rating":
            stars = row.stars("stars")
        else:
            row.no_stars("stars", kind)
        entries.append(StarterEntry(person, title, year, kind, stars, line))
    return entries


def _source(name: str, path: Path | None, text: str | None) -> tuple[str, bytes]:
    """``(where, bytes)`` from explicit text, a path, or the bundled package data."""
    if text is not None and path is not None:
        raise ValueError("give a path or text, not both")
    if text is not None:
        return f"<{name}>", text.encode("utf-8")
    if path is not None:
        try:
            return str(path), path.read_bytes()
        except OSError as exc:
            raise InputFileError(path, None, f"cannot read: {exc.strerror or exc}") from exc
    bundled = resources.files("reelmates.catalog").joinpath("starter", name)
    return str(bundled), bundled.read_bytes()


def _rows(data: bytes, where: str, header: tuple[str, ...]) -> list[tuple[int, list[str]]]:
    """Data rows after checking the header; blank lines are skipped."""
    if data.startswith(b"\xef\xbb\xbf"):  # a BOM from a spreadsheet save is harmless
        data = data[3:]
    rows = [(n, f) for n, f in csv_rows(io.BytesIO(data), where, "utf-8") if any(f)]
    if not rows:
        raise InputFileError(where, 1, f"empty file; expected the header {','.join(header)}")
    line, found = rows[0]
    if tuple(name.strip() for name in found) != header:
        raise InputFileError(
            where, line, f"expected the header {','.join(header)}, found {','.join(found)}"
        )
    return rows[1:]


class _Row:
    """One CSV row with its line number: field accessors that fail with ``file:line``."""

    def __init__(self, where: str, line: int, header: tuple[str, ...], fields: list[str]) -> None:
        if len(fields) != len(header):
            expected = f"expected {len(header)} fields ({','.join(header)})"
            raise InputFileError(
                where, line, f"{expected}, found {len(fields)}; quote values that contain commas"
            )
        self.where, self.line = where, line
        self.values = {name: value.strip() for name, value in zip(header, fields, strict=True)}

    def fail(self, message: str) -> NoReturn:
        raise InputFileError(self.where, self.line, message)

    def text(self, name: str, *, max_length: int | None = None) -> str:
        value = self.values[name]
        if not value:
            self.fail(f"{name} is empty")
        if max_length is not None and len(value) > max_length:
            self.fail(f"{name} is {len(value)} characters long; at most {max_length} allowed")
        return value

    def integer(self, name: str, low: int, high: int) -> int:
        value = self.values[name]
        if not value.isascii() or not value.isdigit():
            self.fail(f"{name} {value!r} is not a whole number")
        number = int(value)
        if not low <= number <= high:
            self.fail(f"{name} {number} is outside {low}..{high}")
        return number

    def genres(self, name: str) -> tuple[str, ...]:
        genres = tuple(g.strip() for g in self.values[name].split("|"))
        if not genres or not all(genres):
            self.fail(f"{name} {self.values[name]!r} has an empty genre")
        for genre in genres:
            if genre not in _VOCABULARY:
                self.fail(f"unknown genre {genre!r}; use one of {', '.join(GENRES)}")
        if len(set(genres)) != len(genres):
            self.fail(f"{name} {self.values[name]!r} repeats a genre")
        if len(genres) > MAX_GENRES:
            self.fail(f"{len(genres)} genres; at most {MAX_GENRES} allowed")
        return genres

    def names(self, name: str, count: int) -> tuple[str, ...]:
        names = tuple(n.strip() for n in self.values[name].split("|"))
        if len(names) != count or not all(names):
            self.fail(f"{name} must be {count} names separated by '|', found {self.values[name]!r}")
        return names

    def kind(self, name: str) -> Kind:
        kind = _KINDS.get(self.values[name])
        if kind is None:
            self.fail(f"{name} {self.values[name]!r} is not one of {', '.join(_KINDS)}")
        return kind

    def stars(self, name: str) -> float:
        value = self.values[name]
        try:
            stars = float(value)
        except ValueError:
            stars = float("nan")
        if not (MIN_STARS <= stars <= MAX_STARS and (stars * 2).is_integer()):
            self.fail(f"{name} {value!r} must be {MIN_STARS:g}..{MAX_STARS:g} in half stars")
        return stars

    def no_stars(self, name: str, kind: str) -> None:
        """Only ratings carry stars: a value here would be silently lost, so refuse it."""
        if self.values[name]:
            self.fail(f"a {kind} entry has no {name}; leave it blank")
