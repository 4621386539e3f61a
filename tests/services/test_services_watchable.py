"""Only what we can watch, on both databases: watch together and the swipe deck restricted to the
films a group can watch (a media library one of them can use, a member's own marks), each film
saying where, and members' own "on disc" / "on a service" marks.

Known answers: in the starter catalog, Braveheart, GoldenEye and Heat are the only Action films
of 1995, so Action + 1995 (seen films shown) leaves those three. Ann's Jellyfin holds Braveheart
and Heat: with the filter on, exactly those two are ranked and dealt; off, all three. Vera's mark
of GoldenEye ("on a service: Netflix") makes it the third. A library of twelve films gives a
top ten of ten (the mask is applied before the top k, not after).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from library_rows import own_library
from reelmates.catalog.identity import normalise_title
from reelmates.errors import InvalidValueError, NotFoundError
from reelmates.services import people
from reelmates.services.media import marks
from reelmates.services.media.available import Place
from reelmates.services.swipes import SwipeRooms
from reelmates.services.taste import ModelHolder
from reelmates.services.together import GroupOptions, pick_together
from reelmates.services.together_page import watch_together
from reelmates.services.uow import unit_of_work
from reelmates.store.films import FilmRepository
from reelmates.store.friends import FriendSummary
from reelmates.store.media_marks import MediaMarkRepository
from reelmates.store.people import PersonRepository
from reelmates.store.ratings import RatingRepository
from reelmates.together.inputs import Filters, SeenPolicy

NOW = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
ACTION_1995 = Filters(genres_in=frozenset({"Action"}), year_min=1995, year_max=1995)
OPTIONS = GroupOptions(k=10, filters=ACTION_1995, seen_policy=SeenPolicy.SHOW_ALL)
BRAVEHEART_URL = "http://jellyfin.lan:8096/web/index.html#!/details?id=b1"
_n = itertools.count()


def _member(holder: ModelHolder, name: str) -> FriendSummary:
    handle = f"{name.lower()}{next(_n)}"
    with unit_of_work(holder.engine) as s:
        people.add_member(s, handle, name)
        return FriendSummary(PersonRepository(s).require(handle).id, handle, name)


def _film(session: Session, title: str, year: int) -> int:
    (film,) = FilmRepository(session).find_by_title(normalise_title(title), year)
    return film.id


def _server(holder: ModelHolder, owner: FriendSummary, films: list[tuple[int, str | None]]) -> int:
    """A Jellyfin server of ``owner``'s, one library holding ``films`` (id, web URL)."""
    return own_library(holder.engine, owner.person_id, owner.display_name, films)


def _action_1995(holder: ModelHolder) -> dict[str, int]:
    with unit_of_work(holder.engine, read_only=True) as s:
        return {t: _film(s, t, 1995) for t in ("Braveheart", "GoldenEye", "Heat")}


