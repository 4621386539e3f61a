"""Use case: put the bundled starter catalog and the two demo friends into the database.

Idempotent: run on every `reelmates demo`; the second time it changes nothing. Films already in the
catalog (say, from a MovieLens import) are matched and only gain the facts they lacked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from reelmates.importers.starter import load_starter_films, load_starter_friends
from reelmates.services.films import FilmUpserter
from reelmates.services.uow import unit_of_work
from reelmates.store.films import ImportRunRepository
from reelmates.store.people import PersonRepository
from reelmates.store.ratings import MarkRepository, RatingRepository

STARTER_SOURCE = "reelmates starter catalog"


@dataclass(frozen=True)
class StarterReport:
    already_there: bool
    films_added: int = 0
    films_matched: int = 0
    friends_added: tuple[str, ...] = ()


def seed_starter_catalog(engine: Engine, *, now: datetime | None = None) -> StarterReport:
    with unit_of_work(engine, long_wait=True) as session:
        if ImportRunRepository(session).any_of_kind("starter"):
            return StarterReport(already_there=True)
        records = load_starter_films()
        mapping = FilmUpserter(session, id_space=None).upsert(records)
        film_of = {(r.title, r.year): mapping.ids[r.source_id] for r in records}

        persons = PersonRepository(session)
        ratings, marks = RatingRepository(session), MarkRepository(session)
        added: list[str] = []
        skipped: set[str] = set()
        for entry in load_starter_friends():
            if entry.person in skipped:
                continue
            person, created = persons.get_or_create_member(entry.person)
            if not created and entry.person not in added:
                skipped.add(entry.person)  # a real member took the name: leave them be
                continue
            if created:
                added.append(entry.person)
            film_id = film_of[(entry.title, entry.year)]
            if entry.kind == "rating" and entry.stars is not None:
                ratings.set_rating(person.id, film_id, entry.stars, rated_at=None)
            elif entry.kind == "seen":
                marks.mark_seen(person.id, film_id, None)
            elif entry.kind == "watchlist":
                marks.add_to_watchlist(person.id, film_id, None)
        ImportRunRepository(session).record(
            "starter",
            STARTER_SOURCE,
            films_added=len(mapping.created),
            films_matched=mapping.matched,
            persons_added=len(added),
            ratings_added=0,
            finished_at=now or datetime.now(UTC),
        )
    return StarterReport(
        already_there=False,
        films_added=len(mapping.created),
        films_matched=mapping.matched,
        friends_added=tuple(added),
    )
