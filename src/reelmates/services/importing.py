"""Use cases: import a MovieLens dataset or a Letterboxd export. Each is one transaction: a bad
line anywhere rolls everything back, so the database is exactly as it was."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine

from reelmates.errors import ConflictError, InputFileError
from reelmates.importers.records import RatingRecord
from reelmates.services.films import FilmUpserter
from reelmates.services.progress import Progress, SilentProgress
from reelmates.services.uow import unit_of_work
from reelmates.store.bulk import (
    BulkWriter,
    PersonRow,
    RatingRow,
    bulk_writer,
    person_id_allocator,
)
from reelmates.store.models import ImportRun
from reelmates.store.repositories import PersonRepository

BATCH_ROWS = 100_000


@dataclass
class MovieLensReport:
    dataset: str
    films_in_source: int = 0
    films_matched: int = 0
    films_created: int = 0
    duplicate_titles: list[str] = field(default_factory=list)
    persons_added: int = 0
    ratings_added: int = 0
    ratings_merged: int = 0  # two source films that are one catalog film, rated by one person
    skipped: dict[str, int] = field(default_factory=dict)


def _per_person(records: Iterable[RatingRecord]) -> Iterator[tuple[str, list[RatingRecord]]]:
    """Group consecutive records by person (every MovieLens file is sorted by user)."""
    current: str | None = None
    run: list[RatingRecord] = []
    for rec in records:
        if rec.person_id != current:
            if run:
                yield current or "", run
            current, run = rec.person_id, []
        run.append(rec)
    if run:
        yield current or "", run


def import_movielens(
    engine: Engine,
    dataset: MovieLensDatasetLike,
    *,
    replace: bool = False,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> MovieLensReport:
    progress = progress or SilentProgress()
    report = MovieLensReport(dataset=dataset.name)
    source = dataset.name
    with unit_of_work(engine) as session:
        persons = PersonRepository(session)
        if persons.count_from_source(source):
            if not replace:
                raise ConflictError(
                    f"{source} is already imported",
                    hint="Pass --replace to import it again in place of the old copy.",
                )
            progress.stage(f"removing the previous {source} import")
            persons.delete_from_source(source)

        progress.stage(f"{source}: films")
        mapping = FilmUpserter(session, dataset.id_space).upsert(dataset.films())
        report.films_in_source = len(mapping.ids)
        report.films_matched = mapping.matched
        report.films_created = len(mapping.created)
        report.duplicate_titles = [f"{rec.title} ({rec.year})" for rec, _ in mapping.duplicates]

        progress.stage(f"{source}: ratings", total=dataset.ratings_total_estimate())
        writer = bulk_writer(session)
        ids = person_id_allocator(session)
        person_batch: list[PersonRow] = []
        rating_batch: list[RatingRow] = []
        seen_people: set[str] = set()
        film_ids = mapping.ids
        for person_key, run in _per_person(dataset.ratings()):
            if person_key in seen_people:
                raise InputFileError(
                    dataset.ratings_path,
                    run[0].line,
                    f"ratings of user {person_key} are not together (the file must be grouped "
                    "by user, as every MovieLens release is)",
                )
            seen_people.add(person_key)
            pid = ids.next_id()
            person_batch.append((pid, f"{source}:{person_key}", "community", source))
            best: dict[int, RatingRecord] = {}
            for rec in run:
                film_id = film_ids[rec.film_id]
                prior = best.get(film_id)
                if prior is not None:
                    if prior.film_id == rec.film_id:
                        raise InputFileError(
                            dataset.ratings_path,
                            rec.line,
                            f"user {person_key} rates film {rec.film_id} twice "
                            f"(first on line {prior.line})",
                        )
                    report.ratings_merged += 1
                    if (rec.rated_at or 0) < (prior.rated_at or 0):
                        continue  # keep the newer of the two ratings of one film
                best[film_id] = rec
            rating_batch.extend(
                (pid, fid, round(r.stars * 2), r.rated_at) for fid, r in best.items()
            )
            if len(rating_batch) >= BATCH_ROWS:
                _flush(writer, person_batch, rating_batch, report, progress)
        _flush(writer, person_batch, rating_batch, report, progress)
        report.skipped = dict(dataset.skipped())

        session.add(
            ImportRun(
                kind="movielens",
                source=dataset.location,
                dataset=source,
                films_added=report.films_created,
                films_matched=report.films_matched,
                persons_added=report.persons_added,
                ratings_added=report.ratings_added,
                finished_at=now or datetime.now(UTC),
            )
        )
    return report


def _flush(
    writer: BulkWriter,
    persons: list[PersonRow],
    ratings: list[RatingRow],
    report: MovieLensReport,
    progress: Progress,
) -> None:
    writer.write(persons, ratings)
    report.persons_added += len(persons)
    report.ratings_added += len(ratings)
    progress.advance(len(ratings))
    persons.clear()
    ratings.clear()
