"""Putting source film records into the catalog: match first, create or enrich second."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from reelmates.catalog.identity import (
    CatalogFilm,
    FilmMapping,
    FilmMatcher,
    display_title,
    map_films,
    normalise_title,
)
from reelmates.catalog.records import FilmRecord
from reelmates.store.bulk import id_allocator
from reelmates.store.films import FilmRepository
from reelmates.store.models import Film, FilmGenre

# Which Film column a source's own film id belongs to (MovieLens has two id spaces).
SOURCE_ID_COLUMN = {"ml-100k": "ml100k_id", "movielens": "movielens_id"}


def catalog_matcher(films: FilmRepository) -> FilmMatcher[int]:
    return FilmMatcher(
        CatalogFilm(f.id, f.title, f.year, f.imdb_id, f.tmdb_id) for f in films.identities()
    )


def _new_film_row(film_id: int, record: FilmRecord) -> dict[str, object]:
    title = display_title(record.title)
    return {
        "id": film_id,
        "title": title,
        "title_key": normalise_title(title),
        "year": record.year,
        "runtime_minutes": record.runtime_minutes,
        "director": record.director,
        "leading_cast": "|".join(record.cast) or None,
        "premise": record.premise,
    }


class FilmUpserter:
    """Maps a source's films to catalog ids, creating new films and filling in missing facts and
    external ids on matched ones (never overwriting what the catalog already says)."""

    def __init__(self, session: Session, id_space: str | None) -> None:
        self.repo = FilmRepository(session)
        self.id_column = SOURCE_ID_COLUMN.get(id_space or "")
        self._taken = {col: self.repo.external_ids_in_use(col) for col in ("imdb_id", "tmdb_id")}
        if self.id_column:
            self._taken[self.id_column] = self.repo.external_ids_in_use(self.id_column)

    def upsert(self, records: Iterable[FilmRecord]) -> FilmMapping[int]:
        matcher = catalog_matcher(self.repo)
        enriched: list[FilmRecord] = []
        ids = id_allocator(self.repo.session, "films")
        new_films: list[dict[str, object]] = []
        new_genres: list[dict[str, object]] = []

        def create(record: FilmRecord) -> int:
            # Rows are written in bulk after matching: one INSERT per film would take minutes
            # for the 60,000 films of ml-25m.
            film_id = ids.next_id()
            row = _new_film_row(film_id, record)
            row.update(self._claim_ids(record, {}))
            new_films.append(row)
            new_genres.extend({"film_id": film_id, "genre": g} for g in sorted(set(record.genres)))
            return film_id

        # The source's own id decides first: a film a previous import of the same id space
        # created is that film, even if the new release spells its title differently.
        known = self._films_by_source_id()
        already: dict[str, int] = {}

        def unknown(records: Iterable[FilmRecord]) -> Iterable[FilmRecord]:
            for record in records:
                enriched.append(record)
                film_id = known.get(record.source_id)
                if film_id is None:
                    yield record
                else:
                    already[record.source_id] = film_id

        mapping = map_films(unknown(records), matcher, create)
        mapping.ids.update(already)
        # Twins (records of this source that are one catalog film) from the whole mapping, in
        # file order: on a re-import the first twin is known by its source id, and map_films,
        # which only sees the rest, would take the second for a plain match.
        first_of: dict[int, FilmRecord] = {}
        mapping.duplicates = []
        for record in enriched:
            film_id = mapping.ids[record.source_id]
            if film_id in first_of:
                mapping.duplicates.append((record, film_id))
            else:
                first_of[film_id] = record
        mapping.matched = len(enriched) - len(mapping.created) - len(mapping.duplicates)
        self.repo.insert_rows(new_films, new_genres)
        created = {id(r) for r in mapping.created}
        matched = [r for r in enriched if id(r) not in created]
        films = self.repo.by_ids([mapping.ids[r.source_id] for r in matched])
        for record in matched:
            self._enrich(films[mapping.ids[record.source_id]], record)
        self.repo.session.flush()
        return mapping

    def _films_by_source_id(self) -> dict[str, int]:
        if self.id_column is None:
            return {}
        return {str(ext): fid for ext, fid in self.repo.ids_by_external(self.id_column)}

    def _claim_ids(self, record: FilmRecord, current: dict[str, object]) -> dict[str, object]:
        """The external ids this record can give a film that lacks them (``current``)."""
        wanted: dict[str, object] = {"imdb_id": record.imdb_id, "tmdb_id": record.tmdb_id}
        if self.id_column and record.source_id.isdigit():
            wanted[self.id_column] = int(record.source_id)
        claimed: dict[str, object] = {}
        for column, value in wanted.items():
            # A source may list one external id twice (MovieLens duplicates); first one wins.
            if value is None or current.get(column) is not None or value in self._taken[column]:
                continue
            claimed[column] = value
            self._taken[column].add(value)
        return claimed

    def _set_ids(self, film: Film, record: FilmRecord) -> None:
        current = {column: getattr(film, column) for column in self._taken}
        for column, value in self._claim_ids(record, current).items():
            setattr(film, column, value)

    def _enrich(self, film: Film, record: FilmRecord) -> None:
        self._set_ids(film, record)
        for attr, value in (
            ("runtime_minutes", record.runtime_minutes),
            ("director", record.director),
            ("premise", record.premise),
            ("leading_cast", "|".join(record.cast) or None),
        ):
            if value and getattr(film, attr) is None:
                setattr(film, attr, value)
        if record.genres and not film.genres:
            film.genres = [FilmGenre(genre=g) for g in sorted(set(record.genres))]
