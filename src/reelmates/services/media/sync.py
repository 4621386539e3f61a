"""Use case: sync one media server (Jellyfin, Emby, Plex) into the catalog.

A sync reads the server first, holding no transaction: its libraries, each enabled library's
films (all of them the first time, and after a library is enabled again; else only those
changed since the last good sync started), every film id now in each library (the sweep: films
gone from the server stop being available), and what each mapped member's server user watched
and rated. Then it writes everything in one unit of work: films matched to the catalog
(``catalog.matching``: provider ids, then normalised title and year), films the catalog lacks
added with their provider ids (through :class:`~reelmates.services.films.FilmUpserter`), the
library's items, seen marks and ratings, and the log of the sync.

If the server fails on the way (the client raises :class:`SourceUnavailableError`), nothing of
it is written: the last good sync stays in use, and only the error is recorded, on the server's
row and in its log, before the error is raised again for the caller to show.

Ratings: the server's rating of a film becomes the member's rating only where they have none in
reelmates. A rating already there is never overwritten, whenever and wherever it was made: the
server does not say when its rating was given, and reelmates is where a member rates on purpose.
Seen marks are only ever added (a film marked played on the server), never removed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from reelmates.catalog.identity import CatalogFilm
from reelmates.catalog.matching import (
    LibraryMatcher,
    usable_imdb_id,
    usable_tmdb_id,
    usable_year,
)
from reelmates.catalog.records import TITLE_MAX_CHARS, FilmRecord
from reelmates.errors import NotFoundError, SourceUnavailableError
from reelmates.media.base import LibraryClient, ServerFilm, ServerLibrary, UserFilmState
from reelmates.services.films import FilmUpserter
from reelmates.services.uow import unit_of_work
from reelmates.store.films import FilmRepository
from reelmates.store.media import (
    ItemWrite,
    LibraryInfo,
    MediaServerRepository,
    SyncRunInfo,
    UserMapping,
)
from reelmates.store.media_models import LIBRARY_NAME_MAX, WEB_URL_MAX
from reelmates.store.ratings import MarkRepository, RatingRepository

UNMATCHED_KEPT = 100  # unmatched films listed in a sync's log (all are counted)


@dataclass(frozen=True, slots=True)
class Unmatched:
    title: str
    year: int | None
    reason: str


@dataclass
class SyncReport:
    """What one sync did. ``fetched`` counts the distinct films read (changed ones only, on an
    incremental sync); each is matched by id, by title, added, or unmatched."""

    server_id: int
    full_sync: bool
    fetched: int = 0
    matched_by_id: int = 0
    matched_by_title: int = 0
    added: int = 0  # films new to the catalog
    added_items: int = 0  # films of the server matched to those new films
    removed: int = 0  # films gone from the server (or from a library no longer there)
    unmatched: list[Unmatched] = field(default_factory=list)
    seen_added: int = 0
    ratings_added: int = 0

    @property
    def match_rate(self) -> float:
        """The share of the films read that are now in the catalog (matched or added)."""
        placed = self.matched_by_id + self.matched_by_title + self.added_items
        return placed / self.fetched if self.fetched else 1.0


@dataclass
class _Fetched:
    """Everything read from the server, before any of it is written."""

    libraries: list[ServerLibrary]
    films: dict[str, list[ServerFilm]] = field(default_factory=dict)  # library → films read
    ids: dict[str, frozenset[str]] = field(default_factory=dict)  # library → every film id
    states: dict[int, list[UserFilmState]] = field(default_factory=dict)  # person → states
    full: set[str] = field(default_factory=set)  # libraries read in full


def sync(
    engine: Engine, server_id: int, client: LibraryClient, now: datetime, *, full: bool = False
) -> SyncReport:
    """Sync the server (every library read in full when ``full``); see the module's notes.
    Raises :class:`NotFoundError` for an unknown server and :class:`SourceUnavailableError`
    (after recording it) when the server fails."""
    with unit_of_work(engine, read_only=True) as session:
        servers = MediaServerRepository(session)
        if servers.get(server_id) is None:
            raise NotFoundError(f"there is no media server {server_id}")
        known = {lib.external_id: lib for lib in servers.libraries(server_id)}
        mappings = servers.mappings(server_id)
    try:
        fetched = _fetch(client, known, mappings, full=full)
    except SourceUnavailableError as exc:
        _record_failure(engine, server_id, now, str(exc))
        raise
    with unit_of_work(engine) as session:
        return _apply(session, server_id, fetched, now)


def servers_due(engine: Engine, now: datetime) -> list[int]:
    """Servers whose schedule says a sync is due (never synced, or the interval is over)."""
    with unit_of_work(engine, read_only=True) as session:
        servers = MediaServerRepository(session).all()
    return [
        s.id
        for s in servers
        if s.sync_minutes is not None
        and (s.last_sync_at is None or s.last_sync_at + timedelta(minutes=s.sync_minutes) <= now)
    ]


def _fetch(
    client: LibraryClient,
    known: dict[str, LibraryInfo],
    mappings: list[UserMapping],
    *,
    full: bool,
) -> _Fetched:
    fetched = _Fetched(libraries=list(client.libraries()))
    for library in fetched.libraries:
        ext = library.external_id
        info = known.get(ext)
        if info is not None and not info.enabled:
            continue
        since = None if full or info is None else info.synced_at
        fetched.films[ext] = list(client.films(ext, since=since))
        fetched.ids[ext] = client.film_ids(ext)
        if since is None:
            fetched.full.add(ext)
        for mapping in mappings:
            states = client.user_states(mapping.user_external_id, ext)
            fetched.states.setdefault(mapping.person_id, []).extend(states)
    return fetched


def _record_failure(engine: Engine, server_id: int, now: datetime, error: str) -> None:
    with unit_of_work(engine) as session:
        servers = MediaServerRepository(session)
        servers.record_sync(server_id, now, error=error)
        finished = max(now, datetime.now(UTC))
        run = SyncRunInfo(0, now, finished, False, 0, 0, 0, 0, 0, 0, "[]", error)
        servers.add_run(server_id, run)


def _apply(session: Session, server_id: int, fetched: _Fetched, now: datetime) -> SyncReport:
    servers = MediaServerRepository(session)
    full_sync = bool(fetched.films) and fetched.full == set(fetched.films)
    report = SyncReport(server_id=server_id, full_sync=full_sync)
    report.removed = servers.replace_libraries(
        server_id, [(lib.external_id, lib.name[:LIBRARY_NAME_MAX]) for lib in fetched.libraries]
    )
    libraries = {lib.external_id: lib for lib in servers.libraries(server_id)}
    existing = servers.items(server_id)

    films: dict[str, tuple[str, ServerFilm]] = {}  # a film read twice: the last one counts
    for ext, read in fetched.films.items():
        for film in read:
            films[film.external_id] = (ext, film)
    report.fetched = len(films)
    film_of = _match(session, films, report)

    writes = [
        ItemWrite(
            library_id=libraries[ext].id,
            external_id=item_id,
            film_id=film_of[item_id],
            title=film.title.strip()[:TITLE_MAX_CHARS],
            year=usable_year(film.year),
            web_url=film.web_url[:WEB_URL_MAX] if film.web_url else None,
            updated_at=film.updated_at,
        )
        for item_id, (ext, film) in films.items()
        if item_id in film_of
    ]
    swept = {libraries[ext].id: ids for ext, ids in fetched.ids.items()}
    stale = [
        item
        for item in existing.values()
        if item.external_id not in film_of
        and (
            item.external_id in films  # read again, and no longer matched
            or (item.library_id in swept and item.external_id not in swept[item.library_id])
        )
    ]
    report.removed += sum(1 for item in stale if item.external_id not in films)
    servers.delete_items([item.id for item in stale])
    servers.write_items(server_id, writes, existing)

    in_library = {ext: item.film_id for ext, item in existing.items()}
    for item in stale:
        in_library.pop(item.external_id, None)
    in_library.update(film_of)
    _take_states(session, fetched.states, in_library, report, now)

    for ext in fetched.films:
        servers.mark_library_synced(libraries[ext].id, now)
    servers.record_sync(server_id, now, error=None)
    unmatched = [
        {"title": u.title, "year": u.year, "reason": u.reason}
        for u in report.unmatched[:UNMATCHED_KEPT]
    ]
    servers.add_run(
        server_id,
        SyncRunInfo(
            id=0,
            started_at=now,
            finished_at=max(now, datetime.now(UTC)),
            full_sync=full_sync,
            fetched=report.fetched,
            matched_by_id=report.matched_by_id,
            matched_by_title=report.matched_by_title,
            added=report.added,
            removed=report.removed,
            unmatched_count=len(report.unmatched),
            unmatched=json.dumps(unmatched, ensure_ascii=False),
            error=None,
        ),
    )
    return report


def _match(
    session: Session, films: dict[str, tuple[str, ServerFilm]], report: SyncReport
) -> dict[str, int]:
    """Catalog film id of each film read that matched or was added (counted in ``report``)."""
    if not films:
        return {}  # an incremental sync with no changes: no need to index the catalog
    catalog = FilmRepository(session).identities()
    matcher = LibraryMatcher(
        CatalogFilm(f.id, f.title, f.year, f.imdb_id, f.tmdb_id) for f in catalog
    )
    film_of: dict[str, int] = {}
    new: list[FilmRecord] = []
    for item_id, (_ext, film) in films.items():
        found = matcher.match(film.title, film.year, imdb_id=film.imdb_id, tmdb_id=film.tmdb_id)
        if found.film_id is not None:
            film_of[item_id] = found.film_id
            if found.by_id:
                report.matched_by_id += 1
            else:
                report.matched_by_title += 1
        elif found.kind == "new":
            new.append(
                FilmRecord(
                    source_id=item_id,
                    title=film.title.strip(),
                    year=usable_year(film.year),
                    imdb_id=usable_imdb_id(film.imdb_id),
                    tmdb_id=usable_tmdb_id(film.tmdb_id),
                )
            )
        else:
            report.unmatched.append(
                Unmatched(film.title.strip()[:TITLE_MAX_CHARS], film.year, found.reason or "")
            )
    if new:
        mapping = FilmUpserter(session, id_space=None).upsert(new)
        report.added = len(mapping.created)
        report.added_items = len(new)
        film_of.update((r.source_id, mapping.ids[r.source_id]) for r in new)
    return film_of


def _server_stars(stars: float) -> float:
    """A server's rating in the half stars reelmates keeps (0.5 to 5)."""
    return min(10, max(1, round(stars * 2))) / 2


def _take_states(
    session: Session,
    states: dict[int, list[UserFilmState]],
    in_library: dict[str, int],
    report: SyncReport,
    now: datetime,
) -> None:
    """Mapped members' plays become seen marks, their server ratings ratings (where they have
    none in reelmates; see the module's notes)."""
    ratings, marks = RatingRepository(session), MarkRepository(session)
    rated_at = int(now.timestamp())
    for person_id, person_states in states.items():
        rated = {film_id for film_id, _ in ratings.for_person(person_id)}
        seen = marks.seen(person_id)
        for state in person_states:
            film_id = in_library.get(state.external_id)
            if film_id is None or film_id in rated:
                continue
            if state.stars is not None:
                ratings.set_rating(person_id, film_id, _server_stars(state.stars), rated_at)
                rated.add(film_id)
                report.ratings_added += 1
            elif state.played and film_id not in seen:
                on = state.played_at.date() if state.played_at else None
                marks.mark_seen(person_id, film_id, on)
                seen.add(film_id)
                report.seen_added += 1
    session.flush()
