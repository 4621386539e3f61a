"""MovieLens releases → FilmRecord and RatingRecord streams.

Three layouts: 100K (``u.item`` + ``u.data``, Latin-1, ``|``/tab), 1M (``movies.dat`` +
``ratings.dat``, Latin-1, ``::``) and the CSV releases (``movies.csv`` + ``ratings.csv`` [+
``links.csv``], UTF-8). 100K numbers its films differently from every later release, hence
``id_space``. Ratings are streamed; films (at most ~90k) are read whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from reelmates.catalog.identity import (
    display_title,
    normalise_imdb_id,
    normalise_title,
    split_title_year,
)
from reelmates.catalog.records import SOURCE_MAX_CHARS, TITLE_MAX_CHARS, FilmRecord
from reelmates.errors import InputFileError
from reelmates.importers.lines import Progress, csv_rows, decode_all, read_at_most
from reelmates.importers.movielens_ratings import MAX_ID_DIGITS, RatingTally, parse_ratings
from reelmates.importers.records import RatingRecord
from reelmates.importers.sources import DatasetRoot

Layout = Literal["100k", "1m", "csv"]

# The films and links files are read whole: the largest release's are a few MB, so anything
# past this is not a MovieLens file (a zip entry that expands without end, say).
MAX_FILMS_FILE_BYTES = 64 * 1024 * 1024

GENRES = (
    "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War",
    "Western",
)  # fmt: skip
_GENRE_NAMES = {g: g for g in GENRES} | {"Children's": "Children"}  # IMAX etc. are dropped
# u.item's 19 genre flags, in u.genre's order.
_GENRES_100K = ("unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
                "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
                "Romance", "Sci-Fi", "Thriller", "War", "Western")  # fmt: skip

# (films file, ratings file, field separator, encoding, ratings header) per layout.
_FILES: dict[Layout, tuple[str, str, str, str, str | None]] = {
    "100k": ("u.item", "u.data", "\t", "latin-1", None),
    "1m": ("movies.dat", "ratings.dat", "::", "latin-1", None),
    "csv": ("movies.csv", "ratings.csv", ",", "utf-8", "userId,movieId,rating,timestamp"),
}


def map_genres(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Source genre names → the vocabulary, order kept, unknowns dropped."""
    mapped = (_GENRE_NAMES.get(n.strip()) for n in names)
    return tuple(dict.fromkeys(g for g in mapped if g))


def is_placeholder(title: str, year: int | None) -> bool:
    """MovieLens 100K's film 267, "unknown": no film at all."""
    return year is None and title.strip().casefold() == "unknown"


def detect_layout(root: DatasetRoot) -> Layout:
    members = set(root.members())
    for layout, (films, ratings, *_rest) in _FILES.items():
        if {films, ratings} <= members:
            return layout
    raise InputFileError(
        root.label,
        None,
        "not a MovieLens dataset: expected u.item + u.data (100K), movies.dat + ratings.dat (1M) "
        f"or movies.csv + ratings.csv; found {', '.join(sorted(members)) or 'no files'}",
    )


@dataclass
class SkippedFilms:
    films: list[FilmRecord] = field(default_factory=list)  # placeholders left out

    @property
    def ids(self) -> set[str]:
        return {f.source_id for f in self.films}


