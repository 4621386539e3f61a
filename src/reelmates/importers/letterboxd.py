"""A person's Letterboxd export (the zip or its folder) → DiaryEntry records → per-film facts.

Files read: ``ratings.csv``, ``watched.csv`` (seen, unrated), ``watchlist.csv`` and ``diary.csv``.
Any subset may be present, but not none. Columns are found by header name, so added columns in
newer exports are ignored. Films are keyed by title and year, not by URI: ``diary.csv``'s URIs
name the diary entry, not the film.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO

from reelmates.catalog.identity import normalise_title
from reelmates.errors import InputFileError
from reelmates.importers.lines import csv_rows, read_at_most
from reelmates.importers.movielens_ratings import parse_stars
from reelmates.importers.records import DiaryEntry
from reelmates.importers.sources import DatasetRoot

LETTERBOXD_FILES = ("ratings.csv", "watched.csv", "watchlist.csv", "diary.csv")
# Each file is read whole; a lifetime of logging is a few MB, so past this it is no export (a
# zip entry that expands without end, say). Uploads have their own, smaller limits.
MAX_EXPORT_FILE_BYTES = 64 * 1024 * 1024
# Required columns per file; "Rating" is optional in the diary (unrated logs).
_REQUIRED = {
    "ratings.csv": ("Date", "Name", "Year", "Rating"),
    "watched.csv": ("Date", "Name", "Year"),
    "watchlist.csv": ("Date", "Name", "Year"),
    "diary.csv": ("Date", "Name", "Year"),
}


def read_letterboxd_file(stream: IO[bytes], file: str, where: str) -> Iterator[DiaryEntry]:
    """One export file's lines as DiaryEntry (``file`` is its base name, e.g. ``diary.csv``)."""
    rows = csv_rows(read_at_most(stream, where, MAX_EXPORT_FILE_BYTES), where, "utf-8-sig")
    _, header = next(rows, (1, []))
    columns = {name.strip(): i for i, name in enumerate(header)}
    missing = [c for c in _REQUIRED[file] if c not in columns]
    if missing:
        found = ", ".join(c[:40] for c in list(columns)[:12]) or "nothing"
        raise InputFileError(where, 1, f"missing column(s) {', '.join(missing)} (found {found})")
    kind = file.removesuffix(".csv")
    for line, row in rows:
        if not any(v.strip() for v in row):
            continue
        if len(row) != len(header):
            raise InputFileError(where, line, f"expected {len(header)} fields, found {len(row)}")

        def cell(name: str, row: list[str] = row) -> str:
            i = columns.get(name)
            return row[i].strip() if i is not None else ""

        name = cell("Name")
        if not name:
            raise InputFileError(where, line, "the Name is empty")
        year = _year(cell("Year"), where, line)
        logged = _date(cell("Date"), "Date", where, line)
        watched = _date(cell("Watched Date"), "Watched Date", where, line)
        raw_stars = cell("Rating")
        stars = parse_stars(raw_stars) if raw_stars else None
        if raw_stars and stars is None:
            raise InputFileError(
                where, line, f"rating {raw_stars[:40]!r} is not 0.5 to 5 in half stars"
            )
        if kind == "ratings" and stars is None:
            raise InputFileError(where, line, "the Rating is empty")
        yield DiaryEntry(
            file=where,
            line=line,
            name=name,
            year=year,
            uri=cell("Letterboxd URI") or None,
            on=watched or logged,
            stars=stars,
            rewatch=cell("Rewatch").casefold() == "yes",
            kind=kind,
        )


def _year(raw: str, where: str, line: int) -> int | None:
    if not raw:
        return None
    if not raw.isdecimal() or len(raw) != 4 or not 1870 <= int(raw) <= 2200:
        raise InputFileError(where, line, f"year {raw[:40]!r} is not a year")
    return int(raw)


def _date(raw: str, column: str, where: str, line: int) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InputFileError(
            where, line, f"{column} {raw[:40]!r} is not a YYYY-MM-DD date"
        ) from None


class LetterboxdExport:
    """The files of one export that are present; at least one of LETTERBOXD_FILES."""

    def __init__(self, root: DatasetRoot) -> None:
        self.root = root
        self.files = [f for f in LETTERBOXD_FILES if root.has(f)]
        if not self.files:
            raise InputFileError(
                root.label,
                None,
                f"not a Letterboxd export: none of {', '.join(LETTERBOXD_FILES)} found",
                hint="Export from letterboxd.com → Settings → Data, then pass the zip or folder.",
            )

    def entries(self, file: str | None = None) -> Iterator[DiaryEntry]:
        """Entries of one file, or of every present file in LETTERBOXD_FILES order."""
        for name in [file] if file else self.files:
            with self.root.open(name) as stream:
                yield from read_letterboxd_file(stream, name, self.root.where(name))


@dataclass(frozen=True, slots=True)
class LetterboxdFilm:
    """What one export says about one film."""

    name: str
    year: int | None
    stars: float | None  # ratings.csv wins, else the latest rated diary entry
    rated_on: date | None
    seen: bool  # rated, logged or marked watched
    on_watchlist: bool
    where: str  # "file:line" of its first mention, for reports
    watched_on: date | None = None  # latest diary "Watched Date" or watched.csv date
    listed_on: date | None = None  # when it went on the watchlist

    @property
    def label(self) -> str:
        return f"{self.name} ({self.year})" if self.year else self.name


def merge_entries(entries: Iterable[DiaryEntry]) -> list[LetterboxdFilm]:
    """Collapse entries to one fact per film (title key + year), in order of first mention."""
    first: dict[tuple[str, int | None], DiaryEntry] = {}
    rating: dict[tuple[str, int | None], DiaryEntry] = {}
    diary_rating: dict[tuple[str, int | None], DiaryEntry] = {}
    seen: set[tuple[str, int | None]] = set()
    watched_on: dict[tuple[str, int | None], date] = {}
    watchlist: dict[tuple[str, int | None], date | None] = {}
    for entry in entries:
        key = (normalise_title(entry.name), entry.year)
        first.setdefault(key, entry)
        if entry.kind == "watchlist":
            watchlist.setdefault(key, entry.on)
            continue
        seen.add(key)
        if entry.kind in ("diary", "watched") and entry.on is not None:
            watched_on[key] = max(entry.on, watched_on.get(key, entry.on))
        if entry.stars is None:
            continue
        if entry.kind == "ratings":
            rating[key] = entry
        elif entry.kind == "diary":
            best = diary_rating.get(key)
            if best is None or _later(entry, best):
                diary_rating[key] = entry
    facts = []
    for key, entry in first.items():
        rated = rating.get(key) or diary_rating.get(key)
        facts.append(
            LetterboxdFilm(
                name=entry.name,
                year=entry.year,
                stars=rated.stars if rated else None,
                rated_on=rated.on if rated else None,
                seen=key in seen,
                on_watchlist=key in watchlist,
                where=f"{entry.file}:{entry.line}",
                watched_on=watched_on.get(key),
                listed_on=watchlist.get(key),
            )
        )
    return facts


def _later(entry: DiaryEntry, than: DiaryEntry) -> bool:
    """Later watched date wins; undated entries lose; same date: the later line."""
    a, b = entry.on or date.min, than.on or date.min
    return a > b or (a == b and entry.line > than.line)
