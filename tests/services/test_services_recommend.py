"""Recommending from the database: the starter catalog, the demo friends, a model fitted once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from reelmates.errors import NotFoundError, ReelmatesError
from reelmates.services.companions import companions_for_film, pairings_for
from reelmates.services.personal import recommend_for_person
from reelmates.services.taste import ModelHolder
from reelmates.services.together import GroupOptions, find_films, pick_together
from reelmates.services.uow import unit_of_work
from reelmates.store.db import create_db_engine
from reelmates.store.migrate import upgrade_to_head
from reelmates.store.models import FilmGenre, Person
from reelmates.store.ratings import RatingRepository
from reelmates.together.inputs import Filters, SeenPolicy
from reelmates.together.reasons import Reason, ReasonKind
from reelmates.together.wording import why_text
from serving import in_session, read


def _genres(engine: Engine, film_ids: tuple[int, ...]) -> set[str]:
    with unit_of_work(engine) as session:
        rows = session.scalars(select(FilmGenre.genre).where(FilmGenre.film_id.in_(film_ids)))
        return set(rows)


def test_group_pick_has_stars_and_a_reason_per_member(holder: ModelHolder) -> None:
    pick = read(pick_together, holder, ["Jess", "Milly"], GroupOptions(k=10))
    picks = pick.ranking.picks
    assert len(picks) == 10
    assert len(set(pick.film_ids)) == 10
    for p in picks:
        assert len(p.stars) == 2 and all(0.5 <= s <= 5 for s in p.stars)
        assert [r.member for r in p.reasons] == ["Jess", "Milly"]
        assert why_text(p.reasons[0]).startswith("Jess: ")


def test_member_order_does_not_change_the_films(holder: ModelHolder) -> None:
    ab = read(pick_together, holder, ["Jess", "Milly"], GroupOptions(k=8))
    ba = read(pick_together, holder, ["Milly", "Jess"], GroupOptions(k=8))
    assert ab.film_ids == ba.film_ids
    assert [p.stars for p in ab.ranking.picks] == [p.stars[::-1] for p in ba.ranking.picks]


def test_genre_veto_and_filters_hold(holder: ModelHolder) -> None:
    options = GroupOptions(
        k=10,
        vetoed_genres={"Milly": frozenset({"Drama"})},
        filters=Filters(year_min=1980, year_max=2009, max_runtime=130),
    )
    pick = read(pick_together, holder, ["Jess", "Milly"], options)
    assert pick.film_ids
    assert "Drama" not in _genres(holder.engine, pick.film_ids)
    assert all(y is not None and 1980 <= y <= 2009 for y in pick.years)


def test_film_veto_removes_the_top_pick(holder: ModelHolder) -> None:
    first = read(pick_together, holder, ["Jess", "Milly"], GroupOptions(k=3))
    top_title = first.ranking.picks[0].title
    vetoed = in_session(find_films, holder, [top_title])
    again = read(
        pick_together, holder, ["Jess", "Milly"], GroupOptions(k=3, vetoed_films={"Jess": vetoed})
    )
    assert first.film_ids[0] not in again.film_ids


def test_seen_policy_hide_if_any_drops_everything_either_has_seen(holder: ModelHolder) -> None:
    shown = read(
        pick_together,
        holder,
        ["Jess", "Milly"],
        GroupOptions(k=30, seen_policy=SeenPolicy.SHOW_ALL),
    )
    hidden = read(
        pick_together,
        holder,
        ["Jess", "Milly"],
        GroupOptions(k=30, seen_policy=SeenPolicy.HIDE_IF_ANY),
    )
    assert any(p.seen for p in shown.ranking.picks)
    assert not any(p.seen for p in hidden.ranking.picks)


def test_a_new_rating_counts_at_once_without_retraining(holder: ModelHolder) -> None:
    before = read(recommend_for_person, holder, "Jess", k=5)
    top = before[0]
    with unit_of_work(holder.engine) as session:
        jess = session.scalars(select(Person).where(Person.handle == "Jess")).one()
        RatingRepository(session).set_rating(jess.id, top.film_id, 1.0, rated_at=None)
    try:
        after = read(recommend_for_person, holder, "Jess", k=5)
        assert top.film_id not in {p.film_id for p in after}
    finally:
        with unit_of_work(holder.engine) as session:
            RatingRepository(session).delete_rating(jess.id, top.film_id)


def test_unknown_people_and_bad_group_sizes_are_clear_errors(holder: ModelHolder) -> None:
    with pytest.raises(NotFoundError, match="Nobody"):
        read(pick_together, holder, ["Jess", "Nobody"])
    with pytest.raises(ReelmatesError, match="2 to 8"):
        read(pick_together, holder, ["Jess"])
    with pytest.raises(ReelmatesError, match="2 to 8"):
        read(pick_together, holder, ["Jess", "Jess"])


def test_no_model_yet_says_to_train(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path}/x.db")
    upgrade_to_head(engine)
    holder = ModelHolder(tmp_path / "models", engine)
    with pytest.raises(NotFoundError, match="no taste model for this database yet"):
        holder.get()


def test_companions_for_a_film_and_pairings(holder: ModelHolder) -> None:
    (film_id,) = in_session(find_films, holder, ["Miss You Already"])
    ranked = read(companions_for_film, holder, "Jess", film_id, ["Milly", "Jess"])
    assert [c.name for c in ranked] == ["Milly"]  # Jess is not her own companion
    assert 0.5 <= ranked[0].stars <= 5 and not ranked[0].seen
    pairings = read(pairings_for, holder, "Jess", ["Milly"], k=3)
    assert len(pairings) == 1
    pairing = pairings[0]
    with unit_of_work(holder.engine) as session:
        seen = {
            f
            for handle in ("Jess", "Milly")
            for f, _ in RatingRepository(session).for_person(
                session.scalars(select(Person.id).where(Person.handle == handle)).one()
            )
        }
    chosen = holder.get().catalog.film_ids[pairing.item]
    assert int(chosen) not in seen
    assert [r.member for r in pairing.reasons] == ["Jess", "Milly"]


def test_a_year_in_the_title_picks_one_of_two_films(holder: ModelHolder) -> None:
    both = in_session(find_films, holder, ["Little Women"])
    (only_1994,) = in_session(find_films, holder, ["Little Women (1994)"])
    (only_2019,) = in_session(find_films, holder, ["little women (2019)"])
    assert both == {only_1994, only_2019}
    with pytest.raises(NotFoundError, match="Little Women"):
        in_session(find_films, holder, ["Little Women (1933)"])


def test_companions_for_an_unknown_person_is_a_clear_error(holder: ModelHolder) -> None:
    (film_id,) = in_session(find_films, holder, ["Miss You Already"])
    with pytest.raises(NotFoundError, match="Nobody"):
        read(companions_for_film, holder, "Nobody", film_id, ["Milly"])


def test_stored_privacy_and_vetoes_apply_to_every_group_pick(holder: ModelHolder) -> None:
    from reelmates.services.people import set_private, veto_genre

    engine = holder.engine
    with unit_of_work(engine) as session:
        set_private(session, "Milly", True)
        veto_genre(session, "Jess", "Drama")
    try:
        pick = read(pick_together, holder, ["Jess", "Milly"], GroupOptions(k=10))
        assert pick.film_ids and "Drama" not in _genres(engine, pick.film_ids)
        with unit_of_work(engine) as session:
            milly = session.scalars(select(Person.id).where(Person.handle == "Milly")).one()
            milly_seen = {f for f, _ in RatingRepository(session).for_person(milly)}
        assert not milly_seen & set(pick.film_ids)  # nothing she has seen gives it away
        for p in pick.ranking.picks:
            assert p.reasons[1] == Reason("Milly", ReasonKind.PRIVATE)
            assert all(note.member != "Milly" for note in p.seen)
            assert p.watchlist is None or "Milly" not in p.watchlist.members
        ranked = read(companions_for_film, holder, "Jess", pick.film_ids[0], ["Milly"])
        assert not ranked[0].seen and ranked[0].reason == Reason("Milly", ReasonKind.PRIVATE)
    finally:
        with unit_of_work(engine) as session:
            set_private(session, "Milly", False)
            from reelmates.services.people import unveto_genre

            unveto_genre(session, "Jess", "Drama")


def test_names_in_options_match_the_group_in_any_case_and_unknown_ones_are_errors(
    holder: ModelHolder,
) -> None:
    lower = read(
        pick_together, holder, ["Jess", "Milly"], GroupOptions(k=5, private=frozenset({"milly"}))
    )
    assert all(p.reasons[1] == Reason("Milly", ReasonKind.PRIVATE) for p in lower.ranking.picks)
    with pytest.raises(NotFoundError, match="Nobody"):
        read(pick_together, holder, ["Jess", "Milly"], GroupOptions(private=frozenset({"Nobody"})))
    with pytest.raises(NotFoundError, match="Sam"):
        read(
            pick_together,
            holder,
            ["Jess", "Milly"],
            GroupOptions(vetoed_genres={"Sam": frozenset({"Horror"})}),
        )


def test_a_private_persons_own_picks_cite_their_own_films(holder: ModelHolder) -> None:
    from reelmates.services.people import set_private

    with unit_of_work(holder.engine) as session:
        set_private(session, "Milly", True)
    try:
        picks = read(recommend_for_person, holder, "Milly", k=5)
    finally:
        with unit_of_work(holder.engine) as session:
            set_private(session, "Milly", False)
    assert all(p.reason.kind is ReasonKind.LIKE_LOVED for p in picks)  # theirs, so not hidden
    assert all(p.reason.member == "Milly" and p.reason.films for p in picks)


def test_a_private_member_viewing_the_group_pick_sees_their_own_details(
    holder: ModelHolder,
) -> None:
    private = frozenset({"Milly"})
    others = read(pick_together, holder, ["Jess", "Milly"], GroupOptions(k=5, private=private))
    mine = read(
        pick_together,
        holder,
        ["Jess", "Milly"],
        GroupOptions(k=5, private=private, viewer="milly"),
    )
    jess_view = read(
        pick_together,
        holder,
        ["Jess", "Milly"],
        GroupOptions(k=5, private=private, viewer="Jess"),
    )
    assert all(p.reasons[1].kind is ReasonKind.PRIVATE for p in others.ranking.picks)
    assert [p.reasons for p in jess_view.ranking.picks] == [p.reasons for p in others.ranking.picks]
    assert any(p.reasons[1].kind is ReasonKind.LIKE_LOVED for p in mine.ranking.picks)
    with pytest.raises(NotFoundError, match="Sam"):
        read(pick_together, holder, ["Jess", "Milly"], GroupOptions(viewer="Sam"))
