"""Use cases: import a MovieLens dataset or a Letterboxd export. Each is one transaction: a bad
line anywhere rolls everything back, so the database is exactly as it was."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from reelmates.catalog.identity import FilmMapping
from reelmates.errors import ConflictError, InputFileError
from reelmates.importers.movielens import MovieLensDataset
from reelmates.importers.records import RatingRecord
from reelmates.importers.repeats import find_repeated_rating
from reelmates.services.films import FilmUpserter
from reelmates.services.progress import Progress, SilentProgress
from reelmates.services.uow import unit_of_work
from reelmates.store.bulk import (
    IdAllocator,
    PersonRow,
    PipelinedWriter,
    RatingRow,
    RefusedRowsError,
    bulk_writer,
    id_allocator,
)
from reelmates.store.films import ImportRunRepository
from reelmates.store.people import PersonRepository

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
    skipped_films: list[str] = field(default_factory=list)  # placeholders such as "unknown"
    skipped_ratings: int = 0  # ratings of those placeholders


def import_movielens(
    engine: Engine,
    dataset: MovieLensDataset,
    *,
    replace: bool = False,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> MovieLensReport:
    progress = progress or SilentProgress()
    report = MovieLensReport(dataset=dataset.name)
    source = dataset.name
    with unit_of_work(engine, long_wait=True) as session:
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

        _write_ratings(session, dataset, mapping, report, progress)
        if not (report.ratings_added or report.ratings_merged or dataset.tally.skipped):
            raise InputFileError(
                dataset.root.where(dataset.ratings_file), None, "has no ratings (no data lines)"
            )
        report.skipped_films = [f"{f.title} (id {f.source_id})" for f in dataset.skipped.films]
        report.skipped_ratings = dataset.tally.skipped

        ImportRunRepository(session).record(
            "movielens",
            dataset.root.label,
            dataset=source,
            films_added=report.films_created,
            films_matched=report.films_matched,
            persons_added=report.persons_added,
            ratings_added=report.ratings_added,
            finished_at=now or datetime.now(UTC),
        )
    return report


def _write_ratings(
    session: Session,
    dataset: MovieLensDataset,
    mapping: FilmMapping[int],
    report: MovieLensReport,
    progress: Progress,
) -> None:
    """Stream the community's ratings into the database in batches (persons created on first
    sight), merging ratings of twin films and refusing a rating given twice."""
    source = dataset.name
    # The bar counts bytes of the ratings file: exact, where a row count would be a guess.
    progress.stage(f"{source}: ratings", total=dataset.ratings_bytes())
    try:
        with PipelinedWriter(bulk_writer(session)) as writer:
            ids = id_allocator(session, "persons", before_fetch=writer.drain)
            _stream_ratings(dataset, mapping, report, progress, writer, ids)
    except RefusedRowsError as refused:
        # Only a rating given twice, with other lines between, gets this far; find its lines.
        progress.stage("finding the line the database refused")
        repeat = find_repeated_rating(dataset.ratings())
        if repeat is None:
            raise
        raise InputFileError(
            dataset.root.where(dataset.ratings_file),
            repeat.line,
            f"user {repeat.person_id} rates film {repeat.film_id} twice "
            f"(first on line {repeat.first_line})",
        ) from refused


def _stream_ratings(
    dataset: MovieLensDataset,
    mapping: FilmMapping[int],
    report: MovieLensReport,
    progress: Progress,
    writer: PipelinedWriter,
    ids: IdAllocator,
) -> None:
    source = dataset.name
    ratings_path = dataset.root.where(dataset.ratings_file)
    person_batch: list[PersonRow] = []
    rating_batch: list[RatingRow] = []
    person_ids: dict[str, int] = {}
    film_ids = mapping.ids
    # Source films merged into one catalog film ("twins"): a person may have rated both, so
    # their ratings wait here and only the newest per person and film is written.
    # Twins are found from the mapping itself, not from ``mapping.duplicates``: on a re-import
    # (or a second copy of a release) both twins match the existing film through the source
    # id and title, and are no longer reported as in-source duplicates.
    sources_per_film = Counter(film_ids.values())
    twins = {src for src, fid in film_ids.items() if sources_per_film[fid] > 1}
    held: dict[tuple[int, int], RatingRecord] = {}
    # A rating given twice is caught with its line number while the file is grouped by
    # user (ml-1m, the CSV releases); otherwise the primary key catches it at write time.
    run_person: str | None = None
    run_films: dict[str, int] = {}
    for rec in dataset.ratings(progress=progress.advance):
        pid = person_ids.get(rec.person_id)
        if pid is None:
            pid = person_ids[rec.person_id] = ids.next_id()
            person_batch.append((pid, f"{source}:{rec.person_id}", "community", source))
        if rec.person_id != run_person:
            run_person, run_films = rec.person_id, {}
        first_line = run_films.setdefault(rec.film_id, rec.line)
        if first_line != rec.line:
            raise InputFileError(
                ratings_path,
                rec.line,
                f"user {rec.person_id} rates film {rec.film_id} twice (first on line {first_line})",
            )
        if rec.film_id in twins:
            key = (pid, film_ids[rec.film_id])
            prior = held.get(key)
            if prior is not None and prior.film_id == rec.film_id:
                raise InputFileError(
                    ratings_path,
                    rec.line,
                    f"user {rec.person_id} rates film {rec.film_id} twice "
                    f"(first on line {prior.line})",
                )
            if prior is not None:
                report.ratings_merged += 1
                if (rec.rated_at or 0) < (prior.rated_at or 0):
                    continue  # keep the newer of the two ratings of one film
            held[key] = rec
            continue
        rating_batch.append((pid, film_ids[rec.film_id], round(rec.stars * 2), rec.rated_at))
        if len(rating_batch) >= BATCH_ROWS:
            _flush(writer, person_batch, rating_batch, report)
    rating_batch.extend(
        (pid, fid, round(rec.stars * 2), rec.rated_at) for (pid, fid), rec in held.items()
    )
    _flush(writer, person_batch, rating_batch, report)


def _flush(
    writer: PipelinedWriter,
    persons: list[PersonRow],
    ratings: list[RatingRow],
    report: MovieLensReport,
) -> None:
    writer.write(persons, ratings)
    report.persons_added += len(persons)
    report.ratings_added += len(ratings)
    persons.clear()
    ratings.clear()