class MovieLensDataset:
    """One MovieLens release. ``films()`` and ``ratings()`` may each be iterated more than once."""

    def __init__(self, root: DatasetRoot) -> None:
        self.root = root
        self.layout: Layout = detect_layout(root)
        if len(root.name) > SOURCE_MAX_CHARS:  # it names the community's raters ("ml-1m:42")
            raise InputFileError(
                root.label,
                None,
                f"the dataset's name {root.name[:SOURCE_MAX_CHARS]!r}... is longer than "
                f"{SOURCE_MAX_CHARS} characters",
                hint="Rename the folder or zip (e.g. ml-latest-small) and import it again.",
            )
        self.name = root.name
        # 100K's item ids are its own; 1M and the CSV releases share MovieLens's movieId.
        self.id_space = "ml-100k" if self.layout == "100k" else "movielens"
        films, ratings, self._sep, self._encoding, self._header = _FILES[self.layout]
        self.films_file, self.ratings_file = films, ratings
        self.skipped = SkippedFilms()
        self.tally = RatingTally()
        self._film_ids: set[str] | None = None

    # -- films ---------------------------------------------------------------------------
    def films(self) -> Iterator[FilmRecord]:
        """Every real film (placeholders go to ``skipped`` instead), validated."""
        seen: dict[str, int] = {}
        skipped: list[FilmRecord] = []
        for film in self._raw_films():
            if film.source_id in seen:
                raise InputFileError(
                    self.root.where(self.films_file),
                    film.line,
                    f"film id {film.source_id} appears twice (first on line "
                    f"{seen[film.source_id]})",
                )
            seen[film.source_id] = film.line
            if is_placeholder(film.title, film.year):
                skipped.append(film)
                continue
            yield film
        if not seen:
            raise InputFileError(
                self.root.where(self.films_file), None, "has no films (no data lines)"
            )
        self.skipped = SkippedFilms(skipped)
        self._film_ids = {i for i in seen if i not in self.skipped.ids}

    def _raw_films(self) -> Iterator[FilmRecord]:
        where = self.root.where(self.films_file)
        with self.root.open(self.films_file) as stream:
            data = read_at_most(stream, where, MAX_FILMS_FILE_BYTES)
            if self.layout == "csv":
                links = self._links()
                rows = csv_rows(data, where, self._encoding)
                _expect_header(next(rows, (1, [])), ["movieId", "title", "genres"], where)
                for line, row in rows:
                    if row:
                        yield _csv_film(row, line, where, links)
            else:
                text = decode_all(data, where, self._encoding)
                parse = _film_100k if self.layout == "100k" else _film_1m
                # Lines end at "\n" only: str.splitlines would also break at \x85, \x1c-\x1e
                # and others, which Latin-1 text may hold, and misnumber every later line.
                lines = text.replace("\r\n", "\n").split("\n")
                for line, raw in enumerate(lines, start=1):
                    if raw.strip():
                        yield parse(raw, line, where)

    def _links(self) -> dict[str, tuple[str | None, int | None]]:
        if not self.root.has("links.csv"):
            return {}
        where = self.root.where("links.csv")
        links: dict[str, tuple[str | None, int | None]] = {}
        with self.root.open("links.csv") as stream:
            rows = csv_rows(read_at_most(stream, where, MAX_FILMS_FILE_BYTES), where, "utf-8")
            _expect_header(next(rows, (1, [])), ["movieId", "imdbId", "tmdbId"], where)
            for line, row in rows:
                if not row:
                    continue
                if len(row) != 3:
                    raise InputFileError(where, line, f"expected 3 fields, found {len(row)}")
                film, imdb, tmdb = (v.strip() for v in row)
                try:
                    imdb_id = normalise_imdb_id(imdb)
                except ValueError:
                    raise InputFileError(
                        where, line, f"imdbId {imdb[:40]!r} is not a number"
                    ) from None
                if not _short_number(film) or not (tmdb == "" or _short_number(tmdb)):
                    raise InputFileError(
                        where, line, f"movieId and tmdbId must be numbers of at most "
                        f"{MAX_ID_DIGITS} digits"
                    )  # fmt: skip
                links[str(int(film))] = (imdb_id, int(tmdb) if tmdb else None)
        return links

    def film_ids(self) -> set[str]:
        """Ids of the real films (parses the films file once)."""
        if self._film_ids is None:
            for _ in self.films():
                pass
        assert self._film_ids is not None
        return self._film_ids

    # -- ratings -------------------------------------------------------------------------
    def ratings(self, progress: Progress | None = None) -> Iterator[RatingRecord]:
        """Stream every rating; ``progress(n)`` gets the bytes consumed per block.

        Ratings of placeholder films are counted in ``tally.skipped``, not yielded.
        """
        films = self.film_ids()
        self.tally = RatingTally()
        with self.root.open(self.ratings_file) as stream:
            yield from parse_ratings(
                stream,
                self.root.where(self.ratings_file),
                sep=self._sep,
                encoding=self._encoding,
                header=self._header,
                films=films,
                skip_films=self.skipped.ids,
                tally=self.tally,
                progress=progress,
            )

    def ratings_bytes(self) -> int:
        """Size of the ratings file: the total for a bytes-based progress bar."""
        return self.root.size(self.ratings_file)

    def count_ratings_estimate(self) -> int:
        """Roughly how many ratings, from the file size and the first 64 KiB's line length."""
        total = self.ratings_bytes()
        with self.root.open(self.ratings_file) as stream:
            sample = stream.read(1 << 16)
        lines = sample.count(b"\n")
        if total <= len(sample) or lines == 0:
            return lines - (self._header is not None) + (not sample.endswith(b"\n"))
        return max(1, round(total * lines / len(sample)))