def test_watch_together_ranks_only_what_the_group_can_watch_and_says_where(
    holder: ModelHolder,
) -> None:
    ann, vera = _member(holder, "Ann"), _member(holder, "Vera")
    films = _action_1995(holder)
    context = holder.get()

    def look(available: bool | None = None, me: FriendSummary = vera) -> dict[str, object]:
        with unit_of_work(holder.engine, read_only=True) as s:
            other = ann if me is vera else vera
            result = watch_together(s, context, me, [other], OPTIONS, available)
        return {
            "library": result.library,
            "only": result.available_only,
            "candidates": result.candidates,
            "where": {r.title: r.places for r in result.rows},
        }

    # No library, no mark: every film, and nothing said about it.
    assert look() == {
        "library": False,
        "only": False,
        "candidates": 3,
        "where": {"Braveheart": (), "GoldenEye": (), "Heat": ()},
    }
    sid = _server(
        holder, ann, [(films["Braveheart"], BRAVEHEART_URL), (films["Heat"], "javascript:x()")]
    )
    jellyfin = "on Ann's Jellyfin"
    braveheart = (Place(jellyfin, BRAVEHEART_URL, sid),)
    heat = (Place(jellyfin, None, sid),)  # a link that is not http(s) is never given
    assert look() == {
        "library": True,
        "only": True,
        "candidates": 2,
        "where": {"Braveheart": braveheart, "Heat": heat},
    }
    assert look(me=ann) == look()  # whoever looks: the same group
    assert look(available=False) == {
        "library": True,
        "only": False,
        "candidates": 3,
        "where": {"Braveheart": braveheart, "GoldenEye": (), "Heat": heat},
    }
    with unit_of_work(holder.engine) as s:
        marks.set_mark(s, vera.person_id, films["GoldenEye"], "service", " Netflix ", NOW)
    assert look()["where"] == {
        "Braveheart": braveheart,
        "GoldenEye": (Place("on Netflix (Vera)"),),
        "Heat": heat,
    }
    # A group without Ann or Vera sees neither her server nor Vera's mark.
    cy, dee = _member(holder, "Cy"), _member(holder, "Dee")
    with unit_of_work(holder.engine, read_only=True) as s:
        result = watch_together(s, context, cy, [dee], OPTIONS)
    assert not result.library and all(r.places == () for r in result.rows)
    assert len(result.rows) == 3
    # Asked for with nothing to watch: nothing, and the page is told why (no 500).
    with unit_of_work(holder.engine, read_only=True) as s:
        result = watch_together(s, context, cy, [dee], OPTIONS, True)
    assert (result.rows, result.candidates, result.available_only) == ((), 0, True)
    assert result.library  # offered, so it can be turned off again


def test_the_mask_comes_before_the_top_k_so_k_films_still_come_back(
    holder: ModelHolder,
) -> None:
    ann, bo = _member(holder, "Ann"), _member(holder, "Bo")
    context = holder.get()
    with unit_of_work(holder.engine, read_only=True) as s:
        top = pick_together(s, context, [ann.handle, bo.handle], GroupOptions(k=30))
    # The unfiltered top 30's last twelve: a filter applied after the top ten would keep none.
    library = frozenset(top.film_ids[18:])
    assert len(library) == 12
    _server(holder, ann, [(f, None) for f in sorted(library)])
    with unit_of_work(holder.engine, read_only=True) as s:
        result = watch_together(s, context, ann, [bo], GroupOptions(k=10))
        direct = pick_together(
            s, context, [ann.handle, bo.handle], GroupOptions(k=10, available_films=library)
        )
    picked = [r.film_id for r in result.rows]
    assert len(picked) == 10 and set(picked) <= library
    assert picked == list(direct.film_ids)
    assert result.candidates == 12


def test_the_deck_deals_only_what_the_room_can_watch_and_a_match_links_to_the_server(
    holder: ModelHolder,
) -> None:
    rooms = SwipeRooms(holder)
    ann, vera = _member(holder, "Ann"), _member(holder, "Vera")
    films = _action_1995(holder)
    sid = _server(holder, ann, [(films["Braveheart"], BRAVEHEART_URL), (films["Heat"], None)])
    with unit_of_work(holder.engine) as s:
        only = rooms.start(
            s, [ann.handle, vera.handle], filters=ACTION_1995, seen_policy=SeenPolicy.SHOW_ALL
        )
        every = rooms.start(
            s,
            [ann.handle, vera.handle],
            filters=ACTION_1995,
            seen_policy=SeenPolicy.SHOW_ALL,
            available=False,
        )
    dealt: dict[str, tuple[Place, ...]] = {}
    while True:
        with unit_of_work(holder.engine) as s:
            view, card = rooms.look(s, only, ann.handle)
            if card is None:
                break
            dealt[card.title] = card.places
            for who in (ann, vera):
                rooms.swipe(s, only, who.handle, card.film_id, card.title == "Braveheart")
    assert view.available_only and view.deck_size == 2
    assert dealt == {
        "Braveheart": (Place("on Ann's Jellyfin", BRAVEHEART_URL, sid),),
        "Heat": (Place("on Ann's Jellyfin", None, sid),),
    }
    (match,) = view.matches
    assert (match.title, match.places) == ("Braveheart", dealt["Braveheart"])
    with unit_of_work(holder.engine, read_only=True) as s:
        view, card = rooms.look(s, every, vera.handle)
    assert not view.available_only and view.deck_size == 3


