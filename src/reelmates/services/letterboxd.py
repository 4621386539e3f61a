"""Use case: import one person's Letterboxd export (ratings, watched, watchlist, diary)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time

from sqlalchemy import Engine

from reelmates.importers.letterboxd import LetterboxdExport, merge_entries
from reelmates.importers.sources import DatasetRoot
from reelmates.services.films import catalog_matcher
from reelmates.services.progress import Progress, SilentProgress
from reelmates.services.uow import unit_of_work
from reelmates.store.models import ImportRun
from reelmates.store.repositories import (
    FilmRepository,
    MarkRepository,
    PersonRepository,
    RatingRepository,
)


@dataclass
class LetterboxdReport:
    person: str
    person_created: bool
    films_in_export: int = 0
    ratings: int = 0
    seen_only: int = 0
    watchlist: int = 0
    unmatched: list[str] = field(default_factory=list)  # "Name (Year)" of films not in the catalog


def import_letterboxd(
    engine: Engine,
    root: DatasetRoot,
    person: str,
    *,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> LetterboxdReport:
    """Everything the export says, for ``person`` (created if new), in one transaction.

    The export is read and validated completely before anything is written, so a bad line leaves
    the database untouched. Films the catalog lacks are reported by name, not invented.
    """
    progress = progress or SilentProgress()
    films = merge_entries(LetterboxdExport(root).entries())
    progress.stage(f"Letterboxd export for {person}", total=len(films))
    with unit_of_work(engine, long_wait=True) as session:
        member, created = PersonRepository(session).get_or_create_member(person)
        report = LetterboxdReport(person=person, person_created=created, films_in_export=len(films))
        matcher = catalog_matcher(FilmRepository(session))
        ratings, marks = RatingRepository(session), MarkRepository(session)
        for film in films:
            film_id = matcher.match_title(film.name, film.year)
            progress.advance(1)
            if film_id is None:
                report.unmatched.append(film.label)
                continue
            if film.stars is not None:
                rated_at = (
                    int(datetime.combine(film.rated_on, time(), tzinfo=UTC).timestamp())
                    if film.rated_on
                    else None
                )
                ratings.set_rating(member.id, film_id, film.stars, rated_at)
                report.ratings += 1
            elif film.seen:
                marks.mark_seen(member.id, film_id, film.rated_on)
                report.seen_only += 1
            if film.on_watchlist:
                marks.add_to_watchlist(member.id, film_id, None)
                report.watchlist += 1
        session.add(
            ImportRun(
                kind="letterboxd",
                source=root.label,
                person_id=member.id,
                ratings_added=report.ratings,
                finished_at=now or datetime.now(UTC),
            )
        )
    return report