def open_movielens(root: DatasetRoot) -> MovieLensDataset:
    return MovieLensDataset(root)


def _expect_header(first: tuple[int, list[str]], expected: list[str], where: str) -> None:
    found = [c.lstrip("\ufeff").strip() for c in first[1]]
    if found != expected:
        shown = [c[:40] for c in found[:8]]
        raise InputFileError(where, 1, f"expected the header {','.join(expected)!r}, found {shown}")


def _short_number(value: str) -> bool:
    return value.isdecimal() and len(value) <= MAX_ID_DIGITS


def _film_id(raw: str, line: int, where: str) -> str:
    value = raw.strip()
    if not value.isdecimal():
        raise InputFileError(where, line, f"film id {value[:40]!r} is not a number")
    if len(value) > MAX_ID_DIGITS:
        raise InputFileError(
            where, line, f"film id {value[:20]}... is longer than {MAX_ID_DIGITS} digits"
        )
    return str(int(value))


def _film(
    source_id: str,
    raw_title: str,
    genres: tuple[str, ...],
    line: int,
    where: str,
    imdb_tmdb: tuple[str | None, int | None] = (None, None),
) -> FilmRecord:
    title, year = split_title_year(raw_title)
    if not title:
        raise InputFileError(where, line, f"film {source_id} has no title")
    shown = title if is_placeholder(title, year) else display_title(title)
    if max(len(shown), len(normalise_title(shown))) > TITLE_MAX_CHARS:
        raise InputFileError(
            where, line, f"film {source_id}'s title is longer than {TITLE_MAX_CHARS} characters"
        )
    return FilmRecord(
        source_id, shown, year, genres, imdb_id=imdb_tmdb[0], tmdb_id=imdb_tmdb[1], line=line
    )


def _film_100k(raw: str, line: int, where: str) -> FilmRecord:
    fields = raw.split("|")
    if len(fields) != 5 + len(_GENRES_100K):
        raise InputFileError(
            where, line, f"expected {5 + len(_GENRES_100K)} fields separated by '|', "
            f"found {len(fields)}"
        )  # fmt: skip
    flags = fields[5:]
    if any(f not in ("0", "1") for f in flags):
        raise InputFileError(where, line, "genre flags must be 0 or 1")
    genres = map_genres([g for g, f in zip(_GENRES_100K, flags, strict=True) if f == "1"])
    return _film(_film_id(fields[0], line, where), fields[1], genres, line, where)


def _film_1m(raw: str, line: int, where: str) -> FilmRecord:
    fields = raw.split("::")
    if len(fields) != 3:
        raise InputFileError(
            where, line, f"expected 3 fields separated by '::', found {len(fields)}"
        )
    film_id = _film_id(fields[0], line, where)
    return _film(film_id, fields[1], map_genres(fields[2].split("|")), line, where)


def _csv_film(
    row: list[str], line: int, where: str, links: dict[str, tuple[str | None, int | None]]
) -> FilmRecord:
    if len(row) != 3:
        raise InputFileError(where, line, f"expected 3 fields, found {len(row)}")
    film_id = _film_id(row[0], line, where)
    genres = map_genres(row[2].split("|"))
    return _film(film_id, row[1], genres, line, where, links.get(film_id, (None, None)))
