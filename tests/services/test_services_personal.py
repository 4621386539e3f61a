"""One person's pick: scored once, filters and vetoes as for a group, unknown runtimes marked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sqlalchemy import Engine, select, update
from threadpoolctl import threadpool_info

from reelmates.errors import ReelmatesError
from reelmates.services.people import unveto_genre, veto_genre
from reelmates.services.personal import PersonalOptions, recommend_for_person
from reelmates.services.taste import ModelHolder
from reelmates.services.together import GroupOptions, pick_together
from reelmates.services.uow import unit_of_work
from reelmates.store.models import Film, FilmGenre, Person
from reelmates.store.ratings import MarkRepository, RatingRepository
from reelmates.together.inputs import Filters
from reelmates.together.strategies import Strategy
from serving import read


def _genres(engine: Engine, film_id: int) -> set[str]:
    with unit_of_work(engine) as session:
        return set(session.scalars(select(FilmGenre.genre).where(FilmGenre.film_id == film_id)))


def _seen(engine: Engine, handle: str) -> set[int]:
    with unit_of_work(engine) as session:
        person = session.scalars(select(Person.id).where(Person.handle == handle)).one()
        rated = {f for f, _ in RatingRepository(session).for_person(person)}
        return rated | set(MarkRepository(session).seen(person))


def test_a_genre_filter_holds_for_one_person(holder: ModelHolder) -> None:
    plain = read(recommend_for_person, holder, "Jess", k=10)
    assert any("Horror" not in _genres(holder.engine, p.film_id) for p in plain)
    horror = read(
        recommend_for_person,
        holder,
        "Jess",
        k=10,
        options=PersonalOptions(filters=Filters(genres_in={"Horror"})),
    )
    assert horror and all("Horror" in _genres(holder.engine, p.film_id) for p in horror)
    assert not {p.film_id for p in horror} & _seen(holder.engine, "Jess")
    years = read(
        recommend_for_person,
        holder,
        "Jess",
        k=10,
        options=PersonalOptions(filters=Filters(year_min=2015)),
    )
    assert years and all(p.year is not None and p.year >= 2015 for p in years)


def test_stored_and_requested_vetoes_hold_for_one_person(holder: ModelHolder) -> None:
    plain = read(recommend_for_person, holder, "Jess", k=10)
    dramas = [p for p in plain if "Drama" in _genres(holder.engine, p.film_id)]
    assert dramas  # so the veto has something to remove
    with unit_of_work(holder.engine) as session:
        veto_genre(session, "Jess", "Drama")
    try:
        vetoed = read(recommend_for_person, holder, "Jess", k=10)
    finally:
        with unit_of_work(holder.engine) as session:
            unveto_genre(session, "Jess", "Drama")
    assert vetoed and not any("Drama" in _genres(holder.engine, p.film_id) for p in vetoed)
    top = plain[0].film_id
    without = read(
        recommend_for_person,
        holder,
        "Jess",
        k=10,
        options=PersonalOptions(vetoed_films=frozenset({top})),
    )
    assert [p.film_id for p in without][:9] == [p.film_id for p in plain][1:]
    thrillers = read(
        recommend_for_person,
        holder,
        "Jess",
        k=10,
        options=PersonalOptions(vetoed_genres=frozenset({"drama"})),
    )
    assert [p.film_id for p in thrillers] == [p.film_id for p in vetoed]


@contextmanager
def _no_runtime(engine: Engine, film_id: int) -> Iterator[None]:
    with unit_of_work(engine) as session:
        before = session.get(Film, film_id)
        assert before is not None and before.runtime_minutes
        minutes = before.runtime_minutes
        session.execute(update(Film).where(Film.id == film_id).values(runtime_minutes=None))
    try:
        yield
    finally:
        with unit_of_work(engine) as session:
            session.execute(update(Film).where(Film.id == film_id).values(runtime_minutes=minutes))


def test_films_of_unknown_runtime_pass_max_runtime_marked(holder: ModelHolder) -> None:
    top = read(recommend_for_person, holder, "Jess", k=5)
    group_top = read(pick_together, holder, ["Jess", "Milly"], GroupOptions(k=5)).film_ids
    assert not any(p.runtime_unknown for p in top)  # no --max-runtime: nothing to mark
    long = Filters(max_runtime=1000)  # every known runtime passes
    unknown = {top[0].film_id, group_top[0]}
    with _no_runtime(holder.engine, top[0].film_id), _no_runtime(holder.engine, group_top[0]):
        fresh = ModelHolder(holder._dir, holder.engine)  # film facts as the database has them now
        mine = read(recommend_for_person, fresh, "Jess", k=5, options=PersonalOptions(filters=long))
        assert [p.film_id for p in mine] == [p.film_id for p in top]
        assert [p.runtime_unknown for p in mine] == [p.film_id in unknown for p in top]
        assert mine[0].runtime_unknown
        ours = read(pick_together, fresh, ["Jess", "Milly"], GroupOptions(k=5, filters=long))
        assert ours.film_ids == group_top
        assert ours.runtime_unknown == tuple(f in unknown for f in group_top)
        assert ours.runtime_unknown[0]
        # A limit no film meets: only the films whose runtime is unknown are left, each marked.
        short = PersonalOptions(filters=Filters(max_runtime=1))
        left = read(recommend_for_person, fresh, "Jess", k=5, options=short)
        assert {p.film_id for p in left} <= unknown
        assert left and all(p.runtime_unknown for p in left)


def test_one_person_is_scored_once_on_one_blas_thread(
    holder: ModelHolder, monkeypatch: pytest.MonkeyPatch
) -> None:
    want = read(recommend_for_person, holder, "Jess", k=5)
    scorer = holder.get().scorer
    real = scorer.score_matrix
    threads: list[list[int]] = []

    def counted(h: sp.csr_matrix) -> np.ndarray:
        threads.append([i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"])
        return real(h)

    monkeypatch.setattr(scorer, "score_matrix", counted)
    got = read(recommend_for_person, holder, "Jess", k=5)
    assert got == want
    assert len(threads) == 1  # one fold-in and one scoring of the catalog per request
    assert threads[0] and set(threads[0]) == {1}
    threads.clear()
    read(pick_together, holder, ["Jess", "Milly"], GroupOptions(k=5))
    assert len(threads) == 1 and set(threads[0]) == {1}


def test_the_cli_passes_filters_and_vetoes_for_one_person(
    holder: ModelHolder,
    module_db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from reelmates.cli.recommend import recommend

    monkeypatch.setenv("REELMATES_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("REELMATES_MODEL_DIR", str(holder._dir))
    monkeypatch.setenv("COLUMNS", "300")
    want = read(
        recommend_for_person,
        holder,
        "Jess",
        k=4,
        options=PersonalOptions(
            filters=Filters(genres_in={"Horror"}, max_runtime=1000),
            vetoed_genres=frozenset({"Comedy"}),
        ),
    )
    assert want
    capsys.readouterr()
    recommend(
        ["Jess"], k=4, genre=["Horror"], max_runtime=1000, veto_genre=["jess=Comedy"],
        db=module_db_url,
    )  # fmt: skip
    out = capsys.readouterr().out
    rows = [line.split("│")[2].strip() for line in out.splitlines() if line[2:3].isdigit()]
    assert rows == [f"{p.title} ({p.year})" if p.year else p.title for p in want]
    with pytest.raises(ReelmatesError, match="--strategy is for a group"):
        recommend(["Jess"], strategy=Strategy.BORDA, db=module_db_url)
