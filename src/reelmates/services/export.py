"""Your data is yours: a member's ratings, seen films and watchlist as Letterboxd's own export
files, so they import back into Letterboxd and into reelmates.

The files and columns are Letterboxd's (``ratings.csv``: Date, Name, Year, Letterboxd URI,
Rating; ``watched.csv`` and ``watchlist.csv``: Date, Name, Year, Letterboxd URI). As in
Letterboxd's export, ``watched.csv`` lists every film seen, rated or not. The URI is left empty
(reelmates does not know it; both importers match by name and year). Written with the csv module,
so titles with commas, quotes or line breaks are quoted.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from reelmates.errors import NotFoundError
from reelmates.store.films import FilmRepository
from reelmates.store.ratings import MarkRepository, RatingRepository

EXPORT_FILES = ("ratings.csv", "watched.csv", "watchlist.csv")
_HEADERS = {
    "ratings.csv": ("Date", "Name", "Year", "Letterboxd URI", "Rating"),
    "watched.csv": ("Date", "Name", "Year", "Letterboxd URI"),
    "watchlist.csv": ("Date", "Name", "Year", "Letterboxd URI"),
}


@dataclass(frozen=True, slots=True)
class _Row:
    on: date | None
    name: str
    year: int | None
    stars: float | None = None

    def sort_key(self) -> tuple[date, str, int]:
        return (self.on or date.min, self.name.casefold(), self.year or 0)


def _day(rated_at: int | None) -> date | None:
    return datetime.fromtimestamp(rated_at, UTC).date() if rated_at is not None else None


def _stars(stars: float) -> str:
    return f"{stars:g}"  # 4.5 → "4.5", 5.0 → "5", as Letterboxd writes them


def _csv(file: str, rows: list[_Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_HEADERS[file])
    for row in sorted(rows, key=_Row.sort_key):
        cells = [row.on.isoformat() if row.on else "", row.name, row.year or "", ""]
        if file == "ratings.csv":
            cells.append(_stars(row.stars or 0))
        writer.writerow(cells)
    return out.getvalue()


def letterboxd_files(session: Session, person_id: int) -> dict[str, str]:
    """File name → CSV text, for each of EXPORT_FILES."""
    ratings = RatingRepository(session).dated_for_person(person_id)
    marks = MarkRepository(session)
    seen = marks.seen_dated(person_id)
    listed = marks.watchlist_dated(person_id)
    films = FilmRepository(session).by_ids(
        sorted({f for f, _, _ in ratings} | set(seen) | set(listed))
    )

    def row(film_id: int, on: date | None, stars: float | None = None) -> _Row:
        film = films[film_id]
        return _Row(on, film.title, film.year, stars)

    rated = [row(f, _day(at), stars) for f, stars, at in ratings]
    watched = [row(f, _day(at)) for f, _, at in ratings]
    rated_ids = {f for f, _, _ in ratings}
    watched += [row(f, on) for f, on in seen.items() if f not in rated_ids]
    return {
        "ratings.csv": _csv("ratings.csv", rated),
        "watched.csv": _csv("watched.csv", watched),
        "watchlist.csv": _csv("watchlist.csv", [row(f, on) for f, on in listed.items()]),
    }


def letterboxd_file(session: Session, person_id: int, file: str) -> str:
    if file not in EXPORT_FILES:
        raise NotFoundError(f"there is no export file {file!r}", hint=", ".join(EXPORT_FILES))
    return letterboxd_files(session, person_id)[file]


def letterboxd_zip(session: Session, person_id: int) -> bytes:
    """The three files in one zip, laid out like Letterboxd's export (files at the top)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in letterboxd_files(session, person_id).items():
            archive.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()
