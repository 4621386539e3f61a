"""The fairness nudge through ``pick_together``: the group's past nights as plain data."""

from __future__ import annotations

import re

import pytest

from reelmates.errors import ReelmatesError
from reelmates.services.taste import ModelHolder
from reelmates.services.together import GroupOptions, GroupPick, NightRecord, pick_together
from reelmates.together.reasons import TurnNote
from reelmates.together.wording import why_text
from serving import read

GROUP = ["Jess", "Milly"]


def _nights(holder: ModelHolder, jess: float, milly: float) -> tuple[NightRecord, ...]:
    # Three films they could have watched (the picks of a plain ranking), rated afterwards:
    # Jess far above her usual, Milly far below hers.
    plain = read(pick_together, holder, GROUP, GroupOptions(k=3))
    return tuple(
        NightRecord(film, {"jess": jess, "MILLY": milly, "Sam": 5.0}) for film in plain.film_ids
    )


def test_three_nights_that_suited_jess_make_it_millys_turn(holder: ModelHolder) -> None:
    nights = _nights(holder, 5.0, 1.0)
    plain = read(pick_together, holder, GROUP, GroupOptions(k=10))
    nudged = read(pick_together, holder, GROUP, GroupOptions(k=10, history=nights))
    # Handles match in any case; Sam was there once but is not here tonight: ignored.
    assert nudged.ranking.turn == TurnNote("Milly", "Jess", 3)
    assert why_text(nudged.ranking.turn) == "Milly's turn: the last three picks suited Jess better"
    # The list leans toward Milly: her mean chance over the list rises.
    assert _mean_chance(nudged, 1) > _mean_chance(plain, 1)
    assert all(p.turn in (None, nudged.ranking.turn) for p in nudged.ranking.picks)
    # The group turned the nudge off: the plain list, no turn.
    off = read(pick_together, holder, GROUP, GroupOptions(k=10, history=nights, nudge=False))
    assert off.film_ids == plain.film_ids and off.ranking.turn is None


def test_the_group_may_be_named_in_any_case(holder: ModelHolder) -> None:
    nights = _nights(holder, 5.0, 1.0)
    listed = read(pick_together, holder, ["jess", "milly"], GroupOptions(k=5, history=nights))
    assert listed.ranking.turn is not None
    assert listed.ranking.turn.member.casefold() == "milly"


def _mean_chance(result: GroupPick, member: int) -> float:
    picks = result.ranking.picks
    return sum(p.chances[member] for p in picks) / len(picks)


def test_stars_out_of_range_are_refused(holder: ModelHolder) -> None:
    nights = _nights(holder, 6.0, 1.0)
    with pytest.raises(
        ReelmatesError, match=re.escape("Jess's stars for a past night must be 0.5 to 5")
    ):
        read(pick_together, holder, GROUP, GroupOptions(history=nights))


def test_a_private_members_stars_for_past_nights_are_never_read(holder: ModelHolder) -> None:
    # Milly private: her 1★ are not read, only the model's predictions for her, so whatever
    # the turn is, it is not drawn from her stars: the same as if she had given none.
    nights = _nights(holder, 5.0, 1.0)
    unrated = tuple(NightRecord(n.film_id, {"Jess": 5.0, "Milly": None}) for n in nights)
    private = frozenset({"Milly"})
    one = read(pick_together, holder, GROUP, GroupOptions(k=10, history=nights, private=private))
    two = read(pick_together, holder, GROUP, GroupOptions(k=10, history=unrated, private=private))
    assert one.film_ids == two.film_ids and one.ranking.turn == two.ranking.turn