def test_a_members_marks_are_theirs_and_bad_ones_are_clear_errors(holder: ModelHolder) -> None:
    ann, bo = _member(holder, "Ann"), _member(holder, "Bo")
    films = _action_1995(holder)
    heat, heat_id = "Heat", films["Heat"]
    with unit_of_work(holder.engine) as s:
        done = marks.set_mark(s, ann.person_id, heat_id, "service", "  Net\x00flix \n 4K ", NOW)
        assert (done.note, done.text) == ("Net flix 4K", "It's on a service I have: Net flix 4K")
        marks.set_mark(s, ann.person_id, heat_id, "disc", "", NOW)
        marks.set_mark(s, ann.person_id, heat_id, "service", "Netflix", NOW)  # a new note
        marks.set_mark(s, bo.person_id, films["Braveheart"], "disc", "", NOW)
    with unit_of_work(holder.engine) as s:
        assert not marks.remove_mark(s, bo.person_id, heat_id, "disc")  # Bo has none: Ann's stay
        mine = [(m.title, m.kind, m.text) for m in marks.my_marks(s, ann.person_id)]
        assert mine == [
            (heat, "disc", "We own it on disc"),
            (heat, "service", "It's on a service I have: Netflix"),
        ]
        assert [m.title for m in marks.my_marks(s, bo.person_id)] == ["Braveheart"]
        assert marks.my_marks(s, ann.person_id, films["Braveheart"]) == []
    with pytest.raises(InvalidValueError, match="no mark 'dvd'"), unit_of_work(holder.engine) as s:
        marks.set_mark(s, ann.person_id, heat_id, "dvd", "", NOW)
    with pytest.raises(NotFoundError, match="no film with id"), unit_of_work(holder.engine) as s:
        marks.set_mark(s, ann.person_id, 10**9, "disc", "", NOW)
    with pytest.raises(InvalidValueError, match="at most 80"), unit_of_work(holder.engine) as s:
        marks.set_mark(s, ann.person_id, heat_id, "disc", "x" * 81, NOW)
    with unit_of_work(holder.engine) as s:
        assert marks.remove_mark(s, ann.person_id, heat_id, "disc")
        assert not marks.remove_mark(s, ann.person_id, heat_id, "disc")
        left = MediaMarkRepository(s).marks_of([ann.person_id, bo.person_id])
        assert {(m.person_id, m.kind) for m in left} == {
            (bo.person_id, "disc"),
            (ann.person_id, "service"),
        }


def test_a_private_members_mark_never_gives_away_a_film_they_have_seen(
    holder: ModelHolder,
) -> None:
    """Vera keeps her taste private, rated Heat and marks Heat and GoldenEye on disc: Ann's list
    of what they can watch is GoldenEye alone (Heat, seen by a private member, is left out first,
    so "on disc (Vera)" never shows beside it)."""
    ann, vera = _member(holder, "Ann"), _member(holder, "Vera")
    films = _action_1995(holder)
    with unit_of_work(holder.engine) as s:
        people.set_private(s, vera.handle, True)
        RatingRepository(s).set_rating(vera.person_id, films["Heat"], 4.0, 1_700_000_000)
        for title in ("Heat", "GoldenEye"):
            marks.set_mark(s, vera.person_id, films[title], "disc", "", NOW)
    with unit_of_work(holder.engine, read_only=True) as s:
        seen_by_ann = watch_together(s, holder.get(), ann, [vera], OPTIONS)
        seen_by_vera = watch_together(s, holder.get(), vera, [ann], OPTIONS)
    assert [(r.title, r.places) for r in seen_by_ann.rows] == [
        ("GoldenEye", (Place("on disc (Vera)"),))
    ]
    assert seen_by_ann.candidates == 1
    # She sees her own: Heat is on her list, rated by her.
    assert {r.title for r in seen_by_vera.rows} == {"GoldenEye", "Heat"}
