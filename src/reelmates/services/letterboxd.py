"""Use case: import one person's Letterboxd export (ratings, watched, watchlist, diary).

The export is the truth about the person: an import brings their ratings, seen marks and
watchlist to exactly what it says, removing what is no longer there, and reports what it removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from reelmates.importers.letterboxd import LetterboxdExport, LetterboxdFilm, merge_entries
from reelmates.importers.sources import DatasetRoot
from reelmates.importers.uploads import UploadLimits, open_upload
from reelmates.services.films import catalog_matcher
from reelmates.services.progress import Progress, SilentProgress
from reelmates.services.uow import unit_of_work
from reelmates.store.films import FilmRepository, ImportRunRepository
from reelmates.store.people import PersonRepository
from reelmates.store.ratings import MarkRepository, RatingRepository


@dataclass
class LetterboxdReport:
    person: str
    person_created: bool
    films_in_export: int = 0
    ratings: int = 0
    seen_only: int = 0
    watchlist: int = 0
    unmatched: list[str] = field(default_factory=list)  # "Name (Year)" of films not in the catalog
    # An unmatched label → the catalog film it most likely meant, "Title (Year)".
    did_you_mean: dict[str, str] = field(default_factory=dict)
    # "Title (Year)" of what the person had here and the export no longer says.
    ratings_removed: list[str] = field(default_factory=list)
    seen_removed: list[str] = field(default_factory=list)
    watchlist_removed: list[str] = field(default_factory=list)

    @property
    def removed(self) -> int:
        return len(self.ratings_removed) + len(self.seen_removed) + len(self.watchlist_removed)


@dataclass
class _Wanted:
    """What the export says, per catalog film."""

    ratings: dict[int, tuple[float, int | None]] = field(default_factory=dict)
    seen: dict[int, date | None] = field(default_factory=dict)
    watchlist: dict[int, date | None] = field(default_factory=dict)

    def add(self, film_id: int, film: LetterboxdFilm) -> None:
        # Two export lines may name one catalog film ("Heat" and "Heat (1995)"): a rating wins
        # over a seen mark, the first rating over later ones.
        if film.stars is not None:
            self.ratings.setdefault(film_id, (film.stars, _unix_seconds(film.rated_on)))
        elif film.seen:
            seen_on = self.seen.get(film_id)
            if film.watched_on is not None and (seen_on is None or film.watched_on > seen_on):
                seen_on = film.watched_on
            self.seen[film_id] = seen_on
        if film.on_watchlist:
            self.watchlist.setdefault(film_id, film.listed_on)

    def finish(self) -> None:
        for film_id in self.ratings:
            self.seen.pop(film_id, None)  # a rating says seen already


def _unix_seconds(day: date | None) -> int | None:
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp()) if day else None


def import_letterboxd(
    engine: Engine,
    root: DatasetRoot,
    person: str,
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> LetterboxdReport:
    """Bring ``person`` (created if new) to what the export says, in one transaction of its own
    (see :func:`import_letterboxd_into`)."""
    with unit_of_work(engine, long_wait=True) as session:
        return import_letterboxd_into(session, root, person, progress=progress, now=now)


def import_letterboxd_upload(
    session: Session,
    person: str,
    path: Path,
    filename: str,
    limits: UploadLimits,
    *,
    now: datetime | None = None,
) -> LetterboxdReport:
    """An export uploaded through the web app (stored at ``path``, sent as ``filename``) for the
    member ``person``, read within ``limits``; a file that breaks one is refused before anything
    is written (the caller's unit of work rolls back on any error)."""
    with open_upload(path, filename, limits) as root:
        return import_letterboxd_into(session, root, person, now=now)


def import_letterboxd_into(
    session: Session,
    root: DatasetRoot,
    person: str,
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> LetterboxdReport:
    """Bring ``person`` (created if new) to what the export says, in the caller's transaction.

    The export is read and validated completely before anything is written, so a bad line leaves
    the database untouched. Films the catalog lacks are reported by name, not invented. Ratings,
    seen marks and watchlist entries the export no longer has are removed and reported, each only
    when the export has its file (ratings.csv, watched.csv, watchlist.csv): a partial upload only
    adds to the rest. Dates are kept (the rating's date as its time, the latest watched date,
    the date listed).
    """
    progress = progress or SilentProgress()
    export = LetterboxdExport(root)
    films = merge_entries(export.entries())
    progress.stage(f"Letterboxd export for {person}", total=len(films))
    member, created = PersonRepository(session).get_or_create_member(person)
    report = LetterboxdReport(person=person, person_created=created, films_in_export=len(films))
    film_repo = FilmRepository(session)
    matcher = catalog_matcher(film_repo)
    wanted = _Wanted()
    suggested: dict[str, int] = {}
    for film in films:
        film_id = matcher.match_title(film.name, film.year)
        progress.advance(1)
        if film_id is None:
            report.unmatched.append(film.label)
            guess = matcher.suggest(film.name, film.year)
            if guess is not None:
                suggested[film.label] = guess
        else:
            wanted.add(film_id, film)
    wanted.finish()
    guesses = _labels(film_repo, list(suggested.values()))
    report.did_you_mean = {label: guesses[f] for label, f in suggested.items()}
    progress.stage(f"saving {person}'s ratings, seen films and watchlist", total=3)
    marks = MarkRepository(session)
    ratings = RatingRepository(session)
    # Only what the export holds is brought to it: a lone ratings.csv says nothing about the
    # person's watched films or watchlist, so those are kept (and only added to).
    if "ratings.csv" not in export.files:
        kept = {f: (stars, at) for f, stars, at in ratings.dated_for_person(member.id)}
        wanted.ratings = {**kept, **wanted.ratings}
    if "watched.csv" not in export.files:
        wanted.seen = {**marks.seen_dated(member.id), **wanted.seen}
        wanted.finish()
    if "watchlist.csv" not in export.files:
        wanted.watchlist = {**marks.watchlist_dated(member.id), **wanted.watchlist}
    removed_ratings = ratings.replace_for_person(member.id, wanted.ratings)
    progress.advance(1)
    removed_seen = marks.replace_seen(member.id, wanted.seen)
    progress.advance(1)
    removed_listed = marks.replace_watchlist(member.id, wanted.watchlist)
    progress.advance(1)
    labels = _labels(film_repo, [*removed_ratings, *removed_seen, *removed_listed])
    report.ratings_removed = [labels[f] for f in removed_ratings]
    report.seen_removed = [labels[f] for f in removed_seen]
    report.watchlist_removed = [labels[f] for f in removed_listed]
    report.ratings, report.seen_only = len(wanted.ratings), len(wanted.seen)
    report.watchlist = len(wanted.watchlist)
    ImportRunRepository(session).record(
        "letterboxd",
        root.label,
        person_id=member.id,
        ratings_added=report.ratings,
        finished_at=now or datetime.now(UTC),
    )
    return report


def _labels(films: FilmRepository, film_ids: Sequence[int]) -> dict[int, str]:
    found = films.by_ids(list(dict.fromkeys(film_ids)))
    return {
        fid: f"{film.title} ({film.year})" if film.year else film.title
        for fid, film in found.items()
    }
