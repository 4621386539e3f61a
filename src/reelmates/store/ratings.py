"""What people said of films: ratings, seen marks and watchlists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from reelmates.store.models import (
    Rating,
    SeenMark,
    WatchlistEntry,
)


@dataclass(frozen=True, slots=True)
class RatingsSnapshot:
    """All ratings as parallel arrays: what a taste model is fitted on."""

    person_ids: NDArray[np.int64]
    film_ids: NDArray[np.int64]
    stars: NDArray[np.float32]

    def __len__(self) -> int:
        return len(self.stars)


class RatingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Rating)) or 0

    def count_and_newer(self, after: int) -> tuple[int, int]:
        """(every rating, those rated after ``after``, UTC unix seconds), in one pass."""
        newer = func.coalesce(func.sum(case((Rating.rated_at > after, 1), else_=0)), 0)
        row = self.session.execute(select(func.count(), newer).select_from(Rating)).one()
        return int(row[0]), int(row[1])

    def set_rating(self, person_id: int, film_id: int, stars: float, rated_at: int | None) -> None:
        half = half_stars(stars)
        existing = self.session.get(Rating, (person_id, film_id))
        if existing is None:
            self.session.add(
                Rating(person_id=person_id, film_id=film_id, half_stars=half, rated_at=rated_at)
            )
        else:
            existing.half_stars = half
            existing.rated_at = rated_at

    def replace_for_person(
        self, person_id: int, wanted: Mapping[int, tuple[float, int | None]]
    ) -> list[int]:
        """Make the person's ratings exactly ``wanted`` (film id → stars, rated_at); returns the
        films whose ratings were removed."""
        existing = {
            r.film_id: r
            for r in self.session.scalars(select(Rating).where(Rating.person_id == person_id))
        }
        removed = sorted(set(existing) - set(wanted))
        _delete_films(self.session, Rating, person_id, removed)
        for film_id, (stars, rated_at) in wanted.items():
            row = existing.get(film_id)
            if row is None:
                self.session.add(
                    Rating(
                        person_id=person_id,
                        film_id=film_id,
                        half_stars=half_stars(stars),
                        rated_at=rated_at,
                    )
                )
            else:
                row.half_stars, row.rated_at = half_stars(stars), rated_at
        self.session.flush()
        return removed

    def delete_rating(self, person_id: int, film_id: int) -> None:
        self.session.execute(
            delete(Rating).where(Rating.person_id == person_id, Rating.film_id == film_id)
        )

    def stars_of(self, person_id: int, film_id: int) -> float | None:
        """The person's rating of one film, or None."""
        row = self.session.get(Rating, (person_id, film_id))
        return None if row is None else row.half_stars / 2

    def arrays_for_person(self, person_id: int) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """(film ids, stars) of the person's ratings as arrays, by film id — the hot path of every
        group pick and fold-in (see :meth:`arrays_for_people`)."""
        return self.arrays_for_people([person_id])[int(person_id)]

    def arrays_for_people(
        self, person_ids: Sequence[int]
    ) -> dict[int, tuple[NDArray[np.int64], NDArray[np.float64]]]:
        """(film ids, stars) of each of ``person_ids``' ratings, by film id, in one query. The rows
        come straight off the driver's cursor (the statement compiled with its integer bounds in),
        skipping a Python object per row."""
        ids = sorted({int(i) for i in person_ids})
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
        if not ids:
            return {}
        stmt = (
            select(Rating.person_id, Rating.film_id, Rating.half_stars)
            .where(Rating.person_id.in_(ids))
            .order_by(Rating.person_id, Rating.film_id)
        )
        connection = self.session.connection()
        sql = str(stmt.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        out = dict.fromkeys(ids, empty)
        if not rows:
            return out
        table = np.array(rows, dtype=np.int64)
        people, starts = np.unique(table[:, 0], return_index=True)
        for person, part in zip(people.tolist(), np.split(table, starts[1:]), strict=True):
            out[person] = (part[:, 1].copy(), part[:, 2] / 2.0)
        return out

    def for_person(self, person_id: int) -> list[tuple[int, float]]:
        # On the connection, not the ORM session: plain column rows skip the ORM's row loading,
        # which costs more than the query for a person with 1,500 ratings (every group pick).
        rows = self.session.connection().execute(
            select(Rating.film_id, Rating.half_stars).where(Rating.person_id == person_id)
        )
        return [(film_id, half / 2) for film_id, half in rows.all()]

    def dated_for_person(self, person_id: int) -> list[tuple[int, float, int | None]]:
        """(film id, stars, rated_at) of each of the person's ratings, by film id."""
        rows = self.session.execute(
            select(Rating.film_id, Rating.half_stars, Rating.rated_at)
            .where(Rating.person_id == person_id)
            .order_by(Rating.film_id)
        )
        return [(film_id, half / 2, rated_at) for film_id, half, rated_at in rows]

    def snapshot(self, batch: int = 200_000) -> RatingsSnapshot:
        """Every rating as arrays, streamed in batches so memory stays near the arrays' size."""
        total = self.count()
        persons = np.empty(total, dtype=np.int64)
        films = np.empty(total, dtype=np.int64)
        halves = np.empty(total, dtype=np.int16)
        filled = 0
        result = self.session.execute(
            select(Rating.person_id, Rating.film_id, Rating.half_stars).execution_options(
                yield_per=batch
            )
        )
        for chunk in result.partitions():
            arr = np.asarray(chunk, dtype=np.int64).reshape(-1, 3)
            end = min(filled + len(arr), total)
            take = end - filled
            persons[filled:end] = arr[:take, 0]
            films[filled:end] = arr[:take, 1]
            halves[filled:end] = arr[:take, 2]
            filled = end
        return RatingsSnapshot(
            persons[:filled], films[:filled], halves[:filled].astype(np.float32) / np.float32(2)
        )


class MarkRepository:
    """Seen marks and watchlist entries."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def mark_seen(self, person_id: int, film_id: int, on: date | None) -> None:
        if self.session.get(SeenMark, (person_id, film_id)) is None:
            self.session.add(SeenMark(person_id=person_id, film_id=film_id, seen_on=on))

    def add_to_watchlist(self, person_id: int, film_id: int, on: date | None) -> None:
        if self.session.get(WatchlistEntry, (person_id, film_id)) is None:
            self.session.add(WatchlistEntry(person_id=person_id, film_id=film_id, added_on=on))

    def unmark_seen(self, person_id: int, film_id: int) -> bool:
        """True when there was such a mark."""
        result = self.session.execute(
            delete(SeenMark).where(SeenMark.person_id == person_id, SeenMark.film_id == film_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def remove_from_watchlist(self, person_id: int, film_id: int) -> bool:
        """True when the film was on the watchlist."""
        result = self.session.execute(
            delete(WatchlistEntry).where(
                WatchlistEntry.person_id == person_id, WatchlistEntry.film_id == film_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def film_marks(self, person_id: int, film_id: int) -> tuple[bool, bool]:
        """(marked seen, on the watchlist) for one film."""
        return (
            self.session.get(SeenMark, (person_id, film_id)) is not None,
            self.session.get(WatchlistEntry, (person_id, film_id)) is not None,
        )

    def replace_seen(self, person_id: int, wanted: Mapping[int, date | None]) -> list[int]:
        """Make the person's seen marks exactly ``wanted`` (film id → date); returns the films
        whose marks were removed."""
        return _replace_dated(self.session, SeenMark, "seen_on", person_id, wanted)

    def replace_watchlist(self, person_id: int, wanted: Mapping[int, date | None]) -> list[int]:
        """Make the person's watchlist exactly ``wanted`` (film id → date added); returns the
        films taken off it."""
        return _replace_dated(self.session, WatchlistEntry, "added_on", person_id, wanted)

    def seen_dated(self, person_id: int) -> dict[int, date | None]:
        """Film id → the day seen (None: not known), of the person's seen marks."""
        rows = self.session.execute(
            select(SeenMark.film_id, SeenMark.seen_on).where(SeenMark.person_id == person_id)
        )
        return dict(rows.tuples().all())

    def watchlist_dated(self, person_id: int) -> dict[int, date | None]:
        """Film id → the day it went on the person's watchlist (None: not known)."""
        rows = self.session.execute(
            select(WatchlistEntry.film_id, WatchlistEntry.added_on).where(
                WatchlistEntry.person_id == person_id
            )
        )
        return dict(rows.tuples().all())

    def seen(self, person_id: int) -> set[int]:
        query = select(SeenMark.film_id).where(SeenMark.person_id == person_id)
        return set(self.session.connection().scalars(query).all())  # as in for_person

    def seen_of(self, person_ids: Sequence[int]) -> dict[int, set[int]]:
        """:meth:`seen` of each of ``person_ids``, in one query."""
        return _by_person(self.session, SeenMark, person_ids)

    def watchlist_of(self, person_ids: Sequence[int]) -> dict[int, set[int]]:
        """:meth:`watchlist` of each of ``person_ids``, in one query."""
        return _by_person(self.session, WatchlistEntry, person_ids)

    def watchlist(self, person_id: int) -> set[int]:
        query = select(WatchlistEntry.film_id).where(WatchlistEntry.person_id == person_id)
        return set(self.session.connection().scalars(query).all())


def _by_person(
    session: Session, model: type[SeenMark] | type[WatchlistEntry], person_ids: Sequence[int]
) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {int(i): set() for i in person_ids}
    rows = session.connection().execute(
        select(model.person_id, model.film_id).where(model.person_id.in_(list(out)))
    )
    for person_id, film_id in rows:
        out[person_id].add(film_id)
    return out


def _replace_dated(
    session: Session,
    model: type[SeenMark] | type[WatchlistEntry],
    date_column: str,
    person_id: int,
    wanted: Mapping[int, date | None],
) -> list[int]:
    """A person's rows of ``model`` made exactly ``wanted`` (film id → date); the removed films."""
    query = select(model).where(model.person_id == person_id)
    rows = cast("list[SeenMark | WatchlistEntry]", list(session.scalars(query)))
    existing = {row.film_id: row for row in rows}
    removed = sorted(set(existing) - set(wanted))
    _delete_films(session, model, person_id, removed)
    for film_id, on in wanted.items():
        row = existing.get(film_id)
        if row is None:
            session.add(model(person_id=person_id, film_id=film_id, **{date_column: on}))
        else:
            setattr(row, date_column, on)
    session.flush()
    return removed


def _delete_films(
    session: Session,
    model: type[Rating] | type[SeenMark] | type[WatchlistEntry],
    person_id: int,
    film_ids: Sequence[int],
    chunk: int = 500,
) -> None:
    for start in range(0, len(film_ids), chunk):
        session.execute(
            delete(model).where(
                model.person_id == person_id, model.film_id.in_(film_ids[start : start + chunk])
            )
        )


def half_stars(stars: float) -> int:
    half = round(stars * 2)
    if abs(half - stars * 2) > 1e-6 or not 1 <= half <= 10:
        raise ValueError(f"{stars} is not a rating from 0.5 to 5 in half stars")
    return int(half)
